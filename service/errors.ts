/**
 * Domain errors with stable codes. Domain code throws these; the one error middleware
 * (service/http/errorHandler.ts) maps each code to its HTTP status. Clients branch on `code`,
 * so a code, once shipped, never changes meaning.
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
  RATE_LIMITED: 429,
  INTERNAL: 500,
  NOT_READY: 503,
  DEPENDENCY_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable detail that is safe to show to the client (never internals). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
