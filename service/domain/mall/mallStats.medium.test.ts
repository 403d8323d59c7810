import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QualityView } from '../faces/faceView.js';
import { localDate } from '../../shared/timeZones.js';
import { MallCountsRepository } from '../../repositories/mallCountsRepository.js';
import { person } from '../../testSupport/syntheticFaces.js';
import { startTestServices, type TestServices } from '../../testSupport/testServices.js';

/**
 * The dashboard's definitions against hand-computed numbers: a mall in Shanghai (UTC+8), two local
 * days of visits, sales and members seeded through the domain services (the counters are the ones
 * those services keep), then GET /v1/stats's figures compared with what was counted by hand.
 */
let t: TestServices;
const MALL = 'east';
const ZONE = 'Asia/Shanghai';
const quality: QualityView = { ok: true, reasons: [], detectionScore: 0.95, sizePx: 180, sharpness: 200, brightness: 120, pose: { yawDeg: 0, pitchDeg: 0, rollDeg: 0 } };
const consent = { faceRecognition: true, source: 'desk' };

const now = () => new Date();
/** Yesterday and today on the mall's calendar. */
const today = localDate(new Date(), ZONE);
const yesterday = localDate(new Date(Date.now() - 86_400_000), ZONE);
/** An instant on yesterday's local clock (Shanghai has no daylight saving). */
const yesterdayAt = (hhmm: string) => new Date(`${yesterday}T${hhmm}:00+08:00`);

let ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestServices({ DORMANT_AFTER_DAYS: '60' });
  await t.pipeline.start(); // a visitor's template names the model it was made with
  const { malls, cameras, members, visits, sales, purchases } = t.services;
  await malls.createMall({ id: MALL, name: 'East', timeZone: ZONE });
  await malls.createStore({ id: 'e-nike', mallId: MALL, name: 'Nike East', brand: 'nike' });
  await malls.createStore({ id: 'e-cafe', mallId: MALL, name: 'Cafe East', brand: 'cafe' });
  await cameras.create({ id: 'e-gate', name: 'Gate', url: 'rtsp://10.0.0.1/gate', enabled: false, mallId: MALL, zone: 'entrance', position: { x: 0.1, y: 0.5 } });
  await cameras.create({ id: 'e-food', name: 'Food court', url: 'rtsp://10.0.0.1/food', enabled: false, mallId: MALL, zone: 'food-court', position: { x: 0.7, y: 0.3 } });

  // Members: A, B and C join; C leaves (purged). Visitors V1 and V2 join; V1 converts, V2 is purged.
  const member = async (name: string) => (await members.create({ name, consent, homeMallId: MALL })).id;
  const visitor = async (seed: number) => (await members.createVisitor({ descriptor: person(seed, t.config.faceModel.dimension), box: { x: 10, y: 10, width: 150, height: 180 }, quality }, MALL)).member.id;
  ids = { a: await member('A'), b: await member('B'), c: await member('C'), v1: await visitor(901), v2: await visitor(902) };

  // Visits: yesterday A at the gate and the food court, B at the gate (back after 100 days away:
  // returning from dormancy), V1 at the food court as a visitor, C at the gate (purged later); today A at the gate.
  await visits.recordSighting(ids.b!, 'e-gate', MALL, new Date(Date.now() - 100 * 86_400_000));
  await visits.recordSighting(ids.a!, 'e-gate', MALL, yesterdayAt('10:00'));
  await visits.recordSighting(ids.a!, 'e-food', MALL, yesterdayAt('12:00'));
  await visits.recordSighting(ids.b!, 'e-gate', MALL, yesterdayAt('10:10'));
  await visits.recordSighting(ids.v1!, 'e-food', MALL, yesterdayAt('13:00'));
  await visits.recordSighting(ids.c!, 'e-gate', MALL, yesterdayAt('11:00'));
  await visits.recordSighting(ids.a!, 'e-gate', MALL, new Date(Date.now() - 30_000));

  // Sales: yesterday an anonymous 100 at the cafe, A's 200 at Nike, B's 50 at the cafe; today an
  // anonymous 150 at Nike and C's 30 at Nike (anonymous once C is purged); one sale in another mall.
  const items = (price: number) => [{ sku: 'x', category: 'shoes', quantity: 1, price }];
  await sales.record({ saleId: 'E-1', storeId: 'e-cafe', amount: 100, currency: 'CNY', at: yesterdayAt('11:30').toISOString() });
  await purchases.record(ids.a!, { transactionId: 'E-2', storeId: 'e-nike', amount: 200, currency: 'CNY', items: items(200), at: yesterdayAt('12:30').toISOString() });
  await purchases.record(ids.b!, { transactionId: 'E-3', storeId: 'e-cafe', amount: 50, currency: 'CNY', items: items(50), at: yesterdayAt('14:00').toISOString() });
  await sales.record({ saleId: 'E-4', storeId: 'e-nike', amount: 150, currency: 'CNY', at: new Date(Date.now() - 60_000).toISOString() });
  await purchases.record(ids.c!, { transactionId: 'E-5', storeId: 'e-nike', amount: 30, currency: 'CNY', items: items(30), at: new Date(Date.now() - 60_000).toISOString() });
  await sales.record({ saleId: 'D-1', amount: 999, currency: 'CNY' });

  await members.convert(ids.v1!, { phone: '+8613900000901', consent });
  await members.purge(ids.c!);
  await members.purge(ids.v2!);

  // Faces the cameras tracked yesterday at noon: 4, of which 3 recognised (FrameService's counts, written as it writes them).
  const counts = new MallCountsRepository(t.pool);
  for (const metric of ['faces_tracked', 'faces_tracked', 'faces_tracked', 'faces_tracked', 'faces_recognised', 'faces_recognised', 'faces_recognised'] as const) {
    await counts.add({ mallId: MALL, at: yesterdayAt('12:00'), metric, cameraId: 'e-food' });
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('the dashboard (medium)', () => {
  it("gives each figure as defined, for the mall's local days", async () => {
    const from = new Date(`${yesterday}T00:00:00+08:00`);
    const stats = await t.services.stats.dashboard({ mallId: MALL, from, to: new Date(now().getTime() + 60_000), interval: 'day' }, { mallId: null });
    const d1 = `${yesterday}T00:00`;
    const d2 = `${today}T00:00`;
    expect(stats).toMatchObject({ mallId: MALL, timeZone: ZONE, interval: 'day', buckets: [d1, d2] });

    // Footfall: each face once per bucket (and zone), as it was then; C, purged since, stays a count.
    expect(stats.footfall.byBucket).toEqual([
      { bucket: d1, faces: 4, members: 3, visitors: 1 },
      { bucket: d2, faces: 1, members: 1, visitors: 0 },
    ]);
    // Over the period: the buckets summed (visitor-days).
    expect(stats.footfall).toMatchObject({ faces: 5, members: 4, visitors: 1 });
    expect(stats.footfall.byZone).toEqual([
      { zone: 'entrance', faces: 4, members: 4, visitors: 0 },
      { zone: 'food-court', faces: 2, members: 1, visitors: 1 },
    ]);
    expect(stats.footfall.byBucketAndZone).toEqual(
      expect.arrayContaining([
        { bucket: d1, zone: 'entrance', faces: 3, members: 3, visitors: 0 },
        { bucket: d1, zone: 'food-court', faces: 2, members: 1, visitors: 1 },
        { bucket: d2, zone: 'entrance', faces: 1, members: 1, visitors: 0 },
      ]),
    );
    expect(stats.footfall.byBucketAndZone).toHaveLength(3);

    // Recognised share: 3 of 4 tracked faces.
    expect(stats.recognition).toMatchObject({ tracked: 4, recognised: 3, share: 0.75 });
    expect(stats.recognition.byBucket[0]).toEqual({ bucket: d1, tracked: 4, recognised: 3, share: 0.75 });
    expect(stats.recognition.byBucket[1]).toEqual({ bucket: d2, tracked: 0, recognised: 0, share: null });

    // Members: 3 joined + 1 converted − 1 left = 3 net new; visitors 2 joined − 1 converted − 1 left = 0.
    expect(stats.members).toMatchObject({ joinedMembers: 3, joinedVisitors: 2, converted: 1, leftMembers: 1, leftVisitors: 1, netNewMembers: 3, netNewVisitors: 0 });
    expect(stats.members.byBucket[1]).toMatchObject({ bucket: d2, netNewMembers: 3, netNewVisitors: 0 });
    expect(stats.conversion).toEqual({ converted: 1, ended: 2, rate: 0.5 });

    // Sales: 5 in the mall, 530; members' 2 (A's and B's), 250 (C's became anonymous with the purge).
    expect(stats.sales).toHaveLength(1);
    expect(stats.sales[0]).toMatchObject({ currency: 'CNY', sales: 5, memberSales: 2, amount: 530, memberAmount: 250, memberShareOfSales: 0.4, memberShareOfAmount: 0.4717 });
    expect(stats.sales[0]!.byBucket).toEqual([
      { bucket: d1, sales: 3, memberSales: 2, amount: 350, memberAmount: 250, memberShareOfSales: 0.6667, memberShareOfAmount: 0.7143 },
      { bucket: d2, sales: 2, memberSales: 0, amount: 180, memberAmount: 0, memberShareOfSales: 0, memberShareOfAmount: 0 },
    ]);

    // B came back after 100 days (DORMANT_AFTER_DAYS 60); the 100-day-old visit is outside the period.
    expect(stats.returningFromDormant).toEqual({ members: 1, byBucket: [{ bucket: d1, members: 1 }, { bucket: d2, members: 0 }] });

    expect(stats.topBrands).toEqual([
      { brand: 'nike', currency: 'CNY', memberSpend: 200, memberSales: 1 },
      { brand: 'cafe', currency: 'CNY', memberSpend: 50, memberSales: 1 },
    ]);

    // Counts only: no member's id anywhere in the answer.
    const text = JSON.stringify(stats);
    for (const id of Object.values(ids)) expect(text).not.toContain(id);
  });

  it('buckets by local hour, and refuses a mall outside the key, a reversed or too long period', async () => {
    const stats = await t.services.stats.dashboard({ mallId: MALL, from: yesterdayAt('10:00'), to: yesterdayAt('13:00'), interval: 'hour' }, { mallId: MALL });
    expect(stats.buckets).toEqual([`${yesterday}T10:00`, `${yesterday}T11:00`, `${yesterday}T12:00`]);
    expect(stats.footfall.byBucket.map((b) => b.faces)).toEqual([2, 1, 1]);
    expect(stats.sales[0]!.byBucket.map((b) => b.amount)).toEqual([0, 100, 200]);
    const scope = { mallId: 'default' };
    await expect(t.services.stats.dashboard({ mallId: MALL }, scope)).rejects.toMatchObject({ code: 'MALL_NOT_FOUND' });
    await expect(t.services.stats.dashboard({ mallId: MALL, from: yesterdayAt('13:00'), to: yesterdayAt('10:00') }, { mallId: null })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(t.services.stats.dashboard({ mallId: MALL, from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z'), interval: 'hour' }, { mallId: null })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
