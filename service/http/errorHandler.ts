import type { ErrorRequestHandler, RequestHandler } from 'express';
import { errorsOf } from './endpoint.js';
import { ERROR_STATUS, toApiError } from './errorStatus.js';
import { internal, noRoute } from './httpErrors.js';
import { endpointOf } from './mountEndpoints.js';

/**
 * The one place where errors become HTTP responses: `{error: {code, message, …details}, requestId}`
 * with the code's status. Unknown errors never show their internals. With contract checks on, a
 * code the endpoint does not declare is a bug and answers 500.
 */
export function errorHandler(options: { contractChecks: boolean }): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = toApiError(error);
    const endpoint = endpointOf(res);
    let apiError = known;
    if (!known) req.log?.error({ err: error }, 'unhandled error');
    else if (options.contractChecks && endpoint && !errorsOf(endpoint).includes(known.code)) {
      req.log?.error({ code: known.code, endpoint: `${endpoint.method} ${endpoint.path}` }, 'error code not declared by the endpoint');
      apiError = undefined;
    }
    // In the test suite (contract checks on), say what broke: a 500 without a reason is hard to chase.
    apiError ??= options.contractChecks
      ? { code: 'INTERNAL', message: `internal error: ${known ? `${known.code} is not declared by the endpoint` : String((error as Error)?.message)}` }
      : toApiError(internal())!;
    const status = ERROR_STATUS[apiError.code];
    res.locals.errorCode = apiError.code;
    if (status >= 500 && apiError.code !== 'INTERNAL') req.log?.warn({ code: apiError.code }, apiError.message);
    if (res.headersSent) {
      res.end();
      return;
    }
    // OVERLOADED (and RATE_LIMITED) say when to come back.
    const retryAfter = apiError.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number' && !res.getHeader('retry-after')) res.setHeader('Retry-After', String(retryAfter));
    res.status(status).json({ error: { code: apiError.code, message: apiError.message, ...apiError.details }, requestId: typeof req.id === 'string' ? req.id : '' });
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(noRoute(req.method, req.path));
};
