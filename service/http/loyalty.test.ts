import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectError } from '../testSupport/apiClient.js';
import { cropFace, PERSON_A, PERSON_B } from '../testSupport/facePhotos.js';
import { PointsLedgerRepository } from '../repositories/pointsLedgerRepository.js';
import { ADMIN_AUTH, type IsolatedVisage, startIsolatedVisage } from '../testSupport/testVisage.js';

/**
 * The till's whole loop over HTTP, against the real PostgreSQL and models: a face identified at a
 * till carries its recognition and offers; points are spent with that recognition only; a coupon
 * a campaign issued is used once; a return reverses the points; an entrance camera's visit
 * triggers a visit campaign; and every bad request answers its code and leaves the ledger as it was.
 */

let service: IsolatedVisage;
const admin = apiClient(() => service.visage.url, ADMIN_AUTH);
const as = (key: string) => apiClient(() => service.visage.url, { authorization: `Bearer ${key}` });
const consent = { faceRecognition: true, source: 'service-desk' };

let till: ReturnType<typeof as>;
let otherTill: ReturnType<typeof as>;
let desk: ReturnType<typeof as>;
let memberA: string;
let descriptorA: number[];
let memberB: string;

async function keyFor(body: Record<string, unknown>): Promise<string> {
  const created = await admin.post('/v1/keys', body);
  expect(created.status).toBe(201);
  return created.body.key as string;
}

async function enrolled(face: typeof PERSON_A, body: Record<string, unknown> = {}): Promise<string> {
  const created = await admin.post('/v1/members', { consent, ...body });
  expect(created.status).toBe(201);
  expect((await admin.postImage(`/v1/members/${created.body.id}/faces`, await cropFace(face))).status).toBe(201);
  return created.body.id as string;
}

/** A till's identify of the member's enrolled face (as its descriptor): the one face of the answer. */
async function identifyAt(at: ReturnType<typeof as>, descriptor: number[]) {
  const res = await at.post('/v1/identify', { descriptor });
  expect(res.status).toBe(200);
  return res.body.faces[0];
}

const ledger = async (memberId: string) => (await service.sql.query('SELECT id, delta, reason, lot_id FROM points_ledger WHERE member_id = $1 ORDER BY id', [memberId])).rows;
const purchase = (transactionId: string, amount: number, extra: Record<string, unknown> = {}) => ({
  transactionId,
  amount,
  currency: 'CNY',
  items: [{ sku: 'SH-1', category: 'shoes', quantity: 1, price: amount }],
  ...extra,
});

beforeAll(async () => {
  service = await startIsolatedVisage({ LIVENESS_DEFAULT_POS: 'off', POINTS_EXPIRE_MONTHS: '12' });
  await service.visage.modelsReady;
  expect((await admin.post('/v1/stores', { id: 'shoes-1', mallId: 'default', name: 'Shoes' })).status).toBe(201);
  till = as(await keyFor({ role: 'pos', name: 'shoes till', storeId: 'shoes-1' }));
  otherTill = as(await keyFor({ role: 'pos', name: 'coffee till' }));
  desk = as(await keyFor({ role: 'operator', name: 'service desk' }));
  memberA = await enrolled(PERSON_A, { name: 'A', birthday: '03-14' });
  memberB = await enrolled(PERSON_B, { name: 'B' });
  descriptorA = (await admin.get(`/v1/members/${memberA}/faces/descriptors`)).body.faces[0].descriptor;
}, 120_000);

afterAll(() => service?.close());

describe("the till's loop", () => {
  it('identify → offers → purchase with a coupon → points → redeem by the same face → refund', async () => {
    // A campaign gives a coupon for a first purchase over 100; a second one doubles shoe points.
    const couponCampaign = await desk.post('/v1/campaigns', {
      name: 'Welcome back',
      trigger: 'purchase',
      conditions: { minAmount: 100 },
      limits: { perMember: { count: 1, period: 'campaign' } },
      effect: { coupon: { title: '20 off shoes', kind: 'amount_off', value: 20, validDays: 30, minSpend: 50, categories: ['shoes'] } },
    });
    expect(couponCampaign.status).toBe(201);
    expect(couponCampaign.body).toMatchObject({ status: 'active', stats: { awards: 0, couponsIssued: 0, couponsUsed: 0 } });

    const first = await till.post(`/v1/members/${memberA}/purchases`, purchase('shoes-1:0001', 120));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ points: 120, pointsBalance: 120, campaigns: [{ campaignId: couponCampaign.body.id, points: 0 }], coupons: [] });
    const couponId = first.body.campaigns[0].couponId as string;

    // Recognised at the till: the recognition, and the coupon among the offers.
    const face = await identifyAt(till, descriptorA);
    expect(face.match.memberId).toBe(memberA);
    expect(face.recognitionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(face.offers.coupons).toEqual([expect.objectContaining({ id: couponId, title: '20 off shoes', kind: 'amount_off', value: 20 })]);
    expect(face.profile).toMatchObject({ pointsBalance: 120, pointsExpiring: [] });
    // An operator's identify (not a till) carries no offers.
    expect((await desk.post('/v1/identify', { descriptor: descriptorA })).body.faces[0].offers).toBeUndefined();

    // The coupon is used in a purchase with that recognition; it is spent once.
    const second = await till.post(`/v1/members/${memberA}/purchases`, purchase('shoes-1:0002', 80, { coupons: [couponId], recognitionId: face.recognitionId }));
    expect(second.status).toBe(201);
    expect(second.body.coupons).toEqual([{ couponId, title: '20 off shoes', kind: 'amount_off', discount: 20 }]);
    const replay = await till.post(`/v1/members/${memberA}/purchases`, purchase('shoes-1:0002', 80, { coupons: [couponId], recognitionId: face.recognitionId }));
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(second.body);
    const again = await identifyAt(till, descriptorA);
    expectError(await till.post(`/v1/members/${memberA}/purchases`, purchase('shoes-1:0003', 80, { coupons: [couponId], recognitionId: again.recognitionId })), 409, 'COUPON_NOT_USABLE');
    expect((await desk.get(`/v1/campaigns/${couponCampaign.body.id}`)).body.stats).toMatchObject({ couponsIssued: 1, couponsUsed: 1 });

    // Points spent by the face: the recognition is single use.
    const redeemed = await till.post(`/v1/members/${memberA}/redemptions`, { redemptionId: 'shoes-1:r-0001', points: 150, recognitionId: again.recognitionId });
    expect(redeemed.status).toBe(201);
    expect(redeemed.body).toMatchObject({ points: 150, pointsBalance: 50, storeId: 'shoes-1', recognition: { id: again.recognitionId, liveness: null } });
    expect(redeemed.body.lots.map((l: { points: number }) => l.points)).toEqual([120, 30]);
    const redeemReplay = await till.post(`/v1/members/${memberA}/redemptions`, { redemptionId: 'shoes-1:r-0001', points: 150, recognitionId: again.recognitionId });
    expect(redeemReplay.status).toBe(200);
    expect(redeemReplay.body).toEqual(redeemed.body);
    expectError(await till.post(`/v1/members/${memberA}/redemptions`, { redemptionId: 'shoes-1:r-0002', points: 10, recognitionId: again.recognitionId }), 409, 'RECOGNITION_USED');

    // The second purchase is returned in full: its 80 points reversed, 50 of them there, 30 already spent.
    const refund = await till.post(`/v1/members/${memberA}/purchases/shoes-1:0002/refunds`, { refundId: 'shoes-1:rf-0001', amount: 80 });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ pointsReversed: 50, pointsUnrecoverable: 30, pointsBalance: 0, refundable: 0 });
    expectError(await till.post(`/v1/members/${memberA}/purchases/shoes-1:0002/refunds`, { refundId: 'shoes-1:rf-0002', amount: 0.01 }), 409, 'REFUND_EXCEEDS_PURCHASE');

    const points = await desk.get(`/v1/members/${memberA}/points`);
    expect(points.body).toMatchObject({ balance: 0, earned: 200, spent: 150, reversed: 50, expired: 0, lots: [] });
    const coupons = await desk.get(`/v1/members/${memberA}/coupons`);
    expect(coupons.body.coupons).toEqual([expect.objectContaining({ id: couponId, usedTransactionId: 'shoes-1:0002' })]);
    expect((await till.get(`/v1/members/${memberA}/coupons?usable=true`)).body.coupons).toEqual([]);
    expect((await desk.call('PATCH', `/v1/campaigns/${couponCampaign.body.id}`, { status: 'ended' })).body.status).toBe('ended');
  });

  it('refuses to spend without the face, or with another till’s or member’s recognition, changing nothing', async () => {
    await till.post(`/v1/members/${memberB}/purchases`, purchase('shoes-1:b-0001', 60));
    const before = await ledger(memberB);
    // Other tests may have given B points too (they run in any order): one more than B has.
    const tooMany = (await desk.get(`/v1/members/${memberB}/points`)).body.balance + 1;
    const redeem = (body: Record<string, unknown>, by = till) => by.post(`/v1/members/${memberB}/redemptions`, { redemptionId: `b-${Math.random()}`, points: 10, ...body });
    expectError(await redeem({}), 409, 'RECOGNITION_REQUIRED');
    const faceA = await identifyAt(till, descriptorA);
    expectError(await redeem({ recognitionId: faceA.recognitionId }), 409, 'RECOGNITION_REQUIRED');
    const elsewhere = await identifyAt(otherTill, descriptorA);
    expectError(await redeem({ recognitionId: elsewhere.recognitionId }), 404, 'RECOGNITION_NOT_FOUND');
    const descriptorB = (await admin.get(`/v1/members/${memberB}/faces/descriptors`)).body.faces[0].descriptor;
    const faceB = await identifyAt(till, descriptorB);
    expectError(await redeem({ recognitionId: faceB.recognitionId, points: tooMany }), 409, 'INSUFFICIENT_POINTS');
    for (const bad of [{ points: -5 }, { points: 1.5 }, { points: 0 }, { points: '10' }, { recognitionId: 'not-a-uuid' }, { redemptionId: '' }]) {
      expectError(await redeem({ recognitionId: faceB.recognitionId, ...bad }), 400, 'VALIDATION_FAILED');
    }
    expectError(await till.post(`/v1/members/${memberB}/purchases/no-such/refunds`, { refundId: 'x-1', amount: 5 }), 404, 'PURCHASE_NOT_FOUND');
    expectError(await till.post(`/v1/members/${memberB}/purchases/shoes-1:b-0001/refunds`, { refundId: 'x-2', amount: -5 }), 400, 'VALIDATION_FAILED');
    expectError(await till.post(`/v1/members/${memberB}/purchases`, purchase('shoes-1:b-0002', 60, { coupons: ['00000000-0000-4000-8000-000000000000'], recognitionId: faceB.recognitionId })), 409, 'COUPON_NOT_USABLE');
    expect(await ledger(memberB)).toEqual(before);
    // The recognition refused for too many points still pays for the right amount.
    expect((await redeem({ recognitionId: faceB.recognitionId })).status).toBe(201);
    // A desk (operator key) cannot spend at all: redemptions are the till's.
    expectError(await redeem({ recognitionId: faceB.recognitionId }, desk), 403, 'FORBIDDEN');
  });
});

describe('campaigns over HTTP', () => {
  it('are listed, paused and ended; a contradictory one is refused and nothing is written', async () => {
    const created = await desk.post('/v1/campaigns', { name: 'Happy hour', trigger: 'purchase', conditions: { hours: { from: 0, to: 24 } }, effect: { bonusPoints: 5 } });
    expect(created.status).toBe(201);
    const count = async () => (await service.sql.query('SELECT count(*)::int AS n FROM campaigns')).rows[0].n;
    const before = await count();
    expectError(await desk.post('/v1/campaigns', { name: 'x', trigger: 'visit', conditions: { categories: ['shoes'] }, effect: { bonusPoints: 5 } }), 400, 'VALIDATION_FAILED');
    expectError(await desk.post('/v1/campaigns', { name: 'x', trigger: 'purchase', conditions: { hours: { from: 20, to: 8 } }, effect: { bonusPoints: 5 } }), 400, 'VALIDATION_FAILED');
    expectError(await desk.post('/v1/campaigns', { name: 'x', trigger: 'purchase', effect: { bonusPoints: 5, pointsMultiplier: 2 } }), 400, 'VALIDATION_FAILED');
    expectError(await desk.post('/v1/campaigns', { name: 'x', trigger: 'purchase', conditions: { storeIds: ['nope'] }, effect: { bonusPoints: 5 } }), 404, 'STORE_NOT_FOUND');
    expect(await count()).toBe(before);

    expect((await desk.call('PATCH', `/v1/campaigns/${created.body.id}`, { status: 'paused' })).body.status).toBe('paused');
    expect((await till.post(`/v1/members/${memberB}/purchases`, purchase('shoes-1:b-0003', 10))).body.points).toBe(10);
    expect((await desk.call('PATCH', `/v1/campaigns/${created.body.id}`, { status: 'active' })).body.status).toBe('active');
    expect((await till.post(`/v1/members/${memberB}/purchases`, purchase('shoes-1:b-0004', 10))).body.points).toBe(15);
    expect((await desk.get('/v1/campaigns?status=active')).body.campaigns.map((c: { id: string }) => c.id)).toContain(created.body.id);
    expect((await desk.call('PATCH', `/v1/campaigns/${created.body.id}`, { status: 'ended' })).body.status).toBe('ended');
    expectError(await desk.call('PATCH', `/v1/campaigns/${created.body.id}`, { status: 'active' }), 400, 'VALIDATION_FAILED');
    expectError(await desk.get('/v1/campaigns/00000000-0000-4000-8000-000000000000'), 404, 'CAMPAIGN_NOT_FOUND');
    expectError(await desk.get('/v1/campaigns/nope'), 404, 'CAMPAIGN_NOT_FOUND');
  });

  it("gives a visit campaign's points when an entrance camera starts a member's visit", async () => {
    const created = await desk.post('/v1/campaigns', { name: 'Come in', trigger: 'visit', limits: { perMember: { count: 1, period: 'day' } }, effect: { bonusPoints: 3 } });
    const monthly = await desk.post('/v1/campaigns', { name: 'First of the month', trigger: 'first_visit_of_month', effect: { bonusPoints: 2 } });
    try {
      const before = (await desk.get(`/v1/members/${memberB}/points`)).body.balance;
      const frame = await cropFace(PERSON_B, { width: 400 });
      expect((await admin.postImage('/v1/cameras/entrance-1/frames', frame)).status).toBe(200);
      expect((await admin.postImage('/v1/cameras/entrance-2/frames', frame)).status).toBe(200); // a second visit: limits hold
      expect((await desk.get(`/v1/members/${memberB}/points`)).body.balance).toBe(before + 5);
      expect((await desk.get(`/v1/campaigns/${created.body.id}`)).body.stats.awards).toBe(1);
    } finally {
      await desk.call('PATCH', `/v1/campaigns/${created.body.id}`, { status: 'ended' });
      await desk.call('PATCH', `/v1/campaigns/${monthly.body.id}`, { status: 'ended' });
    }
  });

  it('takes a birthday as month and day, and refuses a day the calendar lacks', async () => {
    expect((await admin.get(`/v1/members/${memberA}`)).body.birthday).toBe('03-14');
    expectError(await admin.call('PATCH', `/v1/members/${memberA}`, { birthday: '02-30' }), 400, 'VALIDATION_FAILED');
    expectError(await admin.call('PATCH', `/v1/members/${memberA}`, { birthday: '2023-02-29' }), 400, 'VALIDATION_FAILED');
    expect((await admin.call('PATCH', `/v1/members/${memberA}`, { birthday: '2024-02-29' })).body.birthday).toBe('2024-02-29');
  });

  it('keeps the ledger invariant for every member', async () => {
    await till.post(`/v1/members/${memberB}/purchases`, purchase('shoes-1:b-0005', 5));
    const { members, violations } = await new PointsLedgerRepository(service.sql).invariantViolations();
    expect(members).toBeGreaterThan(0);
    expect(violations).toEqual([]);
  });
});
