import { CodedError } from '../domain/shared/codedError.js';

/**
 * Errors of the transport itself (keys, roles, limits, request shape, routing, readiness), each
 * defined once with its message. Domain errors live in service/domain/errors.ts.
 */
export type HttpErrorCode =
  | 'VALIDATION_FAILED'
  | 'INVALID_IMAGE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'INTERNAL'
  | 'NOT_READY'
  | 'DEPENDENCY_UNAVAILABLE'
  | 'OVERLOADED';

export class HttpError extends CodedError<HttpErrorCode> {}

const fail = (code: HttpErrorCode, message: string, details?: Record<string, unknown>) => new HttpError(code, message, details);

export const invalidRequest = (message: string, details?: Record<string, unknown>) => fail('VALIDATION_FAILED', message, details);
export const unauthenticated = () => fail('UNAUTHENTICATED', 'a valid API key is required: Authorization: Bearer <key>');
export const forbidden = (roles: readonly string[]) => fail('FORBIDDEN', `this endpoint needs a key with role ${[...roles, 'admin'].join(' or ')}`);
export const noRoute = (method: string, path: string) => fail('NOT_FOUND', `no route for ${method} ${path}`);
export const bodyTooLarge = (what = 'the request body is too large') => fail('PAYLOAD_TOO_LARGE', what);
export const unsupportedMediaType = (message: string) => fail('UNSUPPORTED_MEDIA_TYPE', message);
export const rateLimited = (retryAfterSeconds: number) =>
  fail('RATE_LIMITED', `too many requests for this key; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
export const notReady = (checks: Record<string, boolean>) => fail('NOT_READY', 'not ready to serve', { checks });
export const databaseUnavailable = () => fail('DEPENDENCY_UNAVAILABLE', 'the database is not reachable; try again shortly');
/** The inference queue's lane is full: the client should retry in a second, never wait on a timeout. */
export const overloaded = (message: string) => fail('OVERLOADED', message, { retryAfterSeconds: 1 });
export const internal = () => fail('INTERNAL', 'internal error');
