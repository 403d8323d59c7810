import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import type { VisitFeed } from '../../domain/visitFeed.js';
import { allow, principalOf } from '../auth.js';

/** The operator console's static files (plain ES modules, no build step). */
export const CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console');

export function consoleRoutes(): Router {
  const router = Router();
  router.use('/console', express.static(CONSOLE_DIR, { index: 'index.html', maxAge: 0 }));
  return router;
}

const KEEP_ALIVE_MS = 15_000;

/** The caller's key (the console signs in with it) and the live feed of camera visits. */
/** The running face model and its thresholds (in its metric's scale), as /v1/me shows them. */
export interface ScoringView {
  faceModel: { key: string; name: string; version: string; dimension: number; metric: 'cosine' | 'euclidean' };
  thresholds: { match: number; margin: number; today: number; verify: number };
}

export function sessionRoutes(feed: VisitFeed, scoring: ScoringView): Router {
  const router = Router();

  router.get('/me', (_req, res) => {
    res.json({ ...principalOf(res), ...scoring });
  });

  // Server-sent events; read with fetch (EventSource cannot send the Authorization header).
  router.get('/events/visits', allow('operator'), (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    const unsubscribe = feed.subscribe((event) => res.write(`event: visit\ndata: ${JSON.stringify(event)}\n\n`));
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    req.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
  });

  return router;
}
