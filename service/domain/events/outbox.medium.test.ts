import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServices, type TestServices } from '../../testSupport/testServices.js';
import { EVENT_TYPES, type VisageEvent } from './events.js';

/**
 * The transactional outbox against the real PostgreSQL, without HTTP or delivery workers: which
 * changes write which events, that a change rolled back writes none, the fan-out to subscriptions,
 * dormancy, and what a purge leaves.
 */

const DAY_MS = 86_400_000;
let t: TestServices;
let everything: string;
beforeAll(async () => {
  t = await startTestServices({ DORMANT_AFTER_DAYS: '90', FRAME_DEDUP_SECONDS: '600' });
  // A subscription to every event (no workers run here: nothing is sent), so that every event is written.
  everything = (await t.services.webhooks.create({ url: 'http://127.0.0.1:9/everything', events: [...EVENT_TYPES] })).id;
});
afterAll(async () => {
  await t?.close();
});

const newMember = async () => (await t.services.members.create({ name: 'Outbox Test', consent: { faceRecognition: true, source: 'desk' } })).id;

async function eventsOf(memberId: string): Promise<VisageEvent[]> {
  const { rows } = await t.pool.query<{ payload: VisageEvent }>(
    `SELECT payload FROM outbox_events WHERE payload->'data'->>'memberId' = $1 ORDER BY seq`,
    [memberId],
  );
  return rows.map((row) => row.payload);
}

const purchase = (transactionId: string, amount = 120) => ({ transactionId, amount, currency: 'CNY', items: [{ sku: 'tea', category: 'food', quantity: 1, price: amount }] });

describe('transactional outbox (medium)', () => {
  it('writes member.created, visit.started (new visits only) and purchase.recorded with their changes', async () => {
    const memberId = await newMember();
    const first = await t.services.visits.recordSighting(memberId, 'north', 'default', new Date());
    await t.services.visits.recordSighting(memberId, 'north', 'default', new Date()); // joins the visit: no event
    await t.services.purchases.record(memberId, purchase('tx-outbox-1'));
    await t.services.purchases.record(memberId, purchase('tx-outbox-1')); // a replay: no event

    const events = await eventsOf(memberId);
    expect(events.map((e) => e.type)).toEqual(['member.created', 'visit.started', 'purchase.recorded']);
    expect(events[1]).toMatchObject({
      type: 'visit.started',
      data: { memberId, kind: 'member', visitId: first!.visit.id, cameraId: 'north', tier: expect.any(String), segment: 'new', returningFromDormant: false },
    });
    expect(events[2]!.data).toEqual({ memberId, transactionId: 'tx-outbox-1', amount: 120, currency: 'CNY', pointsAdded: expect.any(Number), pointsBalance: expect.any(Number) });
    for (const event of events) expect(Number.isNaN(Date.parse(event.occurredAt))).toBe(false);
  });

  it('writes no event that no subscription wants', async () => {
    await t.services.webhooks.update(everything, { events: ['member.purged'] });
    try {
      const memberId = await newMember();
      await t.services.purchases.record(memberId, purchase('tx-outbox-unwanted'));
      expect(await eventsOf(memberId)).toEqual([]);
    } finally {
      await t.services.webhooks.update(everything, { events: [...EVENT_TYPES] });
    }
  });

  it('writes nothing for a change that was refused or rolled back', async () => {
    const memberId = await newMember();
    await t.services.purchases.record(memberId, purchase('tx-outbox-2'));
    // The same transaction id with another amount is a conflict: its transaction rolls back.
    await expect(t.services.purchases.record(memberId, purchase('tx-outbox-2', 999))).rejects.toMatchObject({ code: 'TRANSACTION_CONFLICT' });
    await expect(t.services.purchases.record(memberId, { ...purchase('tx-outbox-3'), currency: 'USD' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const types = (await eventsOf(memberId)).map((e) => e.type);
    expect(types).toEqual(['member.created', 'purchase.recorded']);
  });

  it('fans an event out to each subscription that wants its type, paused ones included', async () => {
    const wantsVisits = await t.services.webhooks.create({ url: 'http://127.0.0.1:9/visits', events: ['visit.started'] });
    const wantsAll = await t.services.webhooks.create({ url: 'http://127.0.0.1:9/all', events: ['visit.started', 'member.created', 'member.created'] });
    await t.services.webhooks.update(wantsAll.id, { paused: true });
    expect(wantsAll.events).toEqual(['visit.started', 'member.created']);
    const memberId = await newMember();
    await t.services.visits.recordSighting(memberId, 'gate', 'default', new Date());
    const { rows } = await t.pool.query<{ subscription_id: string; type: string; status: string }>(
      `SELECT d.subscription_id, e.type, d.status FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id
       WHERE e.payload->'data'->>'memberId' = $1 ORDER BY e.seq, d.subscription_id`,
      [memberId],
    );
    const of = (id: string) => rows.filter((row) => row.subscription_id === id).map((row) => row.type);
    expect(of(wantsVisits.id)).toEqual(['visit.started']);
    expect(of(wantsAll.id)).toEqual(['member.created', 'visit.started']);
    expect(rows.every((row) => row.status === 'pending')).toBe(true);
    await t.services.webhooks.delete(wantsVisits.id);
    await t.services.webhooks.delete(wantsAll.id);
  });

  it('marks a dormant member walking in as returningFromDormant, once', async () => {
    const memberId = await newMember();
    await t.services.visits.recordSighting(memberId, 'north', 'default', new Date());
    t.advanceClock(120 * DAY_MS); // past DORMANT_AFTER_DAYS=90 without a visit or a purchase
    const back = new Date(Date.now() + 120 * DAY_MS);
    await t.services.visits.recordSighting(memberId, 'north', 'default', back);
    await t.services.visits.recordSighting(memberId, 'south', 'default', new Date(back.getTime() + 60_000));
    const visits = (await eventsOf(memberId)).filter((e): e is VisageEvent<'visit.started'> => e.type === 'visit.started');
    expect(visits.map((e) => [e.data.cameraId, e.data.returningFromDormant, e.data.segment])).toEqual([
      ['north', false, 'new'],
      ['north', true, 'regular'],
      ['south', false, 'regular'],
    ]);
    t.advanceClock(-120 * DAY_MS);
  });

  it('writes visitor.created and visitor.converted', async () => {
    const visitor = await t.services.members.create({ kind: 'visitor', consent: { faceRecognition: true, source: 'visitor-policy:track' }, expiresAt: new Date(Date.now() + DAY_MS) });
    await t.services.members.convert(visitor.id, { phone: '+8613800000123', consent: { faceRecognition: true, source: 'kiosk' } });
    expect((await eventsOf(visitor.id)).map((e) => e.type)).toEqual(['visitor.created', 'visitor.converted']);
  });

  it('a purge removes every event of the member, sent or not, and queues member.purged; the outbox holds no face', async () => {
    const subscription = await t.services.webhooks.create({ url: 'http://127.0.0.1:9/crm', events: ['visit.started', 'member.purged', 'purchase.recorded'] });
    const memberId = await newMember();
    const other = await newMember();
    await t.services.visits.recordSighting(memberId, 'north', 'default', new Date());
    await t.services.visits.recordSighting(other, 'north', 'default', new Date());
    await t.services.purchases.record(memberId, purchase('tx-outbox-purge'));
    // One of the member's deliveries has gone out already: it goes too.
    await t.pool.query(
      `UPDATE webhook_deliveries d SET status = 'delivered', delivered_at = now() FROM outbox_events e
       WHERE e.id = d.event_id AND e.type = 'visit.started' AND e.member_id = $1`,
      [memberId],
    );
    await t.services.members.purge(memberId);

    const left = await eventsOf(memberId);
    expect(left.map((e) => e.type)).toEqual(['member.purged']);
    expect(left[0]!.data).toEqual({ memberId });
    const { rows: queued } = await t.pool.query<{ type: string }>(
      `SELECT e.type FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id WHERE d.subscription_id = $1 AND e.payload::text LIKE '%' || $2 || '%'`,
      [subscription.id, memberId],
    );
    expect(queued.map((row) => row.type)).toEqual(['member.purged']);
    expect((await eventsOf(other)).map((e) => e.type)).toEqual(['member.created', 'visit.started']); // others keep theirs

    // Nothing in the outbox or the delivery log is a face: no descriptor, no photo, no long array of numbers.
    const { rows: everything } = await t.pool.query<{ row: string }>(
      `SELECT row_to_json(e)::text AS row FROM outbox_events e UNION ALL SELECT row_to_json(d)::text FROM webhook_deliveries d`,
    );
    for (const { row } of everything) {
      expect(row).not.toMatch(/descriptor|photo|embedding|\[(-?[0-9.e-]+,){16,}/i);
    }
    await t.services.webhooks.delete(subscription.id);
  });

  it('compacts deliveries finished before the retention period, and events left without one; keeps what is pending', async () => {
    const subscription = await t.services.webhooks.create({ url: 'http://127.0.0.1:9/compact', events: ['purchase.recorded'] });
    const memberId = await newMember();
    for (const n of [1, 2, 3]) await t.services.purchases.record(memberId, purchase(`tx-compact-${n}`));
    const deliveryOf = async (n: number) =>
      (
        await t.pool.query<{ id: string; event_id: string }>(
          `SELECT d.id, d.event_id FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id
           WHERE e.payload->'data'->>'transactionId' = $1 AND d.subscription_id = $2`,
          [`tx-compact-${n}`, subscription.id],
        )
      ).rows[0]!;
    // Only this test's subscription holds these events.
    await t.pool.query(
      `DELETE FROM webhook_deliveries d USING outbox_events e WHERE e.id = d.event_id AND e.member_id = $1 AND d.subscription_id <> $2`,
      [memberId, subscription.id],
    );
    const [old, recent, pending] = [await deliveryOf(1), await deliveryOf(2), await deliveryOf(3)];
    await t.pool.query(`UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now() - interval '8 days' WHERE id = $1`, [old.id]);
    await t.pool.query(`UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now() - interval '1 day' WHERE id = $1`, [recent.id]);
    await t.pool.query(`UPDATE outbox_events SET created_at = now() - interval '9 days' WHERE id = ANY($1)`, [[old.event_id, recent.event_id, pending.event_id]]);

    expect(t.config.webhooks.retentionDays).toBe(7);
    const compacted = await t.services.webhooks.compact();
    expect(compacted.deliveries).toBeGreaterThanOrEqual(1);
    const { rows: deliveries } = await t.pool.query<{ id: string }>('SELECT id FROM webhook_deliveries WHERE subscription_id = $1', [subscription.id]);
    expect(deliveries.map((d) => d.id).sort()).toEqual([recent.id, pending.id].sort());
    const { rows: events } = await t.pool.query<{ id: string }>('SELECT id FROM outbox_events WHERE id = ANY($1)', [[old.event_id, recent.event_id, pending.event_id]]);
    expect(events.map((e) => e.id).sort()).toEqual([recent.event_id, pending.event_id].sort());
    await t.services.webhooks.delete(subscription.id);
  });
});
