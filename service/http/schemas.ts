import { z } from 'zod';
import { isTimeZone } from '../shared/timeZones.js';
import { ROLES } from '../domain/access/apiKeys.js';
import { readCursor } from '../domain/shared/pages.js';
import { EVENT_TYPES } from '../domain/events/events.js';
import { partnerLevel } from './loyaltySchemas.js';
import { isoTime, money, purchaseItems, storeId, transactionId, uuid, UUID_PATTERN } from './schemaParts.js';

/** Request shapes of the HTTP API (the endpoint declarations use them; /openapi.json is generated from them). */

const phone = z.string().regex(/^\+?[0-9]{6,15}$/, 'a phone number: 6 to 15 digits, optionally led by +');
const externalIds = z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'a lower-case provider name'), z.string().min(1).max(128));
const tag = z.string().min(1).max(64);

/** Mall and store ids: what the malls and stores tables accept. */
export const mallId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a mall id: 1 to 64 lower-case letters, digits, _ or -, led by a letter or digit');
const ianaTimeZone = z.string().min(1).max(64).refine(isTimeZone, 'an IANA time zone such as Asia/Shanghai');

/** 'MM-DD', or 'YYYY-MM-DD' when the member gives the year: a real calendar day (29 February allowed). */
const birthday = z
  .string()
  .regex(/^([0-9]{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/, "a birthday: 'MM-DD' or 'YYYY-MM-DD'")
  .refine((value) => {
    const [month, day] = value.slice(-5).split('-').map(Number) as [number, number];
    const year = value.length === 10 ? Number(value.slice(0, 4)) : 2000; // a leap year: 02-29 exists without one
    const date = new Date(Date.UTC(year, month - 1, day));
    return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  }, 'not a day of the calendar');

const consentSchema = z.strictObject({
  faceRecognition: z.boolean(),
  source: z.string().min(1).max(200),
  /** The version of the consent text the member was shown (kept in the consent records). */
  textVersion: z.string().min(1).max(64).optional(),
});

export const memberExportQuerySchema = z.strictObject({ photos: z.enum(['true', 'false']).default('false').transform((value) => value === 'true') });
export const consentWithdrawalQuerySchema = z.strictObject({ source: z.string().min(1).max(200).default('operator') });

export const createMemberSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  phone: phone.optional(),
  externalIds: externalIds.optional(),
  tier: z.string().min(1).max(32).optional(),
  tags: z.array(tag).max(50).optional(),
  consent: consentSchema.optional(),
  /** The member's home mall; unset: the creating key's mall, else the default mall. */
  homeMallId: mallId.optional(),
  birthday: birthday.optional(),
  /** A level held in a partner programme: the tier it maps to is the member's floor from day one. */
  partnerLevel: partnerLevel.optional(),
});

export const updateMemberSchema = z
  .strictObject({
    name: z.string().min(1).max(200).nullable().optional(),
    phone: phone.nullable().optional(),
    externalIds: externalIds.optional(),
    tier: z.string().min(1).max(32).optional(),
    tags: z.array(tag).max(50).optional(),
    consent: consentSchema.optional(),
    homeMallId: mallId.optional(),
    birthday: birthday.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'at least one field to change');


export const memberParams = z.object({ id: uuid });
export const faceParams = z.object({ id: uuid, faceId: uuid });
export const keyParams = z.object({ keyId: uuid });
export const livenessSessionParams = z.object({ sessionId: uuid });

export const enrollQuerySchema = z.strictObject({ dryRun: z.enum(['true', 'false']).optional() });

/** Its length must be the running model's (checked by the identification service, which knows it). */
export const descriptorSchema = z.strictObject({
  descriptor: z.array(z.number().finite()).min(1).max(4096),
});

/** A number in the query string; documented with the bounds of `schema` (the coercion would hide them). */
const queryNumber = <T extends z.ZodNumber>(schema: T) => {
  const { $schema: _dialect, ...bounds } = z.toJSONSchema(schema);
  return z.coerce.number().pipe(schema).optional().meta({ override: bounds });
};

/** A stricter threshold, in the running model's scale (cosine similarity or Euclidean distance). */
const thresholdQuery = queryNumber(z.number().gt(-1).lt(2));

/** `required`: a face that may be a photo or a screen is never matched; unset: the key's role decides (pos: required). */
const livenessQuery = z.enum(['required', 'off']).optional();

export const identifyQuerySchema = z.object({
  maxFaces: queryNumber(z.number().int().min(1).max(50)),
  threshold: thresholdQuery,
  liveness: livenessQuery,
  /** A passed, unexpired, unused challenge session of the same face (POST /v1/liveness/sessions). */
  livenessSession: uuid.optional(),
  /** At a till: include each member's offers (default true; a kiosk that shows none may skip their reads). */
  offers: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
});

export const verifyQuerySchema = z.object({
  memberId: z.string().optional(),
  threshold: thresholdQuery,
  liveness: livenessQuery,
});



export const purchaseSchema = z.strictObject({
  transactionId,
  amount: money,
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as CNY'),
  items: purchaseItems.min(1).max(500),
  storeId: z.string().min(1).max(64).optional(),
  at: isoTime.optional(),
  /** The member's coupons used in this purchase; spending one needs `recognitionId` at a till. */
  coupons: z.array(uuid).min(1).max(20).optional(),
  recognitionId: uuid.optional(),
});

export const purchaseParams = z.object({ id: uuid, transactionId });

/** A sale a till reports, a member's or not (its id: the till's transaction id, as a member's purchase has). */
export const saleSchema = z.strictObject({
  saleId: transactionId,
  storeId: z.string().min(1).max(64).optional(),
  amount: money,
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as CNY'),
  at: isoTime.optional(),
  memberId: uuid.optional(),
});


export const convertSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    phone: phone.optional(),
    externalIds: externalIds.optional(),
    consent: consentSchema.refine((consent) => consent.faceRecognition, 'a converting member must consent to face recognition'),
    partnerLevel: partnerLevel.optional(),
  })
  .refine((body) => body.phone !== undefined || Object.keys(body.externalIds ?? {}).length > 0, 'a phone number or an external id');

export const cameraParams = z.object({ cameraId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1 to 64 letters, digits or . _ -') });

export const frameQuerySchema = z.strictObject({ capturedAt: isoTime.optional() });

const cameraFields = {
  name: z.string().min(1).max(200),
  /** rtsp://, rtsps://, or http(s):// serving MJPEG; credentials may be in it (never answered unmasked). */
  url: z.string().min(1).max(2000),
  /** Frames a second analysed (4 by default). */
  sampleFps: z.number().min(0.2).max(30),
  enabled: z.boolean(),
  /** The zone of the mall it watches: entrance, floor-2, food-court, car-park, … (lower case, digits, - and _). */
  zone: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a zone: 1 to 40 lower-case letters, digits, - or _, starting with a letter'),
  /** Its place on the mall's floor plan: fractions of the plan's width (x) and height (y), top left 0,0. */
  position: z.strictObject({ x: z.number().min(0).max(1), y: z.number().min(0).max(1) }),
};

export const createCameraSchema = z.strictObject({
  id: cameraParams.shape.cameraId,
  name: cameraFields.name,
  url: cameraFields.url,
  sampleFps: cameraFields.sampleFps.optional(),
  enabled: cameraFields.enabled.optional(),
  /** The camera's mall; unset: the creating key's, else the default mall. */
  mallId: mallId.optional(),
  zone: cameraFields.zone.optional(),
  position: cameraFields.position.optional(),
});

export const updateCameraSchema = z
  .strictObject({
    name: cameraFields.name.optional(),
    url: cameraFields.url.optional(),
    sampleFps: cameraFields.sampleFps.optional(),
    enabled: cameraFields.enabled.optional(),
    mallId: mallId.optional(),
    /** null: no zone. */
    zone: cameraFields.zone.nullable().optional(),
    /** null: not on the floor plan. */
    position: cameraFields.position.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'at least one field to change');

/** A page cursor this API gave out, whose row key is one `key` accepts (the page's key column). */
const cursorOf = (key: z.ZodType<string>) =>
  z
    .string()
    .max(400)
    .transform((value, ctx) => {
      const cursor = readCursor(value);
      if (cursor && key.safeParse(cursor.id).success) return cursor;
      ctx.addIssue({ code: 'custom', message: 'not a cursor this API gave out' });
      return z.NEVER;
    })
    .meta({ description: 'nextCursor of the previous page' });

/** The cursors of each kind of page, by the key of its rows. */
const cursors = {
  member: cursorOf(uuid),
  visit: cursorOf(uuid),
  purchase: cursorOf(transactionId),
  audit: cursorOf(z.string().regex(/^[0-9]{1,19}$/)),
  delivery: cursorOf(uuid),
};

/** Webhook subscriptions: an http(s) URL (credentials in it are refused: the secret signs instead) and the events it wants. */
export const webhookParams = z.object({ webhookId: uuid });
export const deliveryParams = z.object({ webhookId: uuid, deliveryId: uuid });
const webhookFields = {
  url: z
    .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
    .max(2000)
    .refine((url) => !/^https?:\/\/[^/?#]*@/i.test(url), 'no credentials in the URL: receivers verify the signature'),
  events: z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length),
  description: z.string().min(1).max(500),
};
export const createWebhookSchema = z.strictObject({ url: webhookFields.url, events: webhookFields.events, description: webhookFields.description.optional() });
export const updateWebhookSchema = z
  .strictObject({
    url: webhookFields.url.optional(),
    events: webhookFields.events.optional(),
    description: webhookFields.description.nullable().optional(),
    paused: z.boolean().optional().meta({ description: 'true pauses deliveries (events keep queueing); false resumes them' }),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'at least one field to change');

/** A secret rotation: how long the old secret keeps signing beside the new one (24 h unless said; 0 stops it at once). */
export const rotateSecretSchema = z.strictObject({ graceHours: z.number().min(0).max(168).optional() }).optional();

const pageLimit = (max: number) => queryNumber(z.number().int().min(1).max(max));

export const visitPageQuery = z.strictObject({ limit: pageLimit(200), cursor: cursors.visit.optional() });

/** The dashboard's period: a mall (the key's, else the default), from/to instants, hour or day buckets in the mall's time zone. */
export const statsQuery = z
  .strictObject({ mall: mallId.optional(), from: isoTime.optional(), to: isoTime.optional(), interval: z.enum(['hour', 'day']).optional() })
  .transform(({ mall, from, to, interval }) => ({
    ...(mall !== undefined ? { mallId: mall } : {}),
    ...(from !== undefined ? { from: new Date(from) } : {}),
    ...(to !== undefined ? { to: new Date(to) } : {}),
    ...(interval !== undefined ? { interval } : {}),
  }));

/** A calendar day, YYYY-MM-DD: each mall's own day in its time zone. */
export const trailQuery = z.strictObject({ date: z.iso.date().optional() });
export const purchasePageQuery = z.strictObject({ limit: pageLimit(200), cursor: cursors.purchase.optional() });
export const deliveryPageQuery = z.strictObject({
  limit: pageLimit(200),
  cursor: cursors.delivery.optional(),
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
});

/**
 * GET /v1/members: exactly one of phone, name (prefix) or one external id kind (a search); or only
 * `limit`/`cursor` (a page of every member, newest first).
 */
export const memberLookupSchema = z
  .object({
    phone: z.string().min(1).max(400).optional(),
    name: z.string().min(1).max(400).optional().meta({ description: 'the start of the name' }),
    limit: pageLimit(200),
    cursor: cursors.member.optional(),
  })
  .catchall(z.string().min(1).max(400).meta({ description: 'an external id of that kind: ?alipay=…, ?wechat=…' }))
  .transform((query, ctx) => {
    const { limit, cursor, ...search } = query;
    const entries = Object.entries(search).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return { list: { limit: limit ?? 50, cursor } };
    if (entries.length !== 1 || limit !== undefined || cursor !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of phone, name or an external id kind (e.g. alipay=…)' });
      return z.NEVER;
    }
    const [key, value] = entries[0] as [string, string];
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
  /** Bind the key to a mall, or to a store (a till's key; its mall follows). */
  mallId: mallId.optional(),
  storeId: storeId.optional(),
});

export const mallParams = z.object({ mallId });
export const storeParams = z.object({ storeId });

export const createMallSchema = z.strictObject({ id: mallId, name: z.string().min(1).max(200), timeZone: ianaTimeZone.optional() });
export const updateMallSchema = z
  .strictObject({ name: z.string().min(1).max(200).optional(), timeZone: ianaTimeZone.nullable().optional() })
  .refine((patch) => Object.keys(patch).length > 0, 'at least one field to change');

export const createStoreSchema = z.strictObject({ id: storeId, mallId, name: z.string().min(1).max(200), brand: z.string().min(1).max(100).optional() });
export const updateStoreSchema = z
  .strictObject({ mallId: mallId.optional(), name: z.string().min(1).max(200).optional(), brand: z.string().min(1).max(100).nullable().optional() })
  .refine((patch) => Object.keys(patch).length > 0, 'at least one field to change');
export const storeListQuery = z.strictObject({ mallId: mallId.optional() });

const brandId = z.string().min(1).max(100);
const brandGroupId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a brand group id: 1 to 64 lower-case letters, digits, _ or -');
export const brandParams = z.object({ brandId });
export const createBrandSchema = z.strictObject({ id: brandId, name: z.string().min(1).max(200), groupId: brandGroupId.optional() });
export const updateBrandSchema = z
  .strictObject({ name: z.string().min(1).max(200).optional(), groupId: brandGroupId.nullable().optional() })
  .refine((patch) => Object.keys(patch).length > 0, 'at least one field to change');
export const brandListQuery = z.strictObject({ groupId: brandGroupId.optional() });

/** A second factor for a recognition: the last four digits of the phone, or the whole number (a 1:1 check). */
export const secondFactorSchema = z.union([
  z.strictObject({ recognitionId: uuid, phoneLast4: z.string().regex(/^[0-9]{4}$/, 'the last four digits of the phone number') }),
  z.strictObject({ recognitionId: uuid, phone }),
]);

export const recognitionAdminQuery = z.strictObject({ mallId: mallId.optional() });

export const duplicateParams = z.object({ duplicateId: uuid });
export const duplicateListQuery = z.strictObject({ limit: queryNumber(z.number().int().min(1).max(500)) });
export const mergeDuplicateSchema = z.strictObject({ keep: uuid });

export const auditQuerySchema = z.strictObject({
  memberId: z.uuid().optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  // Actions are dotted lowercase names of two parts or more (member.create, admin.thresholds.apply).
  action: z.string().regex(/^[a-z]+(\.[a-z]+)+$/).optional(),
  limit: pageLimit(500),
  cursor: cursors.audit.optional(),
});

export const reindexQuerySchema = z.strictObject({
  limit: queryNumber(z.number().int().min(1).max(10_000)),
  after: queryNumber(z.number().int().min(-1)),
});

/** POST /v1/admin/thresholds: the MATCH_THRESHOLD to put in force, in the running model's scale (the calibration's suggestion, usually). */
export const appliedThresholdsSchema = z.strictObject({
  matchThreshold: z.number().finite(),
});

export const rotationQuerySchema = z.strictObject({
  limit: queryNumber(z.number().int().min(1).max(100_000)),
});

export * from './loyaltySchemas.js';
export { UUID_PATTERN, storeId };
