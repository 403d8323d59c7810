import { beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../testSupport/apiClient.js';
import { isolatedVisagePerFile } from '../testSupport/testVisage.js';

/** Partner programmes and points transfers, through the API against a real PostgreSQL. */
const file = isolatedVisagePerFile();
const { api } = file;
const consent = { faceRecognition: true, source: 'desk' };

beforeAll(async () => {
  const created = await api.post('/v1/partners', { id: 'skymiles', name: 'Sky Miles', pointsOut: 0.5, pointsIn: 2.5, minPoints: 10, maxPoints: 1000, tierMap: { blue: 'standard', gold: 'gold', diamond: 'platinum' } });
  expect(created.status).toBe(201);
});

async function memberWithPoints(amount: number): Promise<string> {
  const id = (await api.post('/v1/members', { name: 'Traveller', consent })).body.id;
  const purchase = await api.post(`/v1/members/${id}/purchases`, { transactionId: `P-${id}`, amount, currency: 'CNY', items: [{ sku: 's', category: 'c', quantity: 1, price: amount }] });
  expect(purchase.status).toBe(201);
  return id;
}
const balanceOf = async (id: string) => (await api.call('GET', `/v1/members/${id}/points`)).body;
const transfer = (id: string, body: Record<string, unknown>) => api.post(`/v1/members/${id}/points/transfers`, body);

describe('partner programmes', () => {
  it('refuses a second programme with the same id, a tier map naming no tier of the ladder, and limits upside down', async () => {
    expectError(await api.post('/v1/partners', { id: 'skymiles', name: 'Again', pointsOut: 1, pointsIn: 1, minPoints: 1, maxPoints: 10 }), 409, 'PARTNER_ALREADY_EXISTS');
    expectError(await api.post('/v1/partners', { id: 'bad-tier', name: 'X', pointsOut: 1, pointsIn: 1, minPoints: 1, maxPoints: 10, tierMap: { vip: 'emperor' } }), 400, 'VALIDATION_FAILED');
    expectError(await api.post('/v1/partners', { id: 'upside', name: 'X', pointsOut: 1, pointsIn: 1, minPoints: 50, maxPoints: 10 }), 400, 'VALIDATION_FAILED');
    expectError(await api.post('/v1/partners', { id: 'fine', name: 'X', pointsOut: 0.1234567, pointsIn: 1, minPoints: 1, maxPoints: 10 }), 400, 'VALIDATION_FAILED');
    expect((await api.call('GET', '/v1/partners')).body.partners.map((p: { id: string }) => p.id)).toEqual(['skymiles']);
    expectError(await api.call('GET', '/v1/partners/nobody'), 404, 'PARTNER_NOT_FOUND');
  });
});

describe('points transfers', () => {
  it('converts at the rate, rounds down and says so, replays by transferId, and records the ledger and the event together', async () => {
    // Events are kept for the subscriptions that want them (the outbox).
    expect((await api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/hooks', events: ['points.transferred'] })).status).toBe(201);
    const id = await memberWithPoints(300);
    const before = await balanceOf(id);
    expect(before.balance).toBe(300);
    const out = await transfer(id, { transferId: 'T-OUT-1', partnerId: 'skymiles', direction: 'out', points: 101 });
    expect(out.status).toBe(201);
    expect(out.body).toMatchObject({ direction: 'out', points: 101, rate: 0.5, memberPoints: 101, partnerPoints: 50, roundedOff: 0.5, pointsBalance: 199, limits: { minPoints: 10, maxPoints: 1000 } });
    const again = await transfer(id, { transferId: 'T-OUT-1', partnerId: 'skymiles', direction: 'out', points: 101 });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(out.body);
    expectError(await transfer(id, { transferId: 'T-OUT-1', partnerId: 'skymiles', direction: 'out', points: 102 }), 409, 'TRANSACTION_CONFLICT');

    const received = await transfer(id, { transferId: 'T-IN-1', partnerId: 'skymiles', direction: 'in', points: 41 });
    expect(received.body).toMatchObject({ direction: 'in', points: 41, rate: 2.5, memberPoints: 102, partnerPoints: 41, roundedOff: 0.5, pointsBalance: 301 });
    const after = await balanceOf(id);
    expect(after).toMatchObject({ balance: 301, earned: 402, transferredOut: 101, spent: 0 });
    const { rows } = await file.service.sql.query("SELECT payload::jsonb->'data' AS data FROM outbox_events WHERE type = 'points.transferred' AND member_id = $1 ORDER BY seq", [id]);
    expect(rows.map((r) => r.data)).toEqual([
      { memberId: id, transferId: 'T-OUT-1', partnerId: 'skymiles', direction: 'out', points: 101, partnerPoints: 50, pointsBalance: 199 },
      { memberId: id, transferId: 'T-IN-1', partnerId: 'skymiles', direction: 'in', points: 102, partnerPoints: 41, pointsBalance: 301 },
    ]);
  });

  it('refuses an unknown partner, a transfer outside the limits or over the balance, and changes nothing', async () => {
    const id = await memberWithPoints(50);
    expectError(await transfer(id, { transferId: 'T-X-1', partnerId: 'nobody', direction: 'out', points: 20 }), 404, 'PARTNER_NOT_FOUND');
    expectError(await transfer(id, { transferId: 'T-X-2', partnerId: 'skymiles', direction: 'out', points: 9 }), 422, 'TRANSFER_OUT_OF_LIMITS');
    expectError(await transfer(id, { transferId: 'T-X-3', partnerId: 'skymiles', direction: 'in', points: 1001 }), 422, 'TRANSFER_OUT_OF_LIMITS');
    expectError(await transfer(id, { transferId: 'T-X-4', partnerId: 'skymiles', direction: 'out', points: 51 }), 409, 'INSUFFICIENT_POINTS');
    expectError(await transfer(id, { transferId: 'T-X-5', partnerId: 'skymiles', direction: 'sideways', points: 20 }), 400, 'VALIDATION_FAILED');
    expectError(await transfer('6b0f0a34-9a5e-4c1e-8d1a-1c2b3d4e5f60', { transferId: 'T-X-6', partnerId: 'skymiles', direction: 'in', points: 20 }), 404, 'MEMBER_NOT_FOUND');
    expect((await balanceOf(id)).balance).toBe(50);
    const { rows } = await file.service.sql.query('SELECT count(*)::int AS n FROM point_transfers WHERE member_id = $1', [id]);
    expect(rows[0].n).toBe(0);
  });

  it('lets concurrent transfers spend each point once, and one transfer id take effect once', async () => {
    const id = await memberWithPoints(100);
    const distinct = await Promise.all(Array.from({ length: 8 }, (_, i) => transfer(id, { transferId: `T-C-${i}`, partnerId: 'skymiles', direction: 'out', points: 30 })));
    expect(distinct.filter((r) => r.status === 201)).toHaveLength(3);
    expect(distinct.filter((r) => r.status === 409).every((r) => r.body.error.code === 'INSUFFICIENT_POINTS')).toBe(true);
    const same = await Promise.all(Array.from({ length: 6 }, () => transfer(id, { transferId: 'T-SAME', partnerId: 'skymiles', direction: 'in', points: 10 })));
    expect(same.filter((r) => r.status === 201)).toHaveLength(1);
    expect(same.filter((r) => r.status === 200)).toHaveLength(5);
    expect((await balanceOf(id)).balance).toBe(100 - 90 + 25);
    const { rows } = await file.service.sql.query("SELECT count(*)::int AS n FROM points_ledger WHERE member_id = $1 AND reason = 'transfer'", [id]);
    expect(rows[0].n).toBe(3 + 1);
  });
});

describe('tier matching', () => {
  it("starts a new member at the tier their partner level maps to, as a floor, and refuses an unknown level", async () => {
    const gold = await api.post('/v1/members', { name: 'Gold Flyer', consent, partnerLevel: { partnerId: 'skymiles', level: 'gold' } });
    expect(gold.status).toBe(201);
    expect(gold.body.tier).toBe('gold');
    // A higher tier asked for stays; a lower mapped level does not lower it.
    const asked = await api.post('/v1/members', { name: 'Platinum', tier: 'platinum', consent, partnerLevel: { partnerId: 'skymiles', level: 'blue' } });
    expect(asked.body.tier).toBe('platinum');
    expect((await api.call('GET', `/v1/members/${gold.body.id}`)).body.profile.tier).toBe('gold');
    expectError(await api.post('/v1/members', { name: 'X', consent, partnerLevel: { partnerId: 'skymiles', level: 'bronze' } }), 400, 'VALIDATION_FAILED');
    expectError(await api.post('/v1/members', { name: 'X', consent, partnerLevel: { partnerId: 'nobody', level: 'gold' } }), 404, 'PARTNER_NOT_FOUND');

    const { rows } = await file.service.sql.query("INSERT INTO members (kind, expires_at) VALUES ('visitor', now() + interval '30 days') RETURNING id");
    const converted = await api.post(`/v1/members/${rows[0].id}/convert`, { phone: '+8613900001111', consent, partnerLevel: { partnerId: 'skymiles', level: 'diamond' } });
    expect(converted.status).toBe(200);
    expect(converted.body).toMatchObject({ kind: 'member', tier: 'platinum' });
  });
});
