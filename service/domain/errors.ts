import { CodedError } from './shared/codedError.js';

/** Whether an error means PostgreSQL is out of reach (the transport answers 503 DEPENDENCY_UNAVAILABLE). */
export { isDatabaseUnavailable } from '../db/pool.js';

/**
 * The domain's errors, each defined once: a stable code (clients branch on it, so a shipped code
 * never changes meaning) and a named constructor with its message. Nothing here knows HTTP: the
 * transport gives each code its status (service/http/errorStatus.ts).
 */
export type DomainErrorCode =
  | 'VALIDATION_FAILED'
  | 'MEMBER_NOT_FOUND'
  | 'FACE_NOT_FOUND'
  | 'KEY_NOT_FOUND'
  | 'PHOTO_NOT_STORED'
  | 'FACE_ALREADY_ENROLLED'
  | 'CONSENT_REQUIRED'
  | 'PHONE_ALREADY_REGISTERED'
  | 'EXTERNAL_ID_ALREADY_REGISTERED'
  | 'TRANSACTION_CONFLICT'
  | 'NOT_A_VISITOR'
  | 'NO_FACE'
  | 'MULTIPLE_FACES'
  | 'LOW_QUALITY'
  | 'SPOOF_SUSPECTED'
  | 'LIVENESS_SESSION_NOT_FOUND'
  | 'LIVENESS_SESSION_EXPIRED'
  | 'LIVENESS_SESSION_CLOSED'
  | 'LIVENESS_SESSION_USED'
  | 'LIVENESS_NOT_PASSED'
  | 'LIVENESS_FACE_MISMATCH'
  | 'CAMERA_NOT_FOUND'
  | 'CAMERA_ALREADY_EXISTS'
  | 'WEBHOOK_NOT_FOUND'
  | 'WEBHOOK_URL_NOT_ALLOWED'
  | 'DELIVERY_NOT_FOUND'
  | 'MALL_NOT_FOUND'
  | 'MALL_ALREADY_EXISTS'
  | 'FLOOR_PLAN_NOT_FOUND'
  | 'BRAND_NOT_FOUND'
  | 'BRAND_ALREADY_EXISTS'
  | 'TRAIL_NOT_KEPT'
  | 'STORE_NOT_FOUND'
  | 'STORE_ALREADY_EXISTS'
  | 'RECOGNITION_NOT_FOUND'
  | 'RECOGNITION_EXPIRED'
  | 'RECOGNITION_USED'
  | 'SECOND_FACTOR_LOCKED'
  | 'DUPLICATE_NOT_FOUND'
  | 'DUPLICATE_DECIDED'
  | 'RECOGNITION_REQUIRED'
  | 'INSUFFICIENT_POINTS'
  | 'PARTNER_NOT_FOUND'
  | 'PARTNER_ALREADY_EXISTS'
  | 'TRANSFER_OUT_OF_LIMITS'
  | 'PURCHASE_NOT_FOUND'
  | 'REFUND_EXCEEDS_PURCHASE'
  | 'CAMPAIGN_NOT_FOUND'
  | 'COUPON_NOT_USABLE'
  | 'NOT_READY'
  | 'DEPENDENCY_UNAVAILABLE';

export class DomainError extends CodedError<DomainErrorCode> {}

const fail = (code: DomainErrorCode, message: string, details?: Record<string, unknown>) => new DomainError(code, message, details);

/** A request that breaks a domain rule (the shape was valid; the content is not). */
export const invalidInput = (message: string, details?: Record<string, unknown>) => fail('VALIDATION_FAILED', message, details);

export const memberNotFound = (memberId?: string) => fail('MEMBER_NOT_FOUND', memberId ? `no member ${memberId}` : 'no such member');
export const faceNotFound = (memberId?: string, faceId?: string) =>
  fail('FACE_NOT_FOUND', memberId && faceId ? `member ${memberId} has no face ${faceId}` : 'no such face');
export const noFaceToVerifyAgainst = (memberId: string) => fail('FACE_NOT_FOUND', `member ${memberId} has no enrolled face to verify against`);
export const keyNotFound = (keyId?: string) => fail('KEY_NOT_FOUND', keyId ? `no API key ${keyId}` : 'no such API key');
export const photoNotKept = () => fail('PHOTO_NOT_STORED', 'no photo was kept for this face');
export const photoGone = () => fail('PHOTO_NOT_STORED', 'the photo of this face is gone from the store');

export const faceAlreadyEnrolled = (details: Record<string, unknown>) => fail('FACE_ALREADY_ENROLLED', 'this face already belongs to another member', details);
export const consentRequired = () => fail('CONSENT_REQUIRED', 'the member has not consented to face recognition');
export const phoneAlreadyRegistered = () => fail('PHONE_ALREADY_REGISTERED', 'another member already has this phone number');
export const externalIdAlreadyRegistered = () => fail('EXTERNAL_ID_ALREADY_REGISTERED', 'another member already has this external id');
/** An idempotency key (a purchase's transaction id, a redemption or refund id) reused for a different request. */
export const transactionConflict = (id: string, what: 'transaction' | 'redemption' | 'refund' | 'transfer' | 'sale' = 'transaction') =>
  fail('TRANSACTION_CONFLICT', `${what} ${id} was already recorded with different details`);
export const notAVisitor = (memberId: string) => fail('NOT_A_VISITOR', `member ${memberId} is already a full member`);

export const noFace = () => fail('NO_FACE', 'no face was found in the photo');
export const multipleFaces = (details: Record<string, unknown>) =>
  fail('MULTIPLE_FACES', 'the photo has several faces and none is clearly its subject; send a photo of one person', details);
export const lowQuality = (purpose: string, reasons: string[], details: Record<string, unknown>) =>
  fail('LOW_QUALITY', `the face is not good enough to ${purpose}: ${reasons.join(', ')}`, details);

export const livenessNeedsPhoto = () =>
  invalidInput('liveness is required for this request and cannot be judged on a descriptor: send the photo (or a passed livenessSession)');
export const spoofSuspected = (score: number) => fail('SPOOF_SUSPECTED', 'the face did not pass the liveness check (a photo or a screen?)', { liveness: { score, live: false } });

export const livenessSessionNotFound = () => fail('LIVENESS_SESSION_NOT_FOUND', 'no such liveness session');
export const livenessSessionExpired = () => fail('LIVENESS_SESSION_EXPIRED', 'the liveness session expired (or its frames took longer than allowed); start a new one');
export const livenessSessionClosed = () => fail('LIVENESS_SESSION_CLOSED', 'the liveness session was already judged; it takes no more frames');
export const livenessSessionUsed = () => fail('LIVENESS_SESSION_USED', 'the liveness session was already used by an identification; start a new one');
export const livenessNotPassed = (reasons: unknown) => fail('LIVENESS_NOT_PASSED', 'the liveness session did not pass (or is not judged yet)', { reasons });
export const livenessFaceMismatch = () => fail('LIVENESS_FACE_MISMATCH', 'the face is not the one the liveness session saw');

export const cameraNotFound = (cameraId?: string) => fail('CAMERA_NOT_FOUND', cameraId ? `no camera ${cameraId}` : 'no such camera');
export const webhookUrlNotAllowed = (reason: string) =>
  fail('WEBHOOK_URL_NOT_ALLOWED', `webhooks may not go to loopback, private, link-local or metadata addresses (${reason}); set WEBHOOK_ALLOW_PRIVATE=true for a receiver inside your own network`);
export const webhookNotFound = (webhookId?: string) => fail('WEBHOOK_NOT_FOUND', webhookId ? `no webhook subscription ${webhookId}` : 'no such webhook subscription');
export const deliveryNotFound = (deliveryId?: string) => fail('DELIVERY_NOT_FOUND', deliveryId ? `no delivery ${deliveryId} of this subscription` : 'no such delivery');
export const cameraAlreadyExists = (cameraId: string) => fail('CAMERA_ALREADY_EXISTS', `camera ${cameraId} already exists`);

export const mallNotFound = (mallId?: string) => fail('MALL_NOT_FOUND', mallId ? `no mall ${mallId}` : 'no such mall');
export const mallAlreadyExists = (mallId: string) => fail('MALL_ALREADY_EXISTS', `mall ${mallId} already exists`);
export const floorPlanNotFound = (mallId: string) => fail('FLOOR_PLAN_NOT_FOUND', `mall ${mallId} has no floor plan yet`);
export const trailNotKept = () => fail('TRAIL_NOT_KEPT', 'this deployment keeps no trails (TRAIL_RETENTION_DAYS=0)');
export const brandNotFound = (brandId?: string) => fail('BRAND_NOT_FOUND', brandId ? `no brand ${brandId}` : 'no such brand');
export const brandAlreadyExists = (brandId: string) => fail('BRAND_ALREADY_EXISTS', `brand ${brandId} already exists`);
export const storeNotFound = (storeId?: string) => fail('STORE_NOT_FOUND', storeId ? `no store ${storeId}` : 'no such store');
export const storeAlreadyExists = (storeId: string) => fail('STORE_ALREADY_EXISTS', `store ${storeId} already exists`);
export const recognitionNotFound = () => fail('RECOGNITION_NOT_FOUND', 'no such recognition for this key');
export const recognitionExpired = () => fail('RECOGNITION_EXPIRED', 'the recognition expired: identify the face again');
export const recognitionUsed = () => fail('RECOGNITION_USED', 'the recognition was already used: identify the face again');
export const secondFactorLocked = (tries: number) =>
  fail('SECOND_FACTOR_LOCKED', `this recognition had its ${tries} second-factor tries: identify the face again`, { tries });

export const duplicateNotFound = () => fail('DUPLICATE_NOT_FOUND', 'no such suspected duplicate');
export const duplicateDecided = (status: string) => fail('DUPLICATE_DECIDED', `this suspected duplicate was already ${status}`, { status });

export const recognitionRequired = (why: string) => fail('RECOGNITION_REQUIRED', `${why}: identify the member's face at this till and send its recognitionId`);
export const insufficientPoints = (balance: number, requested: number) =>
  fail('INSUFFICIENT_POINTS', `the member has ${balance} points, not ${requested}`, { balance, requested });
export const partnerNotFound = (partnerId?: string) => fail('PARTNER_NOT_FOUND', partnerId ? `no partner programme ${partnerId}` : 'no such partner programme');
export const partnerAlreadyExists = (partnerId: string) => fail('PARTNER_ALREADY_EXISTS', `partner programme ${partnerId} already exists`);
export const transferOutOfLimits = (limits: { minPoints: number; maxPoints: number; points: number }) =>
  fail('TRANSFER_OUT_OF_LIMITS', `a transfer with this partner is ${limits.minPoints} to ${limits.maxPoints} points, and converts to at least 1`, limits);
export const purchaseNotFound = (transactionId: string) => fail('PURCHASE_NOT_FOUND', `the member has no purchase ${transactionId}`);
export const refundExceedsPurchase = (refundable: number) =>
  fail('REFUND_EXCEEDS_PURCHASE', `at most ${refundable} of this purchase is left to refund`, { refundable });
export const campaignNotFound = (campaignId?: string) => fail('CAMPAIGN_NOT_FOUND', campaignId ? `no campaign ${campaignId}` : 'no such campaign');
/** Why a coupon cannot be used: `unknown` covers another member's coupon too (nothing is revealed). */
export type CouponRefusal = 'unknown' | 'used' | 'expired' | 'not_yet_valid' | 'mall' | 'min_spend' | 'categories';
export const couponNotUsable = (couponId: string, reason: CouponRefusal, message: string) =>
  fail('COUPON_NOT_USABLE', `coupon ${couponId} cannot be used: ${message}`, { couponId, reason });

export const modelsLoading = () => fail('NOT_READY', 'the face models are still loading');
export const photoStoreUnavailable = () => fail('DEPENDENCY_UNAVAILABLE', 'the photo store is not available; try again shortly');

/** Codes that say the photo (not the service) is at fault: re-indexing skips such a photo and goes on. */
export const PHOTO_FAULTS: ReadonlySet<DomainErrorCode> = new Set(['NO_FACE', 'MULTIPLE_FACES', 'LOW_QUALITY']);
