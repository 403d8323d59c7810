import { ImageError, type ImageErrorReason } from '../../models/errors.js';
import { OverloadedError } from '../../models/laneScheduler.js';
import { isDatabaseUnavailable } from '../domain/errors.js';
import { DomainError, type DomainErrorCode } from '../domain/errors.js';
import { bodyTooLarge, databaseUnavailable, HttpError, invalidRequest, overloaded, unsupportedMediaType, type HttpErrorCode } from './httpErrors.js';

/** Every code a client can see in `error.code`. */
export type ApiErrorCode = DomainErrorCode | HttpErrorCode;

/**
 * The HTTP status of each code. `satisfies` makes it exhaustive: a code added to the domain or the
 * transport without a status here does not compile.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_IMAGE: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  MEMBER_NOT_FOUND: 404,
  FACE_NOT_FOUND: 404,
  NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  PHOTO_NOT_STORED: 404,
  FACE_ALREADY_ENROLLED: 409,
  CONSENT_REQUIRED: 409,
  PHONE_ALREADY_REGISTERED: 409,
  EXTERNAL_ID_ALREADY_REGISTERED: 409,
  TRANSACTION_CONFLICT: 409,
  NOT_A_VISITOR: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NO_FACE: 422,
  MULTIPLE_FACES: 422,
  LOW_QUALITY: 422,
  SPOOF_SUSPECTED: 422,
  LIVENESS_SESSION_NOT_FOUND: 404,
  LIVENESS_SESSION_EXPIRED: 410,
  LIVENESS_SESSION_CLOSED: 409,
  LIVENESS_SESSION_USED: 409,
  LIVENESS_NOT_PASSED: 409,
  LIVENESS_FACE_MISMATCH: 409,
  CAMERA_NOT_FOUND: 404,
  CAMERA_ALREADY_EXISTS: 409,
  WEBHOOK_NOT_FOUND: 404,
  WEBHOOK_URL_NOT_ALLOWED: 422,
  DELIVERY_NOT_FOUND: 404,
  MALL_NOT_FOUND: 404,
  FLOOR_PLAN_NOT_FOUND: 404,
  BRAND_NOT_FOUND: 404,
  BRAND_ALREADY_EXISTS: 409,
  TRAIL_NOT_KEPT: 409,
  MALL_ALREADY_EXISTS: 409,
  STORE_NOT_FOUND: 404,
  STORE_ALREADY_EXISTS: 409,
  RECOGNITION_NOT_FOUND: 404,
  RECOGNITION_EXPIRED: 409,
  RECOGNITION_USED: 409,
  SECOND_FACTOR_LOCKED: 429,
  DUPLICATE_NOT_FOUND: 404,
  DUPLICATE_DECIDED: 409,
  RECOGNITION_REQUIRED: 409,
  INSUFFICIENT_POINTS: 409,
  PARTNER_NOT_FOUND: 404,
  PARTNER_ALREADY_EXISTS: 409,
  TRANSFER_OUT_OF_LIMITS: 422,
  PURCHASE_NOT_FOUND: 404,
  REFUND_EXCEEDS_PURCHASE: 409,
  CAMPAIGN_NOT_FOUND: 404,
  COUPON_NOT_USABLE: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  NOT_READY: 503,
  DEPENDENCY_UNAVAILABLE: 503,
  OVERLOADED: 503,
} as const satisfies Record<ApiErrorCode, number>;

export const API_ERROR_CODES = Object.keys(ERROR_STATUS) as ApiErrorCode[];

/** An error as the client sees it. */
export interface ApiError {
  code: ApiErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** The models layer's image errors, in the API's codes. */
const IMAGE_ERROR_CODE = {
  empty: 'INVALID_IMAGE',
  unreadable: 'INVALID_IMAGE',
  corrupt: 'INVALID_IMAGE',
  unsupported_format: 'UNSUPPORTED_MEDIA_TYPE',
  too_many_pixels: 'PAYLOAD_TOO_LARGE',
} as const satisfies Record<ImageErrorReason, ApiErrorCode>;

/** Errors thrown by express's own body parsers, by their `type`. */
const PARSER_ERRORS: Record<string, () => HttpError> = {
  'entity.too.large': () => bodyTooLarge(),
  'entity.parse.failed': () => invalidRequest('the body is not valid JSON'),
  'encoding.unsupported': () => unsupportedMediaType('unsupported content encoding'),
  'charset.unsupported': () => unsupportedMediaType('unsupported charset'),
  'request.aborted': () => invalidRequest('the request was aborted'),
  'request.size.invalid': () => invalidRequest('the body is shorter than its Content-Length'),
};

/** What the client is told of an error; undefined for an unknown error (a 500 that shows nothing). */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof DomainError || error instanceof HttpError) return { code: error.code, message: error.message, details: error.details };
  if (error instanceof ImageError) return { code: IMAGE_ERROR_CODE[error.reason], message: error.message };
  if (error instanceof OverloadedError) return toApiError(overloaded(error.message));
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && PARSER_ERRORS[type]) return toApiError(PARSER_ERRORS[type]());
  if (isDatabaseUnavailable(error)) return toApiError(databaseUnavailable());
  return undefined;
}
