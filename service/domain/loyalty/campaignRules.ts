import type { Segment } from '../members/profile.js';
import type { PurchaseItem } from '../../repositories/purchaseRepository.js';
import type { Weekday } from '../../shared/timeZones.js';

/**
 * Campaigns as data: trigger → conditions → limits → effect, and the pure rules over them (what
 * contradicts itself, whether an event meets the conditions). No I/O here: campaignEngine.ts
 * applies them inside the transaction of the change that triggered them.
 */

// The campaign's stored shape lives with its repository (the layer below); the rules read it.
export {
  CAMPAIGN_TRIGGERS,
  COUPON_KINDS,
  LIMIT_PERIODS,
  type Campaign,
  type CampaignConditions,
  type CampaignDefinition,
  type CampaignEffect,
  type CampaignLimits,
  type CampaignStatus,
  type CampaignTrigger,
  type CouponKind,
  type CouponTemplate,
  type LimitPeriod,
} from '../../repositories/loyaltyRecords.js';
export { WEEKDAYS, type Weekday } from '../../shared/timeZones.js';
import type { Campaign, CampaignConditions, CampaignDefinition, CampaignLimits, CampaignTrigger } from '../../repositories/loyaltyRecords.js';

/** What happened, as the campaign's conditions read it. */
export interface TriggerContext {
  at: Date;
  weekday: Weekday;
  hour: number;
  tier: string;
  segment: Segment;
  storeId: string | null;
  /** The store's brand; null without a store or a brand. */
  brand?: string | null;
  /** The group of the store's brand; null without one. */
  brandGroup?: string | null;
  /** Purchases only. */
  amount?: number;
  items?: PurchaseItem[];
}

/** Triggers that happen at a store (so store conditions can hold). */
const AT_A_STORE: ReadonlySet<CampaignTrigger> = new Set(['purchase']);

/**
 * Why a campaign cannot work as written: conditions no event can meet, or parts that its trigger
 * never has. Empty when it is sound.
 */
export function contradictions(definition: CampaignDefinition, knownTiers: readonly string[], now: Date): string[] {
  const { trigger, conditions: c, limits, effect } = definition;
  const problems: string[] = [];
  const purchaseOnly = (what: string) => problems.push(`${what} applies to the purchase trigger only, not ${trigger}`);
  if (trigger !== 'purchase') {
    if (c.categories) purchaseOnly('conditions.categories');
    if (c.minAmount !== undefined) purchaseOnly('conditions.minAmount');
    if ('pointsMultiplier' in effect) purchaseOnly('effect.pointsMultiplier');
  }
  if (c.storeIds && !AT_A_STORE.has(trigger)) problems.push(`conditions.storeIds: a ${trigger} does not happen at a store`);
  if (c.brands && !AT_A_STORE.has(trigger)) problems.push(`conditions.brands: a ${trigger} does not happen at a store`);
  if (c.brandGroups && !AT_A_STORE.has(trigger)) problems.push(`conditions.brandGroups: a ${trigger} does not happen at a store`);
  if (c.validFrom && c.validUntil && Date.parse(c.validFrom) >= Date.parse(c.validUntil)) problems.push('conditions.validUntil must be after validFrom');
  if (c.validUntil && Date.parse(c.validUntil) <= now.getTime()) problems.push('conditions.validUntil has passed');
  if (c.hours && c.hours.from >= c.hours.to) problems.push('conditions.hours: from must be before to');
  for (const tier of c.tiers ?? []) if (!knownTiers.includes(tier)) problems.push(`conditions.tiers: no tier "${tier}" (tiers: ${knownTiers.join(', ')})`);
  if ('coupon' in effect) {
    const coupon = effect.coupon;
    if (coupon.kind === 'percent_off' && coupon.value > 100) problems.push('effect.coupon: percent_off is at most 100');
    if (coupon.kind === 'amount_off' && coupon.minSpend !== undefined && coupon.minSpend > 0 && coupon.value > coupon.minSpend) {
      problems.push('effect.coupon: amount_off is larger than its minimum spend');
    }
  }
  if (limits.total !== undefined && limits.perMember && limits.perMember.count > limits.total) problems.push('limits.perMember.count exceeds limits.total');
  return problems;
}

/** The basket's spend in some categories (all of it when none are named). */
export function spendIn(items: readonly PurchaseItem[] | undefined, amount: number, categories: readonly string[] | undefined): number {
  if (!categories?.length) return items?.length ? items.reduce((sum, i) => sum + i.quantity * i.price, 0) : amount;
  return (items ?? []).filter((i) => categories.includes(i.category)).reduce((sum, i) => sum + i.quantity * i.price, 0);
}

/**
 * Whether an event meets the conditions. `basket: false` leaves out what depends on the basket
 * (amount, categories): the offers shown at recognition, before anything is bought.
 */
export function conditionsMet(c: CampaignConditions, ctx: TriggerContext, basket = true): boolean {
  const at = ctx.at.getTime();
  if (c.validFrom && at < Date.parse(c.validFrom)) return false;
  if (c.validUntil && at >= Date.parse(c.validUntil)) return false;
  if (c.tiers && !c.tiers.includes(ctx.tier)) return false;
  if (c.segments && !c.segments.includes(ctx.segment)) return false;
  if (c.storeIds && (!ctx.storeId || !c.storeIds.includes(ctx.storeId))) return false;
  if (c.brands && (!ctx.brand || !c.brands.includes(ctx.brand))) return false;
  if (c.brandGroups && (!ctx.brandGroup || !c.brandGroups.includes(ctx.brandGroup))) return false;
  if (c.daysOfWeek && !c.daysOfWeek.includes(ctx.weekday)) return false;
  if (c.hours && (ctx.hour < c.hours.from || ctx.hour >= c.hours.to)) return false;
  if (basket) {
    if (c.minAmount !== undefined && (ctx.amount ?? 0) < c.minAmount) return false;
    if (c.categories && !(ctx.items ?? []).some((item) => c.categories!.includes(item.category))) return false;
  }
  return true;
}

/** A birthday campaign without its own limit gives once a year. */
export function limitsOf(campaign: Pick<Campaign, 'trigger' | 'limits'>): CampaignLimits {
  if (campaign.trigger === 'birthday' && !campaign.limits.perMember) return { ...campaign.limits, perMember: { count: 1, period: 'year' } };
  return campaign.limits;
}

/** Whether any of these campaigns asks for the store's brand or its group (so it is looked up only then). */
export const wantsBrand = (campaigns: readonly Pick<Campaign, 'conditions'>[]): boolean =>
  campaigns.some((campaign) => campaign.conditions.brands !== undefined || campaign.conditions.brandGroups !== undefined);

/** A store's brand and the brand's group, as campaign conditions read them. */
export interface StoreBrand {
  brand: string | null;
  brandGroup: string | null;
}

export const NO_BRAND: StoreBrand = { brand: null, brandGroup: null };
