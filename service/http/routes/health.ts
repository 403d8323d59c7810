import { Router } from 'express';
import type { Metrics } from '../../metrics.js';

export interface ReadinessCheck {
  /** Names each dependency and whether it is ready. */
  check(): Promise<Record<string, boolean>>;
}

export function healthRoutes(readiness: ReadinessCheck, metrics: Metrics, openapi: () => unknown): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (req, res) => {
    const checks = await readiness.check();
    const ready = Object.values(checks).every(Boolean);
    if (ready) {
      res.json({ status: 'ready', checks });
      return;
    }
    res.status(503).json({
      error: { code: 'NOT_READY', message: 'not ready to serve', checks },
      requestId: String(req.id ?? ''),
    });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  router.get('/openapi.json', (_req, res) => {
    res.json(openapi());
  });

  return router;
}
