import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { AppError } from '../errors.js';
import { principalOf } from './auth.js';

/**
 * Requests per API key per minute (per replica: each keeps its own counts, so a key spread over
 * N replicas gets up to N times the limit). Over it: 429 RATE_LIMITED with Retry-After.
 */
export function rateLimitPerKey(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => principalOf(res)?.keyId ?? 'anonymous',
    handler: (req, res, next) => {
      const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
      res.setHeader('Retry-After', String(seconds));
      next(new AppError('RATE_LIMITED', `too many requests for this key; retry in ${seconds} s`, { retryAfterSeconds: seconds }));
    },
  });
}
