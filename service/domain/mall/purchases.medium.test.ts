import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServices, type TestServices } from '../../testSupport/testServices.js';

/** Purchases and points through the service, against the real PostgreSQL, without HTTP. */

let t: TestServices;
beforeAll(async () => {
  t = await startTestServices();
});
afterAll(async () => {
  await t?.close();
});

const newMember = async () => (await t.services.members.create({ name: 'Shopper', consent: { faceRecognition: true, source: 'desk' } })).id;
const purchase = (transactionId: string, amount = 100) => ({
  transactionId,
  amount,
  currency: 'CNY',
  items: [{ sku: 'TEA-01', category: 'tea', quantity: 1, price: amount }],
});

/** The digest the service stored before it used a library for canonical JSON: kept as the reference. */
function legacyDigest(value: unknown): string {
  const canonical = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
    if (v && typeof v === 'object') {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
      return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
    }
    return JSON.stringify(v);
  };
  return createHash('sha256').update(canonical(value)).digest('hex');
}

describe('purchases (medium)', () => {
  it('accrues points once per transaction id and answers a replay with the first receipt', async () => {
    const memberId = await newMember();
    const first = await t.services.purchases.record(memberId, purchase('till-1:0001', 128.5));
    expect(first).toMatchObject({ replayed: false, receipt: { points: 128, pointsBalance: 128, tier: 'standard' } });
    const again = await t.services.purchases.record(memberId, purchase('till-1:0001', 128.5));
    expect(again).toEqual({ replayed: true, receipt: first.receipt });
    await expect(t.services.purchases.record(memberId, purchase('till-1:0001', 99))).rejects.toMatchObject({ code: 'TRANSACTION_CONFLICT' });
    const { rows } = await t.pool.query('SELECT sum(delta)::int AS points FROM points_ledger WHERE member_id = $1', [memberId]);
    expect(rows[0].points).toBe(128);
  });

  it('keeps a purchase stored under the old digest a replay, not a conflict', async () => {
    const memberId = await newMember();
    const request = purchase('till-2:0001', 20);
    const { receipt } = await t.services.purchases.record(memberId, request);
    await t.pool.query('UPDATE purchases SET request_hash = $1 WHERE transaction_id = $2', [legacyDigest({ memberId, ...request }), request.transactionId]);
    expect(await t.services.purchases.record(memberId, { ...request })).toEqual({ replayed: true, receipt });
  });

  it('refuses another currency, a time in the future and an unknown member, writing nothing', async () => {
    const memberId = await newMember();
    await expect(t.services.purchases.record(memberId, { ...purchase('till-3:0001'), currency: 'EUR' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    await expect(t.services.purchases.record(memberId, { ...purchase('till-3:0002'), at: future })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(t.services.purchases.record('6b0f0a34-9a5e-4c1e-8d1a-1c2b3d4e5f60', purchase('till-3:0003'))).rejects.toMatchObject({ code: 'MEMBER_NOT_FOUND' });
    const { rows } = await t.pool.query("SELECT count(*)::int AS n FROM purchases WHERE transaction_id LIKE 'till-3:%'");
    expect(rows[0].n).toBe(0);
  });

  it('pages the history newest first', async () => {
    const memberId = await newMember();
    for (const [n, at] of ['2026-11-01T10:00:00Z', '2026-11-02T10:00:00Z', '2026-11-03T10:00:00Z'].entries()) {
      await t.services.purchases.record(memberId, { ...purchase(`till-4:000${n}`), at });
    }
    const first = await t.services.purchases.history(memberId, 2);
    expect(first.items.map((p) => p.transactionId)).toEqual(['till-4:0002', 'till-4:0001']);
    expect(first.nextCursor).not.toBeNull();
  });
});
