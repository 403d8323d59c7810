import type { Weekday } from '../shared/timeZones.js';

/**
 * The loyalty loop's records as they are stored: campaigns (trigger → conditions → limits →
 * effect) and what an idempotent request keeps of its first answer. The domain's rules over them
 * are service/domain/loyalty/campaignRules.ts.
 */

export const CAMPAIGN_TRIGGERS = ['purchase', 'visit', 'enrollment', 'birthday', 'returning_from_dormant', 'first_visit_of_month'] as const;
export type CampaignTrigger = (typeof CAMPAIGN_TRIGGERS)[number];
export const LIMIT_PERIODS = ['day', 'week', 'month', 'year', 'campaign'] as const;
export type LimitPeriod = (typeof LIMIT_PERIODS)[number];
export const COUPON_KINDS = ['amount_off', 'percent_off', 'gift'] as const;
export type CouponKind = (typeof COUPON_KINDS)[number];
export type CampaignStatus = 'active' | 'paused' | 'ended';

export interface CampaignConditions {
  tiers?: string[];
  /** Segment names (new, regular, dormant: the profile's). */
  segments?: string[];
  /** Purchase only: the basket holds an item of one of these categories. */
  categories?: string[];
  storeIds?: string[];
  /** At a store of one of these brands (stores.brand): a group's sub-brands, one membership. */
  brands?: string[];
  /** At a store whose brand belongs to one of these groups (brands.group_id). */
  brandGroups?: string[];
  /** Purchase only: at least this amount. */
  minAmount?: number;
  validFrom?: string;
  validUntil?: string;
  /** In the mall's time zone. */
  daysOfWeek?: Weekday[];
  /** Local hours [from, to), 0–24, from < to. */
  hours?: { from: number; to: number };
}

export interface CampaignLimits {
  perMember?: { count: number; period: LimitPeriod };
  total?: number;
}

export interface CouponTemplate {
  title: string;
  kind: CouponKind;
  /** amount_off: currency units; percent_off: percent; gift: the gift's worth. */
  value: number;
  validDays: number;
  minSpend?: number;
  categories?: string[];
}

export type CampaignEffect = { bonusPoints: number } | { pointsMultiplier: number } | { coupon: CouponTemplate };

export interface CampaignDefinition {
  name: string;
  trigger: CampaignTrigger;
  conditions: CampaignConditions;
  limits: CampaignLimits;
  effect: CampaignEffect;
}

export interface Campaign extends CampaignDefinition {
  id: string;
  /** Null: the whole group's. */
  mallId: string | null;
  status: CampaignStatus;
  createdAt: string;
  updatedAt: string;
}

/** What an idempotent request's row keeps of the first request (purchases, redemptions, refunds). */
export interface StoredRequest {
  requestHash: string;
  response: unknown;
}
