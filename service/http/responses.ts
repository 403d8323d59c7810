import { z } from 'zod';
import { API_ERROR_CODES } from './errorStatus.js';

/**
 * Answer shapes of the HTTP API: /openapi.json is generated from them, and every answer is parsed
 * against its endpoint's before it is sent: a field the declaration does not name is stripped (for
 * a biometric service an undeclared field is a leak), and an answer unlike its declaration is a
 * 500 (with contract checks on, in the tests, the failure names the field). Adding a field to an
 * answer is declaring it here.
 */

const time = z.string().meta({ format: 'date-time' });
const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const errorResponse = z
  .object({
    // An error's details vary by code (reasons, balance, refundable…): the error handler builds them, never the domain's objects.
    error: z.looseObject({ code: z.enum(API_ERROR_CODES), message: z.string() }),
    requestId: z.string(),
  })
  .meta({ id: 'Error' });

const box = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });

const quality = z
  .object({
    ok: z.boolean(),
    reasons: z.array(z.string()),
    detectionScore: z.number(),
    sizePx: z.number(),
    sharpness: z.number(),
    brightness: z.number(),
    pose: z.object({ yawDeg: z.number(), pitchDeg: z.number(), rollDeg: z.number() }),
  })
  .meta({ id: 'Quality' });

const profile = z
  .object({
    tier: z.string(),
    segment: z.enum(['new', 'regular', 'dormant']),
    kind: z.enum(['member', 'visitor']),
    pointsBalance: z.number(),
    /** Points expiring within 30 days, by expiry, soonest first. */
    pointsExpiring: z.array(z.object({ points: z.number().int(), expiresAt: time })),
    /** The operator's tags and the behaviour tags, without repeats. */
    tags: z.array(z.string()),
    favouriteCategories: z.array(z.object({ category: z.string(), spend: z.number(), share: z.number() })),
    visitsLast30Days: z.number(),
    lastVisitAt: time.nullable(),
    lastPurchaseAt: time.nullable(),
    /** The local hour (0–23) with the most visits and purchases. */
    typicalVisitHour: z.number().int().nullable(),
    /** Share of visits and purchases on Saturdays and Sundays. */
    weekendShare: z.number().nullable(),
    spendLast365Days: z.number(),
    purchasesLast365Days: z.number().int(),
  })
  .meta({ id: 'Profile' });

export const member = z
  .object({
    id: z.string(),
    kind: z.enum(['member', 'visitor']),
    name: z.string().nullable(),
    phone: z.string().nullable(),
    externalIds: z.record(z.string(), z.string()),
    tier: z.string(),
    tags: z.array(z.string()),
    consent: z.object({ faceRecognition: z.boolean(), source: z.string().nullable(), at: time.nullable() }),
    homeMallId: z.string(),
    birthday: z.string().nullable(),
    expiresAt: time.nullable(),
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: 'Member' });

export const memberWithProfile = member.extend({ faceCount: z.number().int(), profile }).meta({ id: 'MemberWithProfile' });

export const memberList = z.object({ members: z.array(member) });
export const memberPage = page(member);

export const purgeResult = z.object({
  purged: z.object({ faces: z.number().int(), images: z.number().int(), events: z.number().int(), imageErasurePending: z.boolean() }),
});

const modelRef = z.object({ name: z.string(), version: z.string() });

/** An enrollment's answer. */
export const enrolledFace = z
  .object({ faceId: z.string(), memberId: z.string(), box, quality, model: modelRef, createdAt: time })
  .meta({ id: 'EnrolledFace' });

/** A stored template, as listed. */
export const faceTemplate = z
  .object({
    id: z.string(),
    memberId: z.string(),
    modelName: z.string(),
    modelVersion: z.string(),
    box,
    quality: z.record(z.string(), z.unknown()),
    photoKey: z.string().nullable(),
    createdAt: time,
  })
  .meta({ id: 'FaceTemplate' });

export const faceList = z.object({ faces: z.array(faceTemplate) });
export const faceWithDescriptorList = z.object({ faces: z.array(faceTemplate.extend({ descriptor: z.array(z.number()) })) });

export const enrollmentCheck = z.object({ box, quality, enrollable: z.boolean().optional() });

const match = z
  .object({ memberId: z.string(), faceId: z.string(), similarity: z.number(), distance: z.number(), via: z.enum(['todays-visitors', 'regulars', 'second-factor']).optional() })
  .meta({ id: 'Match' });

const livenessVerdict = z
  .object({ score: z.number(), live: z.boolean(), reasons: z.array(z.string()).optional() })
  .meta({ id: 'LivenessVerdict', description: 'passive liveness: the fused MiniFASNet probability of a live face' });

const coupon = z
  .object({
    id: z.string(),
    title: z.string(),
    kind: z.enum(['amount_off', 'percent_off', 'gift']),
    value: z.number(),
    minSpend: z.number(),
    categories: z.array(z.string()),
    expiresAt: time,
  })
  .meta({ id: 'Coupon' });

const campaignEffect = z.record(z.string(), z.unknown()).meta({ description: '{bonusPoints} | {pointsMultiplier} | {coupon: {title, kind, value, validDays, minSpend?, categories?}}' });

const offers = z
  .object({
    coupons: z.array(coupon),
    campaigns: z.array(z.object({ id: z.string(), name: z.string(), effect: campaignEffect, needs: z.object({ minAmount: z.number().optional(), categories: z.array(z.string()).optional() }) })),
  })
  .meta({ id: 'Offers' });

const identifiedFace = z.object({
  liveness: livenessVerdict.optional(),
  box: box.optional(),
  quality: quality.optional(),
  match: match.nullable(),
  unknownReason: z.string().optional(),
  member: member.optional(),
  profile: profile.optional(),
  profileUnavailable: z.boolean().optional(),
  recognitionId: z.string().optional(),
  offers: offers.optional(),
});

export const identifyResult = z.object({ faces: z.array(identifiedFace) });

export const verifyResult = z.object({
  match: z.boolean(),
  /** The member's template the face was closest to. */
  faceId: z.string().optional(),
  similarity: z.number(),
  distance: z.number(),
  threshold: z.number(),
  liveness: livenessVerdict.optional(),
  unknownReason: z.literal('spoof_suspected').optional(),
});

export const livenessSession = z
  .object({
    sessionId: z.string(),
    challenge: z.array(z.enum(['turn_left', 'turn_right', 'blink'])),
    expiresAt: time,
    frames: z.number().int(),
    verdict: z
      .object({
        live: z.boolean(),
        reasons: z.array(z.string()),
        steps: z.record(z.string(), z.boolean()),
        planeFit: z.number().nullable(),
        passiveScore: z.number(),
      })
      .nullable(),
    used: z.boolean(),
  })
  .meta({ id: 'LivenessSession' });

export const frameResult = z.object({
  cameraId: z.string(),
  capturedAt: time,
  faces: z.array(
    identifiedFace.extend({
      skipped: z.boolean(),
      visit: z.object({ id: z.string(), newVisit: z.boolean(), firstSeenAt: time, sightings: z.number().int() }).optional(),
      visitorCreated: z.boolean().optional(),
    }),
  ),
  skipped: z.record(z.string(), z.number()),
});

export const cameraView = z
  .object({
    id: z.string(),
    name: z.string(),
    url: z.string().meta({ description: 'credentials masked: rtsp://user:***@host/…' }),
    sampleFps: z.number(),
    enabled: z.boolean(),
    createdAt: time,
    updatedAt: time,
    stream: z.object({
      state: z.enum(['connecting', 'streaming', 'reconnecting', 'failed', 'disabled']),
      framesIn: z.number().int(),
      analysed: z.number().int(),
      dropped: z.number().int(),
      lagMs: z.number().nullable(),
      lastFrameAt: time.nullable(),
      reconnects: z.number().int(),
      lastError: z.string().nullable(),
      replica: z.string().nullable(),
    }),
  })
  .meta({ id: 'Camera' });

export const cameraList = z.object({ cameras: z.array(cameraView) });

export const purchaseReceipt = z.object({
  transactionId: z.string(),
  memberId: z.string(),
  amount: z.number(),
  currency: z.string(),
  at: time,
  points: z.number().int(),
  tier: z.string(),
  pointsBalance: z.number(),
  // Optional: a replay answers the receipt stored with the purchase, and receipts stored before the
  // loyalty loop have none of these.
  pointsExpireAt: time.nullable().optional(),
  coupons: z.array(z.object({ couponId: z.string(), title: z.string(), kind: z.string(), discount: z.number() })).optional(),
  campaigns: z.array(z.object({ campaignId: z.string(), name: z.string(), points: z.number().int(), couponId: z.string().nullable() })).optional(),
});

export const redemptionReceipt = z
  .object({
    redemptionId: z.string(),
    memberId: z.string(),
    points: z.number().int(),
    pointsBalance: z.number().int(),
    lots: z.array(z.object({ lotId: z.string(), points: z.number().int(), expiresAt: time.nullable() })),
    storeId: z.string().nullable(),
    at: time,
    recognition: z.object({ id: z.string(), liveness: z.boolean().nullable() }).nullable(),
  })
  .meta({ id: 'RedemptionReceipt' });

export const refundReceipt = z
  .object({
    refundId: z.string(),
    transactionId: z.string(),
    memberId: z.string(),
    amount: z.number(),
    refundable: z.number(),
    pointsReversed: z.number().int(),
    pointsUnrecoverable: z.number().int(),
    pointsBalance: z.number().int(),
    at: time,
  })
  .meta({ id: 'RefundReceipt' });

const lot = z.object({
  lotId: z.string(),
  reason: z.string(),
  points: z.number().int(),
  remaining: z.number().int(),
  at: time,
  expiresAt: time.nullable(),
  transactionId: z.string().nullable(),
});

export const memberPoints = z
  .object({
    balance: z.number().int(),
    earned: z.number().int(),
    spent: z.number().int(),
    expired: z.number().int(),
    reversed: z.number().int(),
    expiringSoon: z.array(z.object({ points: z.number().int(), expiresAt: time })),
    lots: z.array(lot),
  })
  .meta({ id: 'MemberPoints' });

export const memberCoupons = z.object({
  coupons: z.array(coupon.extend({ campaignId: z.string(), mallId: z.string().nullable(), issuedAt: time, usedAt: time.nullable(), usedTransactionId: z.string().nullable() })),
});

export const campaign = z
  .object({
    id: z.string(),
    name: z.string(),
    mallId: z.string().nullable(),
    status: z.enum(['active', 'paused', 'ended']),
    trigger: z.string(),
    conditions: z.record(z.string(), z.unknown()),
    limits: z.record(z.string(), z.unknown()),
    effect: campaignEffect,
    createdAt: time,
    updatedAt: time,
    stats: z.object({ awards: z.number().int(), couponsIssued: z.number().int(), couponsUsed: z.number().int() }),
  })
  .meta({ id: 'Campaign' });

export const campaignList = z.object({ campaigns: z.array(campaign) });

export const purchasePage = page(
  z.object({
    transactionId: z.string(),
    memberId: z.string(),
    amount: z.number(),
    currency: z.string(),
    items: z.array(z.object({ sku: z.string(), category: z.string(), quantity: z.number().int(), price: z.number() })),
    storeId: z.string().nullable(),
    at: time,
    points: z.number(),
  }),
);

export const visitPage = page(z.object({ id: z.string(), memberId: z.string(), cameraId: z.string(), firstSeenAt: time, lastSeenAt: time, sightings: z.number().int() }));

const apiKey = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  keyPrefix: z.string(),
  mallId: z.string().nullable(),
  storeId: z.string().nullable(),
  expiresAt: time.nullable(),
  revokedAt: time.nullable(),
});
export const createdKey = apiKey.extend({ key: z.string() });
export const keyList = z.object({ keys: z.array(apiKey) });

export const auditPage = page(
  z.object({
    id: z.string(),
    at: time,
    keyId: z.string().nullable(),
    keyName: z.string().nullable(),
    role: z.string().nullable(),
    action: z.string(),
    memberId: z.string().nullable(),
    outcome: z.string(),
    status: z.number().int(),
    requestId: z.string().nullable(),
    /** Small, non-biometric facts (the matched distance, a new key's role…). */
    details: z.record(z.string(), z.unknown()),
  }),
);

export const reindexReport = z.object({
  model: modelRef,
  reindexed: z.number().int(),
  withoutPhoto: z.object({ count: z.number().int(), faceIds: z.array(z.string()) }),
  failed: z.array(z.object({ faceId: z.string(), memberId: z.string(), reason: z.string() })),
  remaining: z.number().int(),
  next: z.number().int().nullable(),
});

export const pruneResult = z.object({ pruned: z.number().int() });

export const me = z.object({
  keyId: z.string(),
  name: z.string(),
  role: z.string(),
  faceModel: z.object({ key: z.string(), name: z.string(), version: z.string(), dimension: z.number().int(), metric: z.enum(['cosine', 'euclidean']) }),
  thresholds: z.object({ match: z.number(), margin: z.number(), today: z.number(), verify: z.number() }),
});

export const mall = z.object({ id: z.string(), name: z.string(), timeZone: z.string().nullable(), createdAt: time, updatedAt: time }).meta({ id: 'Mall' });
export const mallList = z.object({ malls: z.array(mall) });
export const store = z.object({ id: z.string(), mallId: z.string(), name: z.string(), brand: z.string().nullable(), createdAt: time, updatedAt: time }).meta({ id: 'Store' });
export const storeList = z.object({ stores: z.array(store) });

const partitionState = z.object({
  name: z.enum(['todays-visitors', 'regulars', 'group']),
  templates: z.number().int(),
  members: z.number().int().nullable(),
  threshold: z.number().nullable(),
  expectedFpir: z.number().nullable(),
  searched: z.boolean(),
  skipped: z.enum(['empty', 'too_large', 'same_as_group']).optional(),
});
export const recognitionAdmin = z.object({
  targetFpir: z.number(),
  groupMaxTemplates: z.number().int().nullable(),
  curve: z.object({ pairs: z.number().int(), source: z.string() }).nullable(),
  malls: z.array(z.object({ mallId: z.string(), partitions: z.array(partitionState), expectedFpir: z.number().nullable() })),
});

const suspectMember = z.object({ id: z.string(), name: z.string().nullable(), kind: z.string(), homeMallId: z.string(), createdAt: time }).nullable();
const duplicateSuspect = z.object({
  id: z.string(),
  memberId: z.string(),
  faceId: z.string(),
  otherMemberId: z.string(),
  otherFaceId: z.string(),
  similarity: z.number(),
  status: z.enum(['pending', 'dismissed', 'merged']),
  foundAt: time,
  decidedAt: time.nullable(),
});
export const duplicateList = z.object({ duplicates: z.array(duplicateSuspect.extend({ member: suspectMember, otherMember: suspectMember })) });
export const duplicateDecision = duplicateSuspect;
export const mergeResult = z.object({
  keptMemberId: z.string(),
  purgedMemberId: z.string(),
  moved: z.object({ visits: z.number().int(), purchases: z.number().int(), points: z.number().int() }),
  purged: z.object({ faces: z.number().int(), images: z.number().int(), events: z.number().int(), imageErasurePending: z.boolean() }),
});

export const secondFactorResult = z.object({
  faces: z.array(identifiedFace),
  triesLeft: z.number().int(),
});

export const health = z.object({ status: z.string() });
export const readiness = z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.boolean()) });

export const webhookSubscription = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    paused: z.boolean(),
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: 'WebhookSubscription' });
export const createdWebhook = webhookSubscription.extend({
  secret: z.string().meta({ description: 'whsec_…: signs every delivery (Standard Webhooks); shown in this answer only' }),
});
export const rotatedWebhook = createdWebhook.extend({
  previousSecretUntil: time.meta({ description: 'the old secret signs beside the new one until then' }),
});
export const webhookList = z.object({ webhooks: z.array(webhookSubscription) });

export const webhookDelivery = z
  .object({
    id: z.string(),
    subscriptionId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    nextAttemptAt: time.nullable(),
    lastAttemptAt: time.nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: time.nullable(),
    createdAt: time,
  })
  .meta({ id: 'WebhookDelivery' });
export const deliveryPage = page(webhookDelivery);

export const webhookTestResult = z.object({
  delivered: z.boolean(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  eventId: z.string(),
  durationMs: z.number(),
});
