import type { LoyaltyRules, Tier } from './loyalty.js';
import type { PurchaseActivity } from '../../repositories/purchaseRepository.js';
import { localClock } from '../../shared/timeZones.js';

/**
 * A member's preference profile, derived from their events (visits and purchases) and the time
 * now. Pure functions: the profile is recomputed from the events on every read, so it always
 * reflects the latest event and time-dependent fields (segment, visits in the last 30 days) can
 * never be stale.
 */

const DAY_MS = 86_400_000;
/** Events further back than this do not shape the profile (and tiers count a year's spend). */
export const PROFILE_WINDOW_DAYS = 365;
/** A member is `new` for this many days after joining. */
const NEW_FOR_DAYS = 30;
/** Rhythm tags need at least this many events: two visits are not a habit. */
const MIN_EVENTS_FOR_RHYTHM = 3;
const RHYTHM_SHARE = 0.5;
const FAVOURITE_CATEGORIES = 3;

export type Segment = 'new' | 'regular' | 'dormant';

export interface CategoryShare {
  category: string;
  spend: number;
  /** Fraction of the member's spend in the profile window. */
  share: number;
}

/** What the member spends at one brand's stores (a mall group's sub-brands share one membership). */
export interface BrandFigures {
  brand: string;
  spend: number;
  purchases: number;
  favouriteCategories: CategoryShare[];
}

/** The same, summed over the brands of one group. */
export type BrandGroupFigures = Omit<BrandFigures, 'brand'> & { group: string };

export interface DerivedProfile {
  tier: string;
  segment: Segment;
  /** Spend and favourite categories per brand in the profile window, most spent first. */
  brands: BrandFigures[];
  /** The same per group of brands. */
  brandGroups: BrandGroupFigures[];
  /** Derived from behaviour: night-owl, early-bird, weekend-shopper, weekday-shopper. */
  behaviourTags: string[];
  favouriteCategories: CategoryShare[];
  /** The local hour (0–23) with the most visits and purchases; null without events. */
  typicalVisitHour: number | null;
  /** Share of events on Saturdays and Sundays (local time); null without events. */
  weekendShare: number | null;
  visitsLast30Days: number;
  lastVisitAt: string | null;
  lastPurchaseAt: string | null;
  spendLast365Days: number;
  purchasesLast365Days: number;
}

export interface ProfileInput {
  createdAt: Date;
  /** The tier an operator assigned: a floor, never lowered by a small spend. */
  assignedTier: string;
  /** Start times of visits in the profile window, any order. */
  visits: Date[];
  purchases: PurchaseActivity[];
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** The highest tier whose spend the member reached, never below the assigned one. */
export function tierFor(spend: number, assignedTier: string, tiers: readonly Tier[]): Tier {
  let reached = tiers[0]!;
  for (const tier of tiers) if (spend >= tier.minSpend) reached = tier;
  const assigned = tiers.find((tier) => tier.name === assignedTier);
  return assigned && assigned.minSpend > reached.minSpend ? assigned : reached;
}

/** Local hour and weekday of an instant in the mall's time zone. */
export function localTime(at: Date, timeZone: string): { hour: number; weekend: boolean } {
  const { hour, weekday } = localClock(at, timeZone);
  return { hour, weekend: weekday === 'sat' || weekday === 'sun' };
}

export function segmentOf(createdAt: Date, lastActivity: Date | undefined, now: Date, dormantAfterDays: number): Segment {
  const since = (date: Date) => (now.getTime() - date.getTime()) / DAY_MS;
  if (since(lastActivity ?? createdAt) > dormantAfterDays) return 'dormant';
  return since(createdAt) <= NEW_FOR_DAYS ? 'new' : 'regular';
}

export function favouriteCategories(purchases: readonly PurchaseActivity[]): CategoryShare[] {
  const spendByCategory = new Map<string, number>();
  let total = 0;
  for (const purchase of purchases) {
    for (const item of purchase.items) {
      const spend = item.quantity * item.price;
      spendByCategory.set(item.category, (spendByCategory.get(item.category) ?? 0) + spend);
      total += spend;
    }
  }
  return [...spendByCategory]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, FAVOURITE_CATEGORIES)
    .map(([category, spend]) => ({ category, spend: round2(spend), share: total > 0 ? round2(spend / total) : 0 }));
}

/** Brands shown in a profile at most. */
const PROFILE_BRANDS = 10;

/** Spend, purchases and favourite categories per value of `keyOf` (a brand, a group), most spent first; purchases without one are left out. */
function figuresBy(purchases: readonly PurchaseActivity[], keyOf: (purchase: PurchaseActivity) => string | null | undefined) {
  const byKey = new Map<string, PurchaseActivity[]>();
  for (const purchase of purchases) {
    const key = keyOf(purchase);
    if (key) byKey.set(key, [...(byKey.get(key) ?? []), purchase]);
  }
  return [...byKey]
    .map(([key, list]) => ({ key, spend: round2(list.reduce((sum, p) => sum + p.amount, 0)), purchases: list.length, favouriteCategories: favouriteCategories(list) }))
    .sort((a, b) => b.spend - a.spend || a.key.localeCompare(b.key))
    .slice(0, PROFILE_BRANDS);
}

export const brandFigures = (purchases: readonly PurchaseActivity[]): BrandFigures[] => figuresBy(purchases, (p) => p.brand).map(({ key, ...figures }) => ({ brand: key, ...figures }));
export const brandGroupFigures = (purchases: readonly PurchaseActivity[]): BrandGroupFigures[] =>
  figuresBy(purchases, (p) => p.brandGroup).map(({ key, ...figures }) => ({ group: key, ...figures }));

/** Hour-of-day and weekday rhythm of a member's events, with the tags it earns. */
export function rhythmOf(events: readonly Date[], timeZone: string): Pick<DerivedProfile, 'typicalVisitHour' | 'weekendShare' | 'behaviourTags'> {
  if (events.length === 0) return { typicalVisitHour: null, weekendShare: null, behaviourTags: [] };
  const hours = new Array<number>(24).fill(0);
  let weekend = 0;
  for (const at of events) {
    const local = localTime(at, timeZone);
    hours[local.hour]! += 1;
    if (local.weekend) weekend += 1;
  }
  const typicalVisitHour = hours.indexOf(Math.max(...hours));
  const share = (from: number, to: number) => hours.slice(from, to).reduce((sum, n) => sum + n, 0) / events.length;
  const weekendShare = round2(weekend / events.length);
  const tags: string[] = [];
  if (events.length >= MIN_EVENTS_FOR_RHYTHM) {
    // Malls open around 10:00 and close around 22:00: "night" is from 20:00, "early" before 11:00.
    if (share(20, 24) + share(0, 5) >= RHYTHM_SHARE) tags.push('night-owl');
    if (share(5, 11) >= RHYTHM_SHARE) tags.push('early-bird');
    if (weekendShare >= 0.6) tags.push('weekend-shopper');
    if (weekendShare <= 0.2) tags.push('weekday-shopper');
  }
  return { typicalVisitHour, weekendShare, behaviourTags: tags };
}

export function deriveProfile(input: ProfileInput, now: Date, rules: Pick<LoyaltyRules, 'tiers' | 'dormantAfterDays' | 'timeZone'>): DerivedProfile {
  const windowStart = now.getTime() - PROFILE_WINDOW_DAYS * DAY_MS;
  const visits = input.visits.filter((at) => at.getTime() >= windowStart && at <= now);
  const purchases = input.purchases.filter((p) => p.at.getTime() >= windowStart && p.at <= now);
  const latest = (dates: Date[]) => (dates.length ? new Date(Math.max(...dates.map((d) => d.getTime()))) : undefined);
  const lastVisit = latest(visits);
  const lastPurchase = latest(purchases.map((p) => p.at));
  const lastActivity = latest([lastVisit, lastPurchase].filter((d): d is Date => d !== undefined));
  const spend = round2(purchases.reduce((sum, p) => sum + p.amount, 0));
  return {
    tier: tierFor(spend, input.assignedTier, rules.tiers).name,
    segment: segmentOf(input.createdAt, lastActivity, now, rules.dormantAfterDays),
    favouriteCategories: favouriteCategories(purchases),
    brands: brandFigures(purchases),
    brandGroups: brandGroupFigures(purchases),
    ...rhythmOf([...visits, ...purchases.map((p) => p.at)], rules.timeZone),
    visitsLast30Days: visits.filter((at) => now.getTime() - at.getTime() <= 30 * DAY_MS).length,
    lastVisitAt: lastVisit?.toISOString() ?? null,
    lastPurchaseAt: lastPurchase?.toISOString() ?? null,
    spendLast365Days: spend,
    purchasesLast365Days: purchases.length,
  };
}
