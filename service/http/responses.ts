import { z } from 'zod';
import { API_ERROR_CODES } from './errorStatus.js';

/**
 * Answer shapes of the HTTP API: /openapi.json is generated from them, and with contract checks on
 * (the test suite) every answer is checked against its endpoint's. Objects are loose: a field added
 * to an answer is not a breaking change.
 */

const time = z.string().meta({ format: 'date-time' });
const page = <T extends z.ZodType>(item: T) => z.looseObject({ items: z.array(item), nextCursor: z.string().nullable() });

export const errorResponse = z
  .object({
    error: z.looseObject({ code: z.enum(API_ERROR_CODES), message: z.string() }),
    requestId: z.string(),
  })
  .meta({ id: 'Error' });

const box = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });

const quality = z
  .looseObject({
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
  .looseObject({
    tier: z.string(),
    segment: z.enum(['new', 'regular', 'dormant']),
    kind: z.enum(['member', 'visitor']),
    pointsBalance: z.number(),
    /** Points expiring within 30 days, by expiry, soonest first. */
    pointsExpiring: z.array(z.looseObject({ points: z.number().int(), expiresAt: time })),
    /** The operator's tags and the behaviour tags, without repeats. */
    tags: z.array(z.string()),
    favouriteCategories: z.array(z.looseObject({ category: z.string(), spend: z.number(), share: z.number() })),
    visitsLast30Days: z.number(),
    lastVisitAt: time.nullable(),
  })
  .meta({ id: 'Profile' });

export const member = z
  .looseObject({
    id: z.string(),
    kind: z.enum(['member', 'visitor']),
    name: z.string().nullable(),
    phone: z.string().nullable(),
    externalIds: z.record(z.string(), z.string()),
    tier: z.string(),
    tags: z.array(z.string()),
    consent: z.looseObject({ faceRecognition: z.boolean(), source: z.string().nullable(), at: time.nullable() }),
    homeMallId: z.string(),
    birthday: z.string().nullable(),
    expiresAt: time.nullable(),
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: 'Member' });

export const memberWithProfile = member.extend({ faceCount: z.number().int(), profile }).meta({ id: 'MemberWithProfile' });

export const memberList = z.looseObject({ members: z.array(member) });
export const memberPage = page(member);

export const purgeResult = z.looseObject({
  purged: z.looseObject({ faces: z.number().int(), images: z.number().int(), events: z.number().int(), imageErasurePending: z.boolean() }),
});

const modelRef = z.looseObject({ name: z.string(), version: z.string() });

/** An enrollment's answer. */
export const enrolledFace = z
  .looseObject({ faceId: z.string(), memberId: z.string(), box, quality, model: modelRef, createdAt: time })
  .meta({ id: 'EnrolledFace' });

/** A stored template, as listed. */
export const faceTemplate = z
  .looseObject({
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

export const faceList = z.looseObject({ faces: z.array(faceTemplate) });
export const faceWithDescriptorList = z.looseObject({ faces: z.array(faceTemplate.extend({ descriptor: z.array(z.number()) })) });

export const enrollmentCheck = z.looseObject({ box, quality, enrollable: z.boolean().optional() });

const match = z
  .looseObject({ memberId: z.string(), faceId: z.string(), similarity: z.number(), distance: z.number(), via: z.enum(['todays-visitors', 'regulars', 'second-factor']).optional() })
  .meta({ id: 'Match' });

const livenessVerdict = z
  .looseObject({ score: z.number(), live: z.boolean(), reasons: z.array(z.string()).optional() })
  .meta({ id: 'LivenessVerdict', description: 'passive liveness: the fused MiniFASNet probability of a live face' });

const coupon = z
  .looseObject({
    id: z.string(),
    title: z.string(),
    kind: z.enum(['amount_off', 'percent_off', 'gift']),
    value: z.number(),
    minSpend: z.number(),
    categories: z.array(z.string()),
    expiresAt: time,
  })
  .meta({ id: 'Coupon' });

const campaignEffect = z.looseObject({}).meta({ description: '{bonusPoints} | {pointsMultiplier} | {coupon: {title, kind, value, validDays, minSpend?, categories?}}' });

const offers = z
  .looseObject({
    coupons: z.array(coupon),
    campaigns: z.array(z.looseObject({ id: z.string(), name: z.string(), effect: campaignEffect, needs: z.looseObject({ minAmount: z.number().optional(), categories: z.array(z.string()).optional() }) })),
  })
  .meta({ id: 'Offers' });

const identifiedFace = z.looseObject({
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

export const identifyResult = z.looseObject({ faces: z.array(identifiedFace) });

export const verifyResult = z.looseObject({
  match: z.boolean(),
  similarity: z.number(),
  distance: z.number(),
  threshold: z.number(),
  liveness: livenessVerdict.optional(),
  unknownReason: z.literal('spoof_suspected').optional(),
});

export const livenessSession = z
  .looseObject({
    sessionId: z.string(),
    challenge: z.array(z.enum(['turn_left', 'turn_right', 'blink'])),
    expiresAt: time,
    frames: z.number().int(),
    verdict: z
      .looseObject({
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

export const frameResult = z.looseObject({
  cameraId: z.string(),
  capturedAt: time,
  faces: z.array(
    identifiedFace.extend({
      skipped: z.boolean(),
      visit: z.looseObject({ id: z.string(), newVisit: z.boolean(), firstSeenAt: time, sightings: z.number().int() }).optional(),
      visitorCreated: z.boolean().optional(),
    }),
  ),
  skipped: z.record(z.string(), z.number()),
});

export const cameraView = z
  .looseObject({
    id: z.string(),
    name: z.string(),
    url: z.string().meta({ description: 'credentials masked: rtsp://user:***@host/…' }),
    sampleFps: z.number(),
    enabled: z.boolean(),
    createdAt: time,
    updatedAt: time,
    stream: z.looseObject({
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

export const cameraList = z.looseObject({ cameras: z.array(cameraView) });

export const purchaseReceipt = z.looseObject({
  transactionId: z.string(),
  memberId: z.string(),
  amount: z.number(),
  currency: z.string(),
  at: time,
  points: z.number().int(),
  tier: z.string(),
  pointsBalance: z.number(),
  pointsExpireAt: time.nullable(),
  coupons: z.array(z.looseObject({ couponId: z.string(), title: z.string(), kind: z.string(), discount: z.number() })),
  campaigns: z.array(z.looseObject({ campaignId: z.string(), name: z.string(), points: z.number().int(), couponId: z.string().nullable() })),
});

export const redemptionReceipt = z
  .looseObject({
    redemptionId: z.string(),
    memberId: z.string(),
    points: z.number().int(),
    pointsBalance: z.number().int(),
    lots: z.array(z.looseObject({ lotId: z.string(), points: z.number().int(), expiresAt: time.nullable() })),
    storeId: z.string().nullable(),
    at: time,
    recognition: z.looseObject({ id: z.string(), liveness: z.boolean().nullable() }).nullable(),
  })
  .meta({ id: 'RedemptionReceipt' });

export const refundReceipt = z
  .looseObject({
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

const lot = z.looseObject({
  lotId: z.string(),
  reason: z.string(),
  points: z.number().int(),
  remaining: z.number().int(),
  at: time,
  expiresAt: time.nullable(),
  transactionId: z.string().nullable(),
});

export const memberPoints = z
  .looseObject({
    balance: z.number().int(),
    earned: z.number().int(),
    spent: z.number().int(),
    expired: z.number().int(),
    reversed: z.number().int(),
    expiringSoon: z.array(z.looseObject({ points: z.number().int(), expiresAt: time })),
    lots: z.array(lot),
  })
  .meta({ id: 'MemberPoints' });

export const memberCoupons = z.looseObject({
  coupons: z.array(coupon.extend({ campaignId: z.string(), mallId: z.string().nullable(), issuedAt: time, usedAt: time.nullable(), usedTransactionId: z.string().nullable() })),
});

export const campaign = z
  .looseObject({
    id: z.string(),
    name: z.string(),
    mallId: z.string().nullable(),
    status: z.enum(['active', 'paused', 'ended']),
    trigger: z.string(),
    conditions: z.looseObject({}),
    limits: z.looseObject({}),
    effect: campaignEffect,
    createdAt: time,
    updatedAt: time,
    stats: z.looseObject({ awards: z.number().int(), couponsIssued: z.number().int(), couponsUsed: z.number().int() }),
  })
  .meta({ id: 'Campaign' });

export const campaignList = z.looseObject({ campaigns: z.array(campaign) });

export const purchasePage = page(
  z.looseObject({ transactionId: z.string(), amount: z.number(), currency: z.string(), items: z.array(z.looseObject({ sku: z.string() })), at: time, points: z.number() }),
);

export const visitPage = page(z.looseObject({ id: z.string(), cameraId: z.string(), firstSeenAt: time, lastSeenAt: time, sightings: z.number().int() }));

const apiKey = z.looseObject({
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
export const keyList = z.looseObject({ keys: z.array(apiKey) });

export const auditPage = page(
  z.looseObject({ id: z.string(), at: time, action: z.string(), role: z.string().nullable(), memberId: z.string().nullable(), outcome: z.string(), status: z.number().int() }),
);

export const reindexReport = z.looseObject({
  model: modelRef,
  reindexed: z.number().int(),
  withoutPhoto: z.looseObject({ count: z.number().int(), faceIds: z.array(z.string()) }),
  failed: z.array(z.looseObject({ faceId: z.string(), memberId: z.string(), reason: z.string() })),
  remaining: z.number().int(),
  next: z.number().int().nullable(),
});

export const pruneResult = z.looseObject({ pruned: z.number().int() });

export const me = z.looseObject({
  keyId: z.string(),
  name: z.string(),
  role: z.string(),
  faceModel: z.looseObject({ key: z.string(), name: z.string(), version: z.string(), dimension: z.number().int(), metric: z.enum(['cosine', 'euclidean']) }),
  thresholds: z.looseObject({ match: z.number(), margin: z.number(), today: z.number(), verify: z.number() }),
});

export const mall = z.looseObject({ id: z.string(), name: z.string(), timeZone: z.string().nullable(), createdAt: time, updatedAt: time }).meta({ id: 'Mall' });
export const mallList = z.looseObject({ malls: z.array(mall) });
export const store = z.looseObject({ id: z.string(), mallId: z.string(), name: z.string(), brand: z.string().nullable(), createdAt: time, updatedAt: time }).meta({ id: 'Store' });
export const storeList = z.looseObject({ stores: z.array(store) });

const partitionState = z.looseObject({
  name: z.enum(['todays-visitors', 'regulars', 'group']),
  templates: z.number().int(),
  members: z.number().int().nullable(),
  threshold: z.number().nullable(),
  expectedFpir: z.number().nullable(),
  searched: z.boolean(),
  skipped: z.enum(['empty', 'too_large', 'same_as_group']).optional(),
});
export const recognitionAdmin = z.looseObject({
  targetFpir: z.number(),
  groupMaxTemplates: z.number().int().nullable(),
  curve: z.looseObject({ pairs: z.number().int(), source: z.string() }).nullable(),
  malls: z.array(z.looseObject({ mallId: z.string(), partitions: z.array(partitionState), expectedFpir: z.number().nullable() })),
});

const suspectMember = z.looseObject({ id: z.string(), name: z.string().nullable(), kind: z.string(), homeMallId: z.string(), createdAt: time }).nullable();
const duplicateSuspect = z.looseObject({
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
export const duplicateList = z.looseObject({ duplicates: z.array(duplicateSuspect.extend({ member: suspectMember, otherMember: suspectMember })) });
export const duplicateDecision = duplicateSuspect;
export const mergeResult = z.looseObject({
  keptMemberId: z.string(),
  purgedMemberId: z.string(),
  moved: z.looseObject({ visits: z.number().int(), purchases: z.number().int(), points: z.number().int() }),
  purged: z.looseObject({ faces: z.number().int(), images: z.number().int(), events: z.number().int(), imageErasurePending: z.boolean() }),
});

export const secondFactorResult = z.looseObject({
  faces: z.array(identifiedFace),
  triesLeft: z.number().int(),
});

export const health = z.looseObject({ status: z.string() });
export const readiness = z.looseObject({ status: z.literal('ready'), checks: z.record(z.string(), z.boolean()) });

export const webhookSubscription = z
  .looseObject({
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
export const webhookList = z.looseObject({ webhooks: z.array(webhookSubscription) });

export const webhookDelivery = z
  .looseObject({
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

export const webhookTestResult = z.looseObject({
  delivered: z.boolean(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  eventId: z.string(),
  durationMs: z.number(),
});
