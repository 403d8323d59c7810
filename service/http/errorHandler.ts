import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../errors.js';
import { isDatabaseUnavailable } from '../db/pool.js';

/** Errors thrown by express's own body parsers, by their `type`. */
const PARSER_ERRORS: Record<string, () => AppError> = {
  'entity.too.large': () => new AppError('PAYLOAD_TOO_LARGE', 'the request body is too large'),
  'entity.parse.failed': () => new AppError('VALIDATION_FAILED', 'the body is not valid JSON'),
  'encoding.unsupported': () => new AppError('UNSUPPORTED_MEDIA_TYPE', 'unsupported content encoding'),
  'charset.unsupported': () => new AppError('UNSUPPORTED_MEDIA_TYPE', 'unsupported charset'),
  'request.aborted': () => new AppError('VALIDATION_FAILED', 'the request was aborted'),
  'request.size.invalid': () => new AppError('VALIDATION_FAILED', 'the body is shorter than its Content-Length'),
};

function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const type = (error as { type?: string }).type;
  if (type && PARSER_ERRORS[type]) return PARSER_ERRORS[type]();
  if (isDatabaseUnavailable(error)) return new AppError('DEPENDENCY_UNAVAILABLE', 'the database is not reachable; try again shortly');
  return undefined;
}

/** The one place where errors become HTTP responses; unknown errors never show their internals. */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const appError = toAppError(error);
  const requestId = String(req.id ?? '');
  if (!appError) {
    res.locals.errorCode = 'INTERNAL';
    req.log?.error({ err: error }, 'unhandled error');
    res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error' }, requestId });
    return;
  }
  res.locals.errorCode = appError.code;
  if (appError.status >= 500) req.log?.warn({ code: appError.code }, appError.message);
  res.status(appError.status).json({
    error: { code: appError.code, message: appError.message, ...(appError.details ?? {}) },
    requestId,
  });
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
};
