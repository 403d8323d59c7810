import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../access/apiKeys.js';
import { MemberMergeRepository } from '../../repositories/memberMergeRepository.js';
import { rowsOf, startTestServices, type TestServices } from '../../testSupport/testServices.js';

/**
 * The till's loyalty loop through the domain services against the real PostgreSQL, without HTTP:
 * lots and their expiry under a moved clock, redemptions spent by a recognition, refunds after
 * spending, campaigns and coupons, races between tills, replays, and the ledger left unchanged by
 * every refusal.
 */

let t: TestServices;
const DAY_MS = 86_400_000;

beforeAll(async () => {
  // Lots expire a month after they are earned here, so a moved clock reaches the expiry.
  t = await startTestServices({ POINTS_EXPIRE_MONTHS: '1' });
  // The outbox keeps only events some subscription wants (none is sent here: no workers run).
  const events = ['points.redeemed', 'points.expiring', 'points.expired', 'purchase.refunded', 'coupon.issued', 'coupon.redeemed'] as const;
  await t.services.webhooks.create({ url: 'http://127.0.0.1:9/crm', events: [...events] });
});

/** Runs `work` with the services' clock moved by `ms`, and moves it back whatever happens. */
async function withClockMoved<T>(ms: number, work: () => Promise<T>): Promise<T> {
  t.advanceClock(ms);
  try {
    return await work();
  } finally {
    t.advanceClock(-ms);
  }
}
afterAll(async () => {
  await t?.close();
});

const till: Principal = { keyId: randomUUID(), name: 'till 1', role: 'pos', mallId: 'default', storeId: null };
const serviceDesk: Principal = { keyId: randomUUID(), name: 'desk', role: 'operator', mallId: null, storeId: null };
const otherTill: Principal = { ...till, keyId: randomUUID(), name: 'till 2' };

const newMember = async (body: Record<string, unknown> = {}) =>
  (await t.services.members.create({ name: 'Shopper', consent: { faceRecognition: true, source: 'desk' }, ...body })).id;

const purchase = (transactionId: string, amount: number, extra: Record<string, unknown> = {}) => ({
  transactionId,
  amount,
  currency: 'CNY',
  items: [{ sku: 'TEA-01', category: 'tea', quantity: 1, price: amount }],
  ...extra,
});

/** A unit vector of the running model's size: a face as a till's identify would have named it. */
function descriptor(): number[] {
  const v = Array.from({ length: t.config.faceModel.dimension }, () => Math.random() - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** A recognition of `memberId`'s face at a till (what identify mints for a pos key). */
async function recognised(memberId: string | null, at: Principal = till): Promise<string> {
  const [id] = await t.services.recognitions.mint({ keyId: at.keyId, mallId: at.mallId!, storeId: at.storeId }, [{ descriptor: descriptor(), memberId, via: null, liveness: true }]);
  return id!;
}

const ledgerOf = async (memberId: string) =>
  (await t.pool.query('SELECT id, delta, reason, lot_id FROM points_ledger WHERE member_id = $1 ORDER BY id', [memberId])).rows;
const eventsOf = async (memberId: string, type: string) =>
  (await t.pool.query('SELECT payload FROM outbox_events WHERE member_id = $1 AND type = $2 ORDER BY seq', [memberId, type])).rows.map((r) => r.payload.data);

describe('points as lots, spent oldest first by the face at the till', () => {
  it('redeems from the oldest lots, answers a replay with the first receipt, and refuses a reused id', async () => {
    const memberId = await newMember();
    const first = await t.services.purchases.record(memberId, purchase(`lots-1:${memberId}`, 100, { at: new Date(Date.now() - 3 * DAY_MS).toISOString() }));
    const second = await t.services.purchases.record(memberId, purchase(`lots-2:${memberId}`, 50));
    expect(first.receipt.pointsExpireAt).not.toBeNull();
    expect(second.receipt.pointsBalance).toBe(150);

    const request = { redemptionId: `r-1:${memberId}`, points: 120, recognitionId: await recognised(memberId) };
    const spent = await t.services.points.redeem(memberId, request, till);
    expect(spent.replayed).toBe(false);
    expect(spent.receipt).toMatchObject({ points: 120, pointsBalance: 30, recognition: { id: request.recognitionId, liveness: true } });
    // The older lot (100) is drawn first and emptied, then 20 of the newer.
    expect(spent.receipt.lots.map((l) => l.points)).toEqual([100, 20]);
    expect(await t.services.points.redeem(memberId, request, till)).toEqual({ replayed: true, receipt: spent.receipt });
    await expect(t.services.points.redeem(memberId, { ...request, points: 5 }, till)).rejects.toMatchObject({ code: 'TRANSACTION_CONFLICT' });
    const points = await t.services.points.pointsOf(memberId);
    expect(points).toMatchObject({ balance: 30, earned: 150, spent: 120, expired: 0, reversed: 0 });
    expect(points.lots.map((l) => l.remaining)).toEqual([30]);
    expect(await eventsOf(memberId, 'points.redeemed')).toEqual([expect.objectContaining({ points: 120, pointsBalance: 30 })]);
  });

  it('refuses without a live recognition of this member, and a refusal changes nothing', async () => {
    const memberId = await newMember();
    const stranger = await newMember();
    await t.services.purchases.record(memberId, purchase(`rq-1:${memberId}`, 80));
    const before = await ledgerOf(memberId);
    const redeem = (extra: Record<string, unknown>, by: Principal | undefined = till) => t.services.points.redeem(memberId, { redemptionId: `rq:${randomUUID()}`, points: 10, ...extra }, by);

    await expect(redeem({})).rejects.toMatchObject({ code: 'RECOGNITION_REQUIRED' });
    await expect(redeem({ recognitionId: await recognised(stranger) })).rejects.toMatchObject({ code: 'RECOGNITION_REQUIRED' });
    await expect(redeem({ recognitionId: await recognised(null) })).rejects.toMatchObject({ code: 'RECOGNITION_REQUIRED' });
    await expect(redeem({ recognitionId: await recognised(memberId, otherTill) })).rejects.toMatchObject({ code: 'RECOGNITION_NOT_FOUND' });
    await expect(redeem({ recognitionId: randomUUID() })).rejects.toMatchObject({ code: 'RECOGNITION_NOT_FOUND' });
    const tooMany = await recognised(memberId);
    await expect(redeem({ recognitionId: tooMany, points: 81 })).rejects.toMatchObject({ code: 'INSUFFICIENT_POINTS', details: { balance: 80, requested: 81 } });
    await expect(t.services.points.redeem(randomUUID(), { redemptionId: 'x', points: 1 }, till)).rejects.toMatchObject({ code: 'MEMBER_NOT_FOUND' });
    expect(await ledgerOf(memberId)).toEqual(before);

    // The recognition refused for too many points was not spent: it still pays for a right amount, once.
    await redeem({ recognitionId: tooMany });
    await expect(redeem({ recognitionId: tooMany })).rejects.toMatchObject({ code: 'RECOGNITION_USED' });
    const late = await recognised(memberId);
    await withClockMoved((t.config.recognition.recognitionTtlSeconds + 1) * 1000, async () => {
      await expect(redeem({ recognitionId: late })).rejects.toMatchObject({ code: 'RECOGNITION_EXPIRED' });
    });
    // A back-office key (not a till) may correct a balance without a face.
    await expect(redeem({}, serviceDesk)).resolves.toMatchObject({ receipt: { pointsBalance: 60, recognition: null } });
  });

  it('lets exactly one of two tills spend the same points at once', async () => {
    const memberId = await newMember();
    await t.services.purchases.record(memberId, purchase(`race-1:${memberId}`, 100));
    const attempts = await Promise.allSettled(
      [0, 1, 2, 3].map(async (n) => t.services.points.redeem(memberId, { redemptionId: `race:${memberId}:${n}`, points: 70, recognitionId: await recognised(memberId) }, till)),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const refused of attempts.filter((a) => a.status === 'rejected')) expect((refused).reason).toMatchObject({ code: 'INSUFFICIENT_POINTS' });
    expect(await t.services.points.pointsOf(memberId)).toMatchObject({ balance: 30, spent: 70 });
  });

  it('announces a lot 30 days before it expires, once, then expires what is left of it', async () => {
    const memberId = await newMember();
    await t.services.purchases.record(memberId, purchase(`exp-1:${memberId}`, 40));
    await t.services.points.redeem(memberId, { redemptionId: `exp-r:${memberId}`, points: 15 }, serviceDesk);
    const lot = (await t.services.points.pointsOf(memberId)).lots[0]!;
    const untilExpiry = Date.parse(lot.expiresAt!) - Date.now();
    await withClockMoved(untilExpiry - 10 * DAY_MS, async () => {
      // Ten days before: the member's answer says so, and the notice goes once.
      expect((await t.services.members.get(memberId)).profile.pointsExpiring).toEqual([{ points: 25, expiresAt: lot.expiresAt }]);
      await t.services.points.announceExpiring();
      await t.services.points.announceExpiring();
      expect(await eventsOf(memberId, 'points.expiring')).toEqual([expect.objectContaining({ points: 25, expiresAt: lot.expiresAt })]);
      expect(await eventsOf(memberId, 'points.expired')).toEqual([]);
    });
    await withClockMoved(untilExpiry + 1000, async () => {
      await t.services.points.expireDue();
      await t.services.points.expireDue();
      expect(await eventsOf(memberId, 'points.expired')).toEqual([expect.objectContaining({ points: 25, pointsBalance: 0 })]);
      expect(await t.services.points.pointsOf(memberId)).toMatchObject({ balance: 0, earned: 40, spent: 15, expired: 25, lots: [] });
    });
    // Expiry appended a debit; nothing was changed in place.
    expect((await ledgerOf(memberId)).map((e) => [e.delta, e.reason])).toEqual([
      [40, 'purchase'],
      [-15, 'redemption'],
      [-25, 'expiry'],
    ]);
  });
});

describe('refunds', () => {
  it('reverse points in proportion across parts, never past the purchase, and report what was already spent', async () => {
    const memberId = await newMember();
    const tx = `rf-1:${memberId}`;
    await t.services.purchases.record(memberId, purchase(tx, 99.99)); // 99 points
    const refund = (refundId: string, amount: number) => t.services.refunds.refund(memberId, tx, { refundId, amount });
    const a = await refund(`rf-a:${memberId}`, 33.33);
    expect(a.receipt).toMatchObject({ pointsReversed: 33, pointsUnrecoverable: 0, refundable: 66.66, pointsBalance: 66 });
    expect(await refund(`rf-a:${memberId}`, 33.33)).toEqual({ replayed: true, receipt: a.receipt });
    await expect(refund(`rf-a:${memberId}`, 10)).rejects.toMatchObject({ code: 'TRANSACTION_CONFLICT' });
    const before = await ledgerOf(memberId);
    await expect(refund(`rf-b:${memberId}`, 66.67)).rejects.toMatchObject({ code: 'REFUND_EXCEEDS_PURCHASE', details: { refundable: 66.66 } });
    await expect(t.services.refunds.refund(memberId, 'no-such-purchase', { refundId: `rf-c:${memberId}`, amount: 1 })).rejects.toMatchObject({ code: 'PURCHASE_NOT_FOUND' });
    expect(await ledgerOf(memberId)).toEqual(before);

    // 60 of the 66 left are spent; the rest of the purchase is refunded: 66 owed, 6 there.
    await t.services.points.redeem(memberId, { redemptionId: `rf-r:${memberId}`, points: 60 }, serviceDesk);
    const rest = await refund(`rf-d:${memberId}`, 66.66);
    expect(rest.receipt).toMatchObject({ pointsReversed: 6, pointsUnrecoverable: 60, refundable: 0, pointsBalance: 0 });
    expect(await eventsOf(memberId, 'purchase.refunded')).toHaveLength(2);
    // Spend for tiers is net of refunds.
    expect((await t.services.members.get(memberId)).profile.spendLast365Days).toBe(0);
  });

  it("take a refund's points from the purchase's own lot first", async () => {
    const memberId = await newMember();
    await t.services.purchases.record(memberId, purchase(`own-1:${memberId}`, 30, { at: new Date(Date.now() - DAY_MS).toISOString() }));
    await t.services.purchases.record(memberId, purchase(`own-2:${memberId}`, 50));
    await t.services.refunds.refund(memberId, `own-2:${memberId}`, { refundId: `own-r:${memberId}`, amount: 50 });
    expect((await t.services.points.pointsOf(memberId)).lots.map((l) => [l.transactionId, l.remaining])).toEqual([[`own-1:${memberId}`, 30]]);
  });
});

describe('campaigns and coupons', () => {

  it('refuses a campaign that contradicts itself, and writes nothing', async () => {
    const count = async () => (await t.pool.query('SELECT count(*)::int AS n FROM campaigns')).rows[0].n;
    const before = await count();
    const refused = [
      { name: 'x', trigger: 'visit', conditions: { minAmount: 10 }, limits: {}, effect: { bonusPoints: 5 } },
      { name: 'x', trigger: 'birthday', conditions: {}, limits: {}, effect: { pointsMultiplier: 2 } },
      { name: 'x', trigger: 'purchase', conditions: { validFrom: '2027-02-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' }, limits: {}, effect: { bonusPoints: 5 } },
      { name: 'x', trigger: 'purchase', conditions: { hours: { from: 18, to: 10 } }, limits: {}, effect: { bonusPoints: 5 } },
      { name: 'x', trigger: 'purchase', conditions: { tiers: ['diamond'] }, limits: {}, effect: { bonusPoints: 5 } },
      { name: 'x', trigger: 'purchase', conditions: {}, limits: {}, effect: { coupon: { title: 'x', kind: 'percent_off', value: 150, validDays: 5 } } },
      { name: 'x', trigger: 'enrollment', conditions: { storeIds: ['s-1'] }, limits: {}, effect: { bonusPoints: 5 } },
    ] as const;
    for (const definition of refused) {
      await expect(t.services.campaigns.create(definition as never)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    await expect(t.services.campaigns.create({ name: 'x', trigger: 'purchase', conditions: { storeIds: ['nowhere'] }, limits: {}, effect: { bonusPoints: 5 } })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
    expect(await count()).toBe(before);
  });

  it('issues coupons in the purchase that triggers them, within limits, spends one once, and never on a replay', async () => {
    const campaign = await t.services.campaigns.create({
      name: 'Tea lovers',
      trigger: 'purchase',
      conditions: { categories: ['tea'], minAmount: 20 },
      limits: { perMember: { count: 1, period: 'month' } },
      effect: { coupon: { title: '10 off tea', kind: 'amount_off', value: 10, validDays: 30, minSpend: 30, categories: ['tea'] } },
    });
    const multiplier = await t.services.campaigns.create({ name: 'Double tea', trigger: 'purchase', conditions: { categories: ['tea'] }, limits: {}, effect: { pointsMultiplier: 2 } });
    try {
      const memberId = await newMember();
      const first = await t.services.purchases.record(memberId, purchase(`cp-1:${memberId}`, 25));
      expect(first.receipt.points).toBe(50); // 25 and as many again from the multiplier
      const [coupon] = first.receipt.campaigns.filter((c) => c.couponId);
      expect(coupon).toMatchObject({ campaignId: campaign.id });
      // The per-member limit: a second purchase this month issues none.
      const second = await t.services.purchases.record(memberId, purchase(`cp-2:${memberId}`, 25));
      expect(second.receipt.campaigns.filter((c) => c.couponId)).toEqual([]);
      expect(await t.services.coupons.ofMember(memberId, { mallId: 'default' })).toHaveLength(1);

      const use = (transactionId: string, amount: number, recognitionId?: string) =>
        t.services.purchases.record(memberId, purchase(transactionId, amount, { coupons: [coupon!.couponId!], ...(recognitionId ? { recognitionId } : {}) }), till);
      await expect(use(`cp-3:${memberId}`, 40)).rejects.toMatchObject({ code: 'RECOGNITION_REQUIRED' });
      await expect(use(`cp-3:${memberId}`, 20, await recognised(memberId))).rejects.toMatchObject({ code: 'COUPON_NOT_USABLE', details: { reason: 'min_spend' } });
      const recognitionId = await recognised(memberId);
      const used = await use(`cp-3:${memberId}`, 40, recognitionId);
      expect(used.receipt.coupons).toEqual([{ couponId: coupon!.couponId, title: '10 off tea', kind: 'amount_off', discount: 10 }]);
      expect(await use(`cp-3:${memberId}`, 40, recognitionId)).toEqual({ replayed: true, receipt: used.receipt });
      await expect(use(`cp-4:${memberId}`, 40, await recognised(memberId))).rejects.toMatchObject({ code: 'COUPON_NOT_USABLE', details: { reason: 'used' } });
      expect(await eventsOf(memberId, 'coupon.redeemed')).toHaveLength(1);
      expect(await eventsOf(memberId, 'coupon.issued')).toHaveLength(1);

      // Another member cannot use it: it reads as unknown.
      const other = await newMember();
      await expect(
        t.services.purchases.record(other, purchase(`cp-5:${other}`, 40, { coupons: [coupon!.couponId!], recognitionId: await recognised(other) }), till),
      ).rejects.toMatchObject({ code: 'COUPON_NOT_USABLE', details: { reason: 'unknown' } });
      expect((await t.services.campaigns.get(campaign.id)).stats).toMatchObject({ couponsIssued: 1, couponsUsed: 1 });
    } finally {
      await t.services.campaigns.update(campaign.id, { status: 'ended' });
      await t.services.campaigns.update(multiplier.id, { status: 'ended' });
    }
  });

  it('lets one of two tills use the same coupon at once', async () => {
    const campaign = await t.services.campaigns.create({ name: 'Welcome', trigger: 'enrollment', conditions: {}, limits: {}, effect: { coupon: { title: '5 off', kind: 'amount_off', value: 5, validDays: 10 } } });
    try {
      const memberId = await newMember();
      // The enrollment trigger's effect, as the first face's transaction applies it.
      await t.services.campaignEngine.onFirstFace((await t.services.repositories.members.findById(memberId))!, t.pool);
      const [coupon] = await t.services.coupons.ofMember(memberId, { mallId: 'default' });
      const attempts = await Promise.allSettled(
        [0, 1].map(async (n) => t.services.purchases.record(memberId, purchase(`dbl-${n}:${memberId}`, 30, { coupons: [coupon!.id], recognitionId: await recognised(memberId) }), till)),
      );
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      expect(attempts.find((a) => a.status === 'rejected')).toMatchObject({ reason: { code: 'COUPON_NOT_USABLE', details: { reason: 'used' } } });
    } finally {
      await t.services.campaigns.update(campaign.id, { status: 'ended' });
    }
  });

  it('keeps to a total limit, and gives birthday points once a year', async () => {
    const total = await t.services.campaigns.create({ name: 'First two visits', trigger: 'purchase', conditions: {}, limits: { total: 2 }, effect: { bonusPoints: 7 } });
    const birthday = await t.services.campaigns.create({ name: 'Birthday', trigger: 'birthday', conditions: {}, limits: {}, effect: { bonusPoints: 100 } });
    try {
      const members = await Promise.all([0, 1, 2].map(() => newMember()));
      const receipts = await Promise.all(members.map((m) => t.services.purchases.record(m, purchase(`tot:${m}`, 1))));
      expect(receipts.map((r) => r.receipt.points).sort()).toEqual([1, 8, 8]);

      const today = new Date().toISOString().slice(5, 10); // MALL_TIMEZONE is UTC here
      const born = await newMember({ birthday: `1990-${today}` });
      await t.services.campaignEngine.birthdays();
      await t.services.campaignEngine.birthdays();
      expect(await t.services.points.pointsOf(born)).toMatchObject({ balance: 100 });
    } finally {
      await t.services.campaigns.update(total.id, { status: 'ended' });
      await t.services.campaigns.update(birthday.id, { status: 'ended' });
    }
  });

  it("moves a merged member's lots with their expiry, and a purge leaves nothing of the loyalty loop", async () => {
    const campaign = await t.services.campaigns.create({ name: 'Coupon', trigger: 'purchase', conditions: {}, limits: {}, effect: { coupon: { title: '1 off', kind: 'amount_off', value: 1, validDays: 9 } } });
    try {
      const kept = await newMember();
      const dropped = await newMember();
      await t.services.purchases.record(kept, purchase(`mg-1:${kept}`, 10));
      const old = new Date(Date.now() - 5 * DAY_MS).toISOString();
      await t.services.purchases.record(dropped, purchase(`mg-2:${dropped}`, 30, { at: old }));
      await t.services.points.redeem(dropped, { redemptionId: `mg-r:${dropped}`, points: 5 }, serviceDesk);
      await t.services.refunds.refund(dropped, `mg-2:${dropped}`, { refundId: `mg-f:${dropped}`, amount: 3 });
      const droppedLot = (await t.services.points.pointsOf(dropped)).lots[0]!;
      await new MemberMergeRepository().moveHistory(dropped, kept, t.pool);
      const merged = await t.services.points.pointsOf(kept);
      // The dropped member's lot (30, less 5 spent and 3 reversed) comes first: it is older, and keeps its expiry.
      expect(merged.lots.map((l) => [l.remaining, l.expiresAt])).toEqual([
        [22, droppedLot.expiresAt],
        [10, expect.any(String)],
      ]);
      await t.services.members.purge(kept);
      await t.services.members.purge(dropped);
      for (const memberId of [kept, dropped]) {
        expect(Object.entries(await rowsOf(t.pool, memberId)).filter(([, n]) => n > 0)).toEqual([]);
      }
    } finally {
      await t.services.campaigns.update(campaign.id, { status: 'ended' });
    }
  });

  it('holds the ledger invariant for every member', async () => {
    expect((await t.services.repositories.ledger.invariantViolations()).violations).toEqual([]);
  });
});
