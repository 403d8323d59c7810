import { z } from 'zod';
import { ROLES } from '../repositories/apiKeyRepository.js';

/** Request shapes of the HTTP API; the OpenAPI document is generated from these too. */

const phone = z.string().regex(/^\+?[0-9]{6,15}$/, 'a phone number: 6 to 15 digits, optionally led by +');
const externalIds = z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'a lower-case provider name'), z.string().min(1).max(128));
const tag = z.string().min(1).max(64);

export const consentSchema = z.strictObject({
  faceRecognition: z.boolean(),
  source: z.string().min(1).max(200),
});

export const createMemberSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  phone: phone.optional(),
  externalIds: externalIds.optional(),
  tier: z.string().min(1).max(32).optional(),
  tags: z.array(tag).max(50).optional(),
  consent: consentSchema.optional(),
});

export const updateMemberSchema = z
  .strictObject({
    name: z.string().min(1).max(200).nullable().optional(),
    phone: phone.nullable().optional(),
    externalIds: externalIds.optional(),
    tier: z.string().min(1).max(32).optional(),
    tags: z.array(tag).max(50).optional(),
    consent: consentSchema.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'at least one field to change');

export const uuidSchema = z.uuid();
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const enrollQuerySchema = z.strictObject({ dryRun: z.enum(['true', 'false']).optional() });

/** Its length must be the running model's (checked by the identification service, which knows it). */
export const descriptorSchema = z.strictObject({
  descriptor: z.array(z.number().finite()).min(1).max(4096),
});

const queryNumber = <T extends z.ZodNumber>(schema: T) => z.coerce.number().pipe(schema).optional();

/** A stricter threshold, in the running model's scale (cosine similarity or Euclidean distance). */
const thresholdQuery = queryNumber(z.number().gt(-1).lt(2));

export const identifyQuerySchema = z.object({
  maxFaces: queryNumber(z.number().int().min(1).max(50)),
  threshold: thresholdQuery,
});

export const verifyQuerySchema = z.object({
  memberId: z.string().optional(),
  threshold: thresholdQuery,
});

/** Money: non-negative, at most two decimals, below 10^12. */
const money = z
  .number()
  .min(0)
  .max(999_999_999_999)
  .refine((value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6, 'at most two decimals');
const isoTime = z.iso.datetime({ offset: true });

export const purchaseSchema = z.strictObject({
  transactionId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, '1 to 128 letters, digits or . _ : -'),
  amount: money,
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as CNY'),
  items: z
    .array(
      z.strictObject({
        sku: z.string().min(1).max(64),
        category: z.string().min(1).max(64),
        quantity: z.number().int().min(1).max(100_000),
        price: money,
      }),
    )
    .min(1)
    .max(500),
  storeId: z.string().min(1).max(64).optional(),
  at: isoTime.optional(),
});

export const convertSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    phone: phone.optional(),
    externalIds: externalIds.optional(),
    consent: consentSchema.refine((consent) => consent.faceRecognition, 'a converting member must consent to face recognition'),
  })
  .refine((body) => body.phone !== undefined || Object.keys(body.externalIds ?? {}).length > 0, 'a phone number or an external id');

export const cameraIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1 to 64 letters, digits or . _ -');

export const frameQuerySchema = z.strictObject({ capturedAt: isoTime.optional() });

export const historyQuerySchema = z.strictObject({
  limit: queryNumber(z.number().int().min(1).max(200)),
  cursor: z.string().max(400).optional(),
});

/**
 * GET /v1/members: exactly one of phone, name (prefix) or one external id kind (a search); or only
 * `limit`/`cursor` (a page of every member, newest first).
 */
export const memberLookupSchema = z
  .record(z.string(), z.string().min(1).max(400))
  .transform((query, ctx) => {
    const entries = Object.entries(query);
    if (entries.every(([key]) => key === 'limit' || key === 'cursor')) {
      const limit = query.limit === undefined ? 50 : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
        ctx.addIssue({ code: 'custom', message: 'limit: a whole number from 1 to 200' });
        return z.NEVER;
      }
      return { list: { limit, cursor: query.cursor } };
    }
    if (entries.length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of phone, name or an external id kind (e.g. alipay=…)' });
      return z.NEVER;
    }
    const [key, value] = entries[0]!;
    if (key === 'phone') return { phone: value };
    if (key === 'name') return { namePrefix: value };
    if (!/^[a-z][a-z0-9_]{0,31}$/.test(key)) {
      ctx.addIssue({ code: 'custom', message: `${key} is not a lookup key` });
      return z.NEVER;
    }
    return { kind: key, value };
  });

export const createKeySchema = z.strictObject({
  role: z.enum(ROLES),
  name: z.string().min(1).max(100),
  expiresAt: isoTime.optional(),
});

export const auditQuerySchema = z.strictObject({
  memberId: z.uuid().optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  action: z.string().regex(/^[a-z]+\.[a-z]+$/).optional(),
  limit: queryNumber(z.number().int().min(1).max(500)),
  cursor: z.string().max(400).optional(),
});

export const reindexQuerySchema = z.strictObject({
  limit: queryNumber(z.number().int().min(1).max(10_000)),
  after: queryNumber(z.number().int().min(-1)),
});
