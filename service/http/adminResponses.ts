import { z } from 'zod';
import { modelRef, page, time } from './responseParts.js';

/** Answer shapes of administration: keys, audit, re-index, malls and stores, recognition, duplicates, probes, webhooks. */

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

export const auditChainReport = z.object({
  checked: z.number().int(),
  unchained: z.number().int(),
  firstRecordAt: z.string().nullable(),
  lastRecordAt: z.string().nullable(),
  firstBroken: z.object({ id: z.string(), at: z.string(), reason: z.string() }).nullable(),
});

export const rotationReport = z.object({
  masterKeyId: z.string(),
  rewrapped: z.number().int(),
  remaining: z.number().int(),
  byMasterKey: z.record(z.string(), z.number().int()),
});

/** The deployment's own impostor pairs against the thresholds in force (DeploymentCalibration). */
export const calibrationReport = z.object({
  members: z.number().int(),
  pairs: z.number().int(),
  sampled: z.boolean(),
  excludedSuspectedDuplicates: z.number().int(),
  resolution: z.number(),
  thresholds: z.array(z.object({ name: z.enum(['match', 'today', 'verify']), threshold: z.number(), deploymentFmr: z.number(), lfwFmr: z.number().nullable() })),
  group: z.object({ templates: z.number().int(), expectedFpir: z.number(), lfwExpectedFpir: z.number().nullable() }),
  suggestedMatchThreshold: z.number().nullable(),
  targetFpir: z.number(),
  closestPairs: z.array(z.object({ memberId: z.string(), otherMemberId: z.string(), similarity: z.number() })),
});

const thresholdSet = z.object({ match: z.number(), margin: z.number(), today: z.number(), verify: z.number() });

/** The configuration's thresholds, those in force, and what an admin applied (ThresholdSettings). */
export const thresholdsView = z.object({
  modelVersion: z.string(),
  configured: thresholdSet,
  inForce: thresholdSet,
  applied: z
    .object({
      match: z.number(),
      today: z.number(),
      fittedFor: z
        .object({ templates: z.number().int(), targetFpir: z.number() })
        .nullable()
        .meta({ description: 'the group it was applied for (its templates, and TARGET_FPIR then): the group is searched at it at that size, tighter only as it grows; null for thresholds applied before this was recorded (a floor under the size rule)' }),
      appliedBy: z.string().nullable(),
      appliedAt: time,
    })
    .nullable(),
});

export const me = z.object({
  keyId: z.string(),
  name: z.string(),
  role: z.string(),
  faceModel: z.object({ key: z.string(), name: z.string(), version: z.string(), dimension: z.number().int(), metric: z.enum(['cosine', 'euclidean']) }),
  thresholds: thresholdSet,
});

export const mall = z.object({ id: z.string(), name: z.string(), timeZone: z.string().nullable(), createdAt: time, updatedAt: time }).meta({ id: 'Mall' });
export const mallList = z.object({ malls: z.array(mall) });
export const store = z
  .object({ id: z.string(), mallId: z.string(), name: z.string(), brand: z.string().nullable(), brandGroup: z.string().nullable(), createdAt: time, updatedAt: time })
  .meta({ id: 'Store' });
export const brand = z.object({ id: z.string(), name: z.string(), groupId: z.string().nullable(), createdAt: time, updatedAt: time }).meta({ id: 'Brand' });
export const brandList = z.object({ brands: z.array(brand) });
export const storeList = z.object({ stores: z.array(store) });

const partitionState = z.object({
  name: z.enum(['seen-today', 'regulars', 'group']),
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

