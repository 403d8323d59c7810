import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { principalOf } from './auth.js';
import { rateLimited } from './httpErrors.js';

/**
 * Requests per API key per minute (per replica: each keeps its own counts, so a key spread over
 * N replicas gets up to N times the limit). Over it: 429 RATE_LIMITED; express-rate-limit sets
 * Retry-After and the RateLimit headers itself.
 */
export function rateLimitPerKey(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => principalOf(res)?.keyId ?? 'anonymous',
    handler: (_req, res, next) => next(rateLimited(Number(res.getHeader('Retry-After')) || 60)),
  });
}
