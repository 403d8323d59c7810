import { z } from 'zod';
import { offers } from './loyaltyResponses.js';
import { modelRef, page, time } from './responseParts.js';
import { API_ERROR_CODES } from './errorStatus.js';

/**
 * Answer shapes of the HTTP API: /openapi.json is generated from them, and every answer is parsed
 * against its endpoint's before it is sent: a field the declaration does not name is stripped (for
 * a biometric service an undeclared field is a leak), and an answer unlike its declaration is a
 * 500 (with contract checks on, in the tests, the failure names the field). Adding a field to an
 * answer is declaring it here.
 */


/** Categories by spend, most first. */
const favouriteCategories = z.array(z.object({ category: z.string(), spend: z.number(), share: z.number() }));
/** What a member spends somewhere (a brand, a group of brands). */
const spendFigures = { spend: z.number(), purchases: z.number().int(), favouriteCategories };

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
    favouriteCategories,
    /** Spend and favourite categories per brand (the store's brand), most spent first. */
    brands: z.array(z.object({ brand: z.string(), ...spendFigures })),
    /** The same per group of brands (the brands' groupId). */
    brandGroups: z.array(z.object({ group: z.string(), ...spendFigures })),
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

export const consentWithdrawn = z.object({
  member: memberWithProfile,
  erased: z.object({ faces: z.number().int(), images: z.number().int(), imageErasurePending: z.boolean() }),
});

const consentRecord = z.object({ purpose: z.string(), granted: z.boolean(), textVersion: z.string().nullable(), source: z.string(), at: time });
/** Rows of one table as held: every column but the member's id, digests and descriptors. */
const heldRows = z.array(z.record(z.string(), z.unknown()));

/** Everything held about a member (right of access and portability); never a descriptor. */
export const memberDataDocument = z
  .object({
    exportedAt: time,
    member: memberWithProfile,
    consents: z.array(consentRecord),
    faces: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        model: z.object({ name: z.string(), version: z.string() }),
        box: z.unknown(),
        quality: z.record(z.string(), z.unknown()),
        photoKept: z.boolean(),
        createdAt: time,
      }),
    ),
    photos: z.array(z.object({ faceId: z.string(), contentType: z.string(), base64: z.string() })).optional(),
    visits: heldRows,
    purchases: heldRows,
    pointsLedger: heldRows,
    coupons: heldRows,
    redemptions: heldRows,
    refunds: heldRows,
    campaignAwards: heldRows,
    transfers: heldRows,
    mallActivity: heldRows,
    recognitions: heldRows,
    audit: z.array(z.object({ at: time, action: z.string(), role: z.string().nullable(), outcome: z.string() })),
  })
  .meta({ id: 'MemberDataDocument' });


/** An enrollment's answer. */
export const enrolledFace = z
  .object({ faceId: z.string(), memberId: z.string(), box, quality, model: modelRef, createdAt: time })
  .meta({ id: 'EnrolledFace' });

/** A stored template, as listed. */
export const faceTemplate = z
  .object({
    id: z.string(),
    memberId: z.string(),
    /** `enrolled` (from a photo given to enroll) or `adaptive` (learnt from a clear till recognition; no photo kept). */
    kind: z.enum(['enrolled', 'adaptive']),
    modelName: z.string(),
    modelVersion: z.string(),
    box,
    quality: z.record(z.string(), z.unknown()),
    photoKey: z.string().nullable(),
    createdAt: time,
  })
  .meta({ id: 'FaceTemplate' });

/** Enrolled templates, and apart from them the adaptive ones (each removable with DELETE …/faces/:faceId). */
export const faceList = z.object({ faces: z.array(faceTemplate), adaptive: z.array(faceTemplate) });
export const faceWithDescriptorList = z.object({ faces: z.array(faceTemplate.extend({ descriptor: z.array(z.number()) })) });

export const enrollmentCheck = z.object({ box, quality, enrollable: z.boolean().optional() });

const match = z
  .object({ memberId: z.string(), faceId: z.string(), similarity: z.number(), distance: z.number(), via: z.enum(['seen-today', 'regulars', 'second-factor']).optional() })
  .meta({ id: 'Match' });

const livenessVerdict = z
  .object({ score: z.number(), live: z.boolean(), reasons: z.array(z.string()).optional() })
  .meta({ id: 'LivenessVerdict', description: 'passive liveness: the fused MiniFASNet probability of a live face' });

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
      /** The face track this face joined (absent for a skipped face): one track is one pass before the camera. */
      trackId: z.string().optional(),
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
    mallId: z.string(),
    zone: z.string().nullable(),
    position: z.object({ x: z.number(), y: z.number() }).nullable().meta({ description: "on the mall's floor plan: fractions of its width and height" }),
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

const cameraPosition = z.object({ x: z.number(), y: z.number() });

export const memberTrail = z
  .object({
    date: z.string().meta({ description: "YYYY-MM-DD, each mall's own day" }),
    stops: z.array(
      z.object({
        visitId: z.string(),
        mallId: z.string(),
        cameraId: z.string(),
        camera: z.object({ name: z.string(), zone: z.string().nullable(), position: cameraPosition.nullable() }).nullable().meta({ description: 'null: the camera was removed since' }),
        firstSeenAt: time,
        lastSeenAt: time,
        dwellSeconds: z.number().int(),
        sightings: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'MemberTrail' });

export const floorPlanSaved = z.object({ contentType: z.string(), width: z.number().int(), height: z.number().int(), bytes: z.number().int() });

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

export const visitPage = page(z.object({ id: z.string(), memberId: z.string(), cameraId: z.string().nullable().meta({ description: 'null once the trail retention (TRAIL_RETENTION_DAYS) has passed' }), firstSeenAt: time, lastSeenAt: time, sightings: z.number().int() }));

export const secondFactorResult = z.object({
  faces: z.array(identifiedFace),
  triesLeft: z.number().int(),
});

export * from './loyaltyResponses.js';
export * from './adminResponses.js';

const faces = { faces: z.number().int(), members: z.number().int(), visitors: z.number().int() };
const share = z.number().nullable().meta({ description: 'a fraction 0–1; null where there is nothing to divide by' });
const bucket = z.string().meta({ description: "the bucket's start on the mall's wall clock, YYYY-MM-DDTHH:MM" });
const memberFlow = {
  joinedMembers: z.number().int(),
  joinedVisitors: z.number().int(),
  converted: z.number().int(),
  leftMembers: z.number().int(),
  leftVisitors: z.number().int(),
  netNewMembers: z.number().int(),
  netNewVisitors: z.number().int(),
};
const recognised = { tracked: z.number().int(), recognised: z.number().int(), share };
const salesLine = {
  sales: z.number().int(),
  memberSales: z.number().int(),
  amount: z.number(),
  memberAmount: z.number(),
  memberShareOfSales: share,
  memberShareOfAmount: share,
};

/** GET /v1/stats: counts only (README "The dashboard's figures" defines each). */
export const mallDashboard = z
  .object({
    mallId: z.string(),
    timeZone: z.string(),
    from: time,
    to: time,
    interval: z.enum(['hour', 'day']),
    buckets: z.array(bucket),
    footfall: z.object({
      ...faces,
      byBucket: z.array(z.object({ bucket, ...faces })),
      byZone: z.array(z.object({ zone: z.string().nullable(), ...faces })),
      byBucketAndZone: z.array(z.object({ bucket, zone: z.string().nullable(), ...faces })),
    }),
    recognition: z.object({ ...recognised, byBucket: z.array(z.object({ bucket, ...recognised })) }),
    members: z.object({ ...memberFlow, byBucket: z.array(z.object({ bucket, ...memberFlow })) }),
    conversion: z.object({ converted: z.number().int(), ended: z.number().int(), rate: share }),
    sales: z.array(z.object({ currency: z.string(), ...salesLine, byBucket: z.array(z.object({ bucket, ...salesLine })) })),
    returningFromDormant: z.object({ members: z.number().int(), byBucket: z.array(z.object({ bucket, members: z.number().int() })) }),
    topBrands: z.array(z.object({ brand: z.string(), currency: z.string(), memberSpend: z.number(), memberSales: z.number().int() })),
  })
  .meta({ id: 'MallDashboard' });
