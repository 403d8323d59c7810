import { z } from 'zod';
import { CAMPAIGN_TRIGGERS, COUPON_KINDS, LIMIT_PERIODS, WEEKDAYS } from '../domain/loyalty/campaignRules.js';
import { isoTime, money, purchaseItems, storeId, transactionId, uuid } from './schemaParts.js';

/** Request shapes of the loyalty loop: redemptions, refunds, campaigns, coupons. */

/** Whole points, more than none. */
export const points = z.number().int('whole points').min(1).max(1_000_000_000);

const partnerId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a partner id: 1 to 64 lower-case letters, digits, _ or -');
/** A conversion rate, kept to six decimals. */
const rate = z.number().gt(0).max(1_000_000).refine((value) => Math.abs(value * 1e6 - Math.round(value * 1e6)) < 1e-6, 'at most six decimals');
const tierMap = z.record(z.string().min(1).max(64), z.string().min(1).max(32)).refine((map) => Object.keys(map).length <= 100, 'at most 100 levels');

export const createPartnerSchema = z.strictObject({
  id: partnerId,
  name: z.string().min(1).max(200),
  pointsOut: rate,
  pointsIn: rate,
  minPoints: points,
  maxPoints: points,
  tierMap: tierMap.default({}),
});

export const updatePartnerSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    pointsOut: rate.optional(),
    pointsIn: rate.optional(),
    minPoints: points.optional(),
    maxPoints: points.optional(),
    tierMap: tierMap.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'at least one field to change');

export const partnerParams = z.object({ partnerId });

export const transferSchema = z.strictObject({
  transferId: transactionId,
  partnerId,
  direction: z.enum(['out', 'in']),
  points,
});

/** A level the member holds in a partner programme: their starting tier (a floor). */
export const partnerLevel = z.strictObject({ partnerId, level: z.string().min(1).max(64) });

export const redemptionSchema = z.strictObject({
  redemptionId: transactionId,
  points,
  storeId: storeId.optional(),
  recognitionId: uuid.optional(),
});

export const refundSchema = z.strictObject({
  refundId: transactionId,
  amount: money.refine((value) => value > 0, 'more than zero'),
  items: purchaseItems.max(500).optional(),
});


/** Campaigns: trigger → conditions → limits → effect (service/domain/loyalty/campaignRules.ts). */
const nonEmptyUnique = <T extends z.ZodType>(item: T, max: number) =>
  z
    .array(item)
    .min(1)
    .max(max)
    .refine((list) => new Set(list).size === list.length, 'no repeats');

const campaignConditions = z.strictObject({
  tiers: nonEmptyUnique(z.string().min(1).max(32), 20).optional(),
  segments: nonEmptyUnique(z.enum(['new', 'regular', 'dormant']), 3).optional(),
  categories: nonEmptyUnique(z.string().min(1).max(64), 50).optional(),
  storeIds: nonEmptyUnique(storeId, 200).optional(),
  /** At a store of one of these brands (the stores' `brand`). */
  brands: nonEmptyUnique(z.string().min(1).max(100), 100).optional(),
  /** At a store whose brand is of one of these groups (the brands' `groupId`). */
  brandGroups: nonEmptyUnique(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a brand group id'), 50).optional(),
  minAmount: money.optional(),
  validFrom: isoTime.optional(),
  validUntil: isoTime.optional(),
  daysOfWeek: nonEmptyUnique(z.enum(WEEKDAYS), 7).optional(),
  hours: z.strictObject({ from: z.number().int().min(0).max(23), to: z.number().int().min(1).max(24) }).optional(),
});

const campaignLimits = z.strictObject({
  perMember: z.strictObject({ count: z.number().int().min(1).max(1_000_000), period: z.enum(LIMIT_PERIODS) }).optional(),
  total: z.number().int().min(1).max(1_000_000_000).optional(),
});

const couponTemplate = z.strictObject({
  title: z.string().min(1).max(120),
  kind: z.enum(COUPON_KINDS),
  value: money.refine((value) => value > 0, 'more than zero'),
  validDays: z.number().int().min(1).max(3650),
  minSpend: money.optional(),
  categories: nonEmptyUnique(z.string().min(1).max(64), 50).optional(),
});

const campaignEffect = z.union([
  z.strictObject({ bonusPoints: points }),
  z.strictObject({ pointsMultiplier: z.number().gt(1).max(10) }),
  z.strictObject({ coupon: couponTemplate }),
]);

export const createCampaignSchema = z.strictObject({
  name: z.string().min(1).max(200),
  trigger: z.enum(CAMPAIGN_TRIGGERS),
  conditions: campaignConditions.default({}),
  limits: campaignLimits.default({}),
  effect: campaignEffect,
});

export const updateCampaignSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    status: z.enum(['active', 'paused', 'ended']).optional(),
    conditions: campaignConditions.optional(),
    limits: campaignLimits.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'at least one field to change');

export const campaignParams = z.object({ campaignId: uuid });
export const campaignListQuery = z.strictObject({ status: z.enum(['active', 'paused', 'ended']).optional() });
export const couponListQuery = z.strictObject({
  /** Only those usable now in the key's mall (unused, unexpired). */
  usable: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
});

