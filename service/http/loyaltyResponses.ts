import { z } from 'zod';
import { time } from './responseParts.js';

/** Answer shapes of the loyalty loop: receipts, points and lots, coupons, campaigns, offers. */

export const coupon = z
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

export const offers = z
  .object({
    coupons: z.array(coupon),
    campaigns: z.array(z.object({ id: z.string(), name: z.string(), effect: campaignEffect, needs: z.object({ minAmount: z.number().optional(), categories: z.array(z.string()).optional() }) })),
  })
  .meta({ id: 'Offers' });

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

export const sale = z
  .object({
    saleId: z.string(),
    mallId: z.string(),
    storeId: z.string().nullable(),
    amount: z.number(),
    currency: z.string(),
    at: time,
    memberId: z.string().nullable(),
  })
  .meta({ id: 'Sale' });

export const partner = z
  .object({
    id: z.string(),
    name: z.string(),
    pointsOut: z.number(),
    pointsIn: z.number(),
    minPoints: z.number().int(),
    maxPoints: z.number().int(),
    tierMap: z.record(z.string(), z.string()),
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: 'Partner' });
export const partnerList = z.object({ partners: z.array(partner) });

export const transferReceipt = z
  .object({
    transferId: z.string(),
    memberId: z.string(),
    partnerId: z.string(),
    direction: z.enum(['out', 'in']),
    points: z.number().int(),
    rate: z.number(),
    memberPoints: z.number().int(),
    partnerPoints: z.number().int(),
    roundedOff: z.number(),
    limits: z.object({ minPoints: z.number().int(), maxPoints: z.number().int() }),
    pointsBalance: z.number().int(),
    at: time,
  })
  .meta({ id: 'TransferReceipt' });

export const memberPoints = z
  .object({
    balance: z.number().int(),
    earned: z.number().int(),
    spent: z.number().int(),
    expired: z.number().int(),
    reversed: z.number().int(),
    transferredOut: z.number().int(),
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

