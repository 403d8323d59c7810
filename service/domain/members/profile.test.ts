import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { deriveProfile, favouriteCategories, localTime, rhythmOf, segmentOf, tierFor } from './profile.js';

const rules = loadConfig({}).loyalty;
const now = new Date('2026-11-24T12:00:00Z'); // a Tuesday
const daysAgo = (days: number, hourUtc = 12) => {
  const at = new Date(now.getTime() - days * 86_400_000);
  at.setUTCHours(hourUtc, 0, 0, 0);
  return at;
};
const purchase = (at: Date, amount: number, category = 'shoes') => ({ at, amount, items: [{ sku: 'x', category, quantity: 1, price: amount }] });

describe('segment', () => {
  const joined = daysAgo(200);
  it('is new for 30 days after joining, regular after, dormant after 60 days without events', () => {
    expect(segmentOf(daysAgo(10), undefined, now, 60)).toBe('new');
    expect(segmentOf(joined, daysAgo(5), now, 60)).toBe('regular');
    expect(segmentOf(joined, daysAgo(60), now, 60)).toBe('regular');
    expect(segmentOf(joined, daysAgo(61), now, 60)).toBe('dormant');
    expect(segmentOf(daysAgo(61), undefined, now, 60)).toBe('dormant');
  });

  it('moves to dormant when the clock moves on', () => {
    const input = { createdAt: joined, assignedTier: 'standard', visits: [daysAgo(1)], purchases: [] };
    expect(deriveProfile(input, now, rules).segment).toBe('regular');
    expect(deriveProfile(input, new Date(now.getTime() + 61 * 86_400_000), rules).segment).toBe('dormant');
  });
});

describe('tier', () => {
  it('follows the spend over the last year, never below the assigned tier', () => {
    expect(tierFor(0, 'standard', rules.tiers).name).toBe('standard');
    expect(tierFor(1999.99, 'standard', rules.tiers).name).toBe('standard');
    expect(tierFor(2000, 'standard', rules.tiers).name).toBe('silver');
    expect(tierFor(60_000, 'standard', rules.tiers).name).toBe('platinum');
    expect(tierFor(100, 'gold', rules.tiers).name).toBe('gold');
    expect(tierFor(100, 'unknown-tier', rules.tiers).name).toBe('standard');
  });

  it('ignores purchases older than a year', () => {
    const input = { createdAt: daysAgo(800), assignedTier: 'standard', visits: [], purchases: [purchase(daysAgo(400), 20_000), purchase(daysAgo(3), 2500)] };
    const profile = deriveProfile(input, now, rules);
    expect(profile).toMatchObject({ tier: 'silver', spendLast365Days: 2500, purchasesLast365Days: 1 });
  });
});

describe('favourite categories', () => {
  it('ranks categories by spend, with shares', () => {
    const favourites = favouriteCategories([
      { at: now, amount: 0, items: [{ sku: 'a', category: 'shoes', quantity: 2, price: 50 }, { sku: 'b', category: 'food', quantity: 1, price: 20 }] },
      { at: now, amount: 0, items: [{ sku: 'c', category: 'toys', quantity: 1, price: 30 }, { sku: 'd', category: 'books', quantity: 1, price: 10 }] },
    ]);
    expect(favourites).toEqual([
      { category: 'shoes', spend: 100, share: 0.63 },
      { category: 'toys', spend: 30, share: 0.19 },
      { category: 'food', spend: 20, share: 0.13 },
    ]);
  });
});

describe('rhythm', () => {
  it('reads hours and weekdays in the mall time zone', () => {
    // 2026-11-21 is a Saturday; 23:30 UTC is 07:30 on Sunday in Shanghai.
    expect(localTime(new Date('2026-11-21T23:30:00Z'), 'UTC')).toEqual({ hour: 23, weekend: true });
    expect(localTime(new Date('2026-11-21T23:30:00Z'), 'Asia/Shanghai')).toEqual({ hour: 7, weekend: true });
    expect(localTime(new Date('2026-11-23T23:30:00Z'), 'Asia/Shanghai')).toEqual({ hour: 7, weekend: false });
  });

  it('tags night owls and early birds only with enough events', () => {
    const evenings = [daysAgo(1, 21), daysAgo(2, 22), daysAgo(3, 21), daysAgo(4, 14)];
    expect(rhythmOf(evenings, 'UTC')).toMatchObject({ typicalVisitHour: 21, behaviourTags: expect.arrayContaining(['night-owl']) });
    expect(rhythmOf(evenings.slice(0, 2), 'UTC').behaviourTags).toEqual([]);
    const mornings = [daysAgo(1, 9), daysAgo(8, 10), daysAgo(15, 9)];
    expect(rhythmOf(mornings, 'UTC').behaviourTags).toContain('early-bird');
    expect(rhythmOf(mornings, 'UTC').behaviourTags).not.toContain('night-owl');
    expect(rhythmOf([], 'UTC')).toEqual({ typicalVisitHour: null, weekendShare: null, behaviourTags: [] });
  });

  it('tells weekend shoppers from weekday shoppers', () => {
    const saturdays = [daysAgo(3), daysAgo(10), daysAgo(17)]; // 2026-11-21, 14, 7: Saturdays
    expect(rhythmOf(saturdays, 'UTC')).toMatchObject({ weekendShare: 1, behaviourTags: ['weekend-shopper'] });
    const weekdays = [daysAgo(0), daysAgo(1), daysAgo(7)];
    expect(rhythmOf(weekdays, 'UTC')).toMatchObject({ weekendShare: 0, behaviourTags: ['weekday-shopper'] });
  });
});

describe('deriveProfile', () => {
  it('counts visits in the last 30 days and the latest events', () => {
    const input = {
      createdAt: daysAgo(90),
      assignedTier: 'standard',
      visits: [daysAgo(2), daysAgo(29), daysAgo(31), daysAgo(45)],
      purchases: [purchase(daysAgo(2), 120, 'beauty')],
    };
    const profile = deriveProfile(input, now, rules);
    expect(profile).toMatchObject({
      segment: 'regular',
      visitsLast30Days: 2,
      lastVisitAt: daysAgo(2).toISOString(),
      lastPurchaseAt: daysAgo(2).toISOString(),
      favouriteCategories: [{ category: 'beauty', spend: 120, share: 1 }],
      typicalVisitHour: 12,
    });
  });
});
