import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Bearer-key check for the /v1 API. With VISAGE_ADMIN_KEY set, every call must carry it
 * (compared in constant time on digests, so neither content nor length leaks). Without it the
 * API is open, for a laptop demo only: main.ts logs a warning at start.
 */
export function requireApiKey(adminKey: string | undefined): RequestHandler {
  if (adminKey === undefined) return (_req, _res, next) => next();
  const expected = digest(adminKey);
  return (req, _res, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      next(new AppError('UNAUTHENTICATED', 'a valid API key is required: Authorization: Bearer <key>'));
      return;
    }
    next();
  };
}
