import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Visage } from '../app/startVisage.js';
import { apiClient, expectError } from '../testSupport/apiClient.js';
import { composeFrame, cropFace, PERSON_A, type DemoFace } from '../testSupport/facePhotos.js';
import { ADMIN_AUTH, type IsolatedVisage, startIsolatedVisage } from '../testSupport/testVisage.js';
import { MjpegSource } from '../testSupport/mjpegSource.js';
import { eventually, hasFfmpeg } from '../testSupport/tools.js';
import { WebhookReceiver } from '../testSupport/webhookReceiver.js';

/**
 * Webhooks end to end: the service (in this process) with its delivery workers, and a real HTTP
 * receiver on loopback that verifies every signature with the `standardwebhooks` library. Retries
 * are fast here (0.2 s base) and give up after 3.6 s instead of 24 h; the service's clock can be
 * moved forward for dormancy.
 */

const DAY_MS = 86_400_000;
let service: IsolatedVisage;
let visage: Visage;
let sql: pg.Pool;
let receiver: WebhookReceiver;
let clockOffsetMs = 0;
const now = () => new Date(Date.now() + clockOffsetMs);
const { call, post, postImage, get } = apiClient(() => visage.url, ADMIN_AUTH);

async function subscribe(events: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const res = await post('/v1/webhooks', { url: receiver.url, events, ...extra });
  expect(res.status).toBe(201);
  receiver.secret = res.body.secret;
  return res.body.id;
}

async function newMember(): Promise<string> {
  const res = await post('/v1/members', { name: 'Webhook Test', consent: { faceRecognition: true, source: 'desk' } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function enrolledMember(face: DemoFace): Promise<string> {
  const id = await newMember();
  expect((await postImage(`/v1/members/${id}/faces`, await cropFace(face))).status).toBe(201);
  return id;
}

const frameOf = (face: DemoFace) => composeFrame([{ face, width: 260, left: 300, top: 160 }]);

const purchase = (transactionId: string) => ({ transactionId, amount: 88, currency: 'CNY', items: [{ sku: 'SKU-1', category: 'shoes', quantity: 1, price: 88 }] });

async function deliveriesOf(webhookId: string, query = ''): Promise<{ id: string; eventType: string; status: string; attempts: number; lastStatusCode: number | null }[]> {
  const res = await get(`/v1/webhooks/${webhookId}/deliveries${query}`);
  expect(res.status).toBe(200);
  return res.body.items;
}

beforeAll(async () => {
  service = await startIsolatedVisage(
    { WEBHOOK_RETRY_BASE_SECONDS: '0.2', WEBHOOK_RETRY_MAX_SECONDS: '1', WEBHOOK_RETRY_WINDOW_HOURS: '0.001', WEBHOOK_POLL_MILLISECONDS: '200', DORMANT_AFTER_DAYS: '90' },
    { clock: now },
  );
  ({ visage, sql } = service);
  await visage.modelsReady;
});

afterAll(async () => {
  await service?.close();
});

beforeEach(async () => {
  receiver = await WebhookReceiver.start();
});

afterEach(async () => {
  clockOffsetMs = 0;
  for (const { id } of (await get('/v1/webhooks')).body.webhooks as { id: string }[]) await call('DELETE', `/v1/webhooks/${id}`);
  const { rows } = await sql.query<{ id: string }>('SELECT id FROM members');
  for (const { id } of rows) await call('DELETE', `/v1/members/${id}`);
  await receiver.close();
});

describe('webhook subscriptions', () => {
  it('creates a subscription with its secret shown once; lists, changes and removes it; refuses bad input', async () => {
    const created = await post('/v1/webhooks', { url: receiver.url, events: ['visit.started', 'purchase.recorded'], description: 'CRM' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: receiver.url, events: ['visit.started', 'purchase.recorded'], description: 'CRM', paused: false });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id: string = created.body.id;

    const listed = await get('/v1/webhooks');
    expect(listed.body.webhooks).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    expect((await get(`/v1/webhooks/${id}`)).body).not.toHaveProperty('secret');
    expect((await call('PATCH', `/v1/webhooks/${id}`, { paused: true, description: null })).body).toMatchObject({ paused: true, description: null });

    expectError(await post('/v1/webhooks', { url: 'ftp://crm.example/hooks', events: ['visit.started'] }), 400, 'VALIDATION_FAILED');
    expectError(await post('/v1/webhooks', { url: 'https://user:pw@crm.example/hooks', events: ['visit.started'] }), 400, 'VALIDATION_FAILED');
    expectError(await post('/v1/webhooks', { url: receiver.url, events: ['visit.finished'] }), 400, 'VALIDATION_FAILED');
    expectError(await post('/v1/webhooks', { url: receiver.url, events: [] }), 400, 'VALIDATION_FAILED');
    expectError(await call('PATCH', `/v1/webhooks/${id}`, {}), 400, 'VALIDATION_FAILED');
    expect((await get('/v1/webhooks')).body.webhooks).toHaveLength(1); // refused input changed nothing

    const unknown = '00000000-0000-4000-8000-000000000000';
    expectError(await get(`/v1/webhooks/${unknown}`), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await get('/v1/webhooks/not-a-uuid/deliveries'), 404, 'WEBHOOK_NOT_FOUND');
    expectError(await post(`/v1/webhooks/${id}/deliveries/${unknown}/retry`), 404, 'DELIVERY_NOT_FOUND');
    expect((await call('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
    expectError(await call('DELETE', `/v1/webhooks/${id}`), 404, 'WEBHOOK_NOT_FOUND');
  });

  it('rotates the secret: both sign during the grace, then only the new one', async () => {
    const id = await subscribe(['member.created']);
    const oldSecret = receiver.secret;
    const rotated = await post(`/v1/webhooks/${id}/rotate-secret`, { graceHours: 1 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(oldSecret);
    expect(Date.parse(rotated.body.previousSecretUntil) - Date.now()).toBeGreaterThan(3_500_000);
    // A receiver still holding the old secret verifies, and one given the new one does too.
    expect((await post(`/v1/webhooks/${id}/test`)).body.delivered).toBe(true);
    receiver.secret = rotated.body.secret;
    await newMember();
    await receiver.waitFor('member.created', 3000);
    expect(receiver.received.map((r) => r.verified)).toEqual([true, true]);

    // No grace (no body: 24 h; graceHours 0: at once): the old secret stops signing.
    const again = await post(`/v1/webhooks/${id}/rotate-secret`, { graceHours: 0 });
    receiver.secret = rotated.body.secret;
    await post(`/v1/webhooks/${id}/test`);
    receiver.secret = again.body.secret;
    await post(`/v1/webhooks/${id}/test`);
    expect(receiver.received.slice(2).map((r) => r.verified)).toEqual([false, true]);
    expect((await post(`/v1/webhooks/${id}/rotate-secret`)).body.previousSecretUntil).toBeDefined();
    expectError(await post(`/v1/webhooks/${id}/rotate-secret`, { graceHours: 1000 }), 400, 'VALIDATION_FAILED');
    expectError(await post('/v1/webhooks/00000000-0000-4000-8000-000000000000/rotate-secret'), 404, 'WEBHOOK_NOT_FOUND');
  });

  it('sends a signed test event on request and answers what the receiver said', async () => {
    const id = await subscribe(['member.created'], { description: 'test' });
    const ok = await post(`/v1/webhooks/${id}/test`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ delivered: true, statusCode: 200, error: null });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({ verified: true, webhookId: ok.body.eventId, event: { type: 'webhook.test', data: { subscriptionId: id } } });
    receiver.reply = () => ({ status: 503 });
    expect((await post(`/v1/webhooks/${id}/test`)).body).toMatchObject({ delivered: false, statusCode: 503, error: 'HTTP 503' });
    // A receiver that streams a huge answer is cut off after 64 KB; its 200 still counts.
    receiver.reply = () => ({ status: 200, body: Buffer.alloc(50 * 1024 * 1024, 'x') });
    expect((await post(`/v1/webhooks/${id}/test`)).body).toMatchObject({ delivered: true, statusCode: 200 });
  });
});

describe('events delivered', () => {
  it('a camera sees an enrolled member: one visit.started within 2 s, signed, after member.created', async () => {
    const id = await subscribe(['visit.started', 'member.created']);
    const memberId = await enrolledMember(PERSON_A);
    const seen = await postImage('/v1/cameras/entrance-north/frames', await frameOf(PERSON_A));
    expect(seen.body.faces[0].match?.memberId).toBe(memberId);
    const sentAt = Date.now();
    const [visit] = await receiver.waitFor('visit.started', 2000);
    expect(visit!.at - sentAt).toBeLessThan(2000);
    expect(visit).toMatchObject({
      verified: true,
      event: { type: 'visit.started', data: { memberId, kind: 'member', cameraId: 'entrance-north', segment: 'new', returningFromDormant: false, tier: expect.any(String) } },
    });
    expect(visit!.webhookId).toBe(visit!.event.id);
    // A second frame joins the visit: no second event.
    await postImage('/v1/cameras/entrance-north/frames', await frameOf(PERSON_A));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.unique().map((r) => r.event.type)).toEqual(['member.created', 'visit.started']);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect((await deliveriesOf(id)).map((d) => [d.eventType, d.status, d.attempts])).toEqual([
      ['visit.started', 'delivered', 1],
      ['member.created', 'delivered', 1],
    ]);
  });

  it.skipIf(!hasFfmpeg)('a camera Visage pulls sees a member walk in: visit.started within 2 s of their appearing, once for the track', async () => {
    await subscribe(['visit.started']);
    const memberId = await enrolledMember(PERSON_A);
    const door = new MjpegSource(8);
    await door.start();
    try {
      door.play([await composeFrame([])]);
      expect((await post('/v1/cameras', { id: 'door-w', name: 'Door', url: door.url(), sampleFps: 4 })).status).toBe(201);
      await eventually(15_000, async () => (await get('/v1/cameras/door-w')).body.stream.analysed >= 2);
      const appeared = Date.now();
      door.play(await Promise.all([0, 1, 2, 3].map((n) => composeFrame([{ face: PERSON_A, width: 240 + n * 20, left: 120 + n * 90, top: 140 + n * 10 }]))));
      const [visit] = await receiver.waitFor('visit.started', 5000);
      console.log(`visit.started received ${visit!.at - appeared} ms after the member appeared`);
      expect(visit!.at - appeared).toBeLessThan(2000);
      expect(visit).toMatchObject({ verified: true, event: { data: { memberId, cameraId: 'door-w' } } });
      await new Promise((resolve) => setTimeout(resolve, 1500)); // more frames of the same track
      expect(receiver.of('visit.started')).toHaveLength(1);
    } finally {
      await call('DELETE', '/v1/cameras/door-w');
      await door.kill();
    }
  });

  it('retries a receiver that answers 500 twice: delivered at the third attempt, kept once by webhook-id', async () => {
    const id = await subscribe(['purchase.recorded']);
    receiver.reply = (_request, nth) => ({ status: nth < 2 ? 500 : 200 });
    const memberId = await newMember();
    expect((await post(`/v1/members/${memberId}/purchases`, purchase('tx-retry-1'))).status).toBe(201);
    await receiver.waitFor('purchase.recorded', 5000);
    expect(receiver.received.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(new Set(receiver.received.map((r) => r.webhookId)).size).toBe(1);
    expect(receiver.unique()).toHaveLength(1);
    expect(receiver.unique()[0]!.event.data).toMatchObject({ memberId, transactionId: 'tx-retry-1', amount: 88, pointsAdded: expect.any(Number) });
    // The receiver has answered; the worker records the outcome a moment later.
    await eventually(5000, async () => (await deliveriesOf(id))[0]?.status === 'delivered');
    const [delivery] = await deliveriesOf(id);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200 });
  });

  it("waits as long as a receiver's Retry-After asks; pauses a subscription whose receiver answers 410 Gone", async () => {
    const id = await subscribe(['member.created']);
    receiver.reply = (_request, nth) => (nth === 0 ? { status: 503, headers: { 'retry-after': '30' } } : { status: 200 });
    await newMember();
    await receiver.waitFor('member.created', 5000);
    const [first, second] = receiver.received;
    // Not the 0.1–0.2 s of the schedule's first wait, and not 30 s either: the longest wait (1 s here) caps it.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
    expect(second!.at - first!.at).toBeLessThan(2500);

    receiver.reply = () => ({ status: 410 });
    await newMember();
    await eventually(3000, async () => (await get(`/v1/webhooks/${id}`)).body.paused === true);
    const [gone] = await deliveriesOf(id, '?status=pending');
    expect(gone).toMatchObject({ attempts: 1, lastStatusCode: 410 });
    receiver.reply = () => ({ status: 200 });
    await call('PATCH', `/v1/webhooks/${id}`, { paused: false });
    await eventually(3000, () => Promise.resolve(receiver.of('member.created').length === 2));
  });

  it('fails a delivery after the retry window, lists it, and sends it again on request', async () => {
    const id = await subscribe(['member.created']);
    receiver.reply = () => ({ status: 500 });
    await newMember();
    const [failed] = await eventually(10_000, async () => {
      const failures = await deliveriesOf(id, '?status=failed');
      return failures.length > 0 && failures;
    });
    expect(failed!.attempts).toBeGreaterThanOrEqual(2);
    expect(failed).toMatchObject({ status: 'failed', lastStatusCode: 500 });
    receiver.reply = () => ({ status: 204 });
    const retried = await post(`/v1/webhooks/${id}/deliveries/${failed!.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: failed!.id, status: 'pending' });
    await eventually(3000, async () => (await deliveriesOf(id))[0]!.status === 'delivered');
    expect(receiver.of('member.created')).toHaveLength(1);
    const metrics = await (await fetch(`${visage.url}/metrics`)).text();
    expect(metrics).toMatch(/^visage_webhook_deliveries_total\{outcome="failed"\} [1-9]/m);
    expect(metrics).toMatch(/^visage_webhook_outbox_pending \d+/m);
    expect(metrics).toMatch(/^visage_webhook_outbox_oldest_seconds /m);
  });

  it('sends to two subscriptions side by side, each in order', async () => {
    const other = await WebhookReceiver.start();
    try {
      await subscribe(['purchase.recorded']);
      const res = await post('/v1/webhooks', { url: other.url, events: ['purchase.recorded'] });
      other.secret = res.body.secret;
      // Slow receivers: one after the other, 2 × 6 deliveries would take 2.4 s.
      receiver.reply = () => ({ status: 200, delayMs: 200 });
      other.reply = () => ({ status: 200, delayMs: 200 });
      const memberId = await newMember();
      for (const n of [1, 2, 3, 4, 5, 6]) await post(`/v1/members/${memberId}/purchases`, purchase(`tx-side-${n}`));
      await eventually(5000, () => Promise.resolve(receiver.unique().length === 6 && other.unique().length === 6));
      const order = (r: WebhookReceiver) => r.unique().map((x) => x.event.data.transactionId);
      const expected = [1, 2, 3, 4, 5, 6].map((n) => `tx-side-${n}`);
      expect([order(receiver), order(other)]).toEqual([expected, expected]);
      expect(other.received.every((r) => r.verified)).toBe(true);
      // Side by side: a delivery to one arrived while the other's (200 ms each) was being answered.
      // One after the other, every arrival would be at least 200 ms after the last at either receiver.
      const overlapping = receiver.unique().some((r) => other.unique().some((o) => Math.abs(r.at - o.at) < 150));
      expect(overlapping).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('holds deliveries of a paused subscription and sends them, in order, when it resumes', async () => {
    const id = await subscribe(['member.created', 'purchase.recorded']);
    expect((await call('PATCH', `/v1/webhooks/${id}`, { paused: true })).status).toBe(200);
    const memberId = await newMember();
    for (const n of [1, 2, 3]) await post(`/v1/members/${memberId}/purchases`, purchase(`tx-paused-${n}`));
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(receiver.received).toHaveLength(0);
    expect((await deliveriesOf(id, '?status=pending')).length).toBe(4);
    await call('PATCH', `/v1/webhooks/${id}`, { paused: false });
    await eventually(3000, () => Promise.resolve(receiver.unique().length === 4));
    expect(receiver.unique().map((r) => (r.event.type === 'member.created' ? 'created' : r.event.data.transactionId))).toEqual(['created', 'tx-paused-1', 'tx-paused-2', 'tx-paused-3']);
  });

  it('a purge sends member.purged and nothing of the member after it; nothing of theirs stays queued', async () => {
    const id = await subscribe(['purchase.recorded', 'member.purged']);
    await call('PATCH', `/v1/webhooks/${id}`, { paused: true });
    const memberId = await newMember();
    await post(`/v1/members/${memberId}/purchases`, purchase('tx-purge-1'));
    expect((await call('DELETE', `/v1/members/${memberId}`)).status).toBe(200);
    await call('PATCH', `/v1/webhooks/${id}`, { paused: false });
    await receiver.waitFor('member.purged', 3000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The purchase was still queued: it went with the member; only the purge is told.
    expect(receiver.unique().map((r) => [r.event.type, r.event.data])).toEqual([['member.purged', { memberId }]]);
    const { rows } = await sql.query(`SELECT 1 FROM outbox_events WHERE payload::text LIKE '%' || $1 || '%' AND type <> 'member.purged'`, [memberId]);
    expect(rows).toHaveLength(0);
  });

  it('tells that a dormant member walked in: returningFromDormant', async () => {
    await subscribe(['visit.started']);
    const memberId = await enrolledMember(PERSON_A);
    clockOffsetMs = 120 * DAY_MS; // past DORMANT_AFTER_DAYS=90 with no visit or purchase
    await postImage('/v1/cameras/entrance-south/frames', await frameOf(PERSON_A));
    const [visit] = await receiver.waitFor('visit.started', 2000);
    expect(visit!.event.data).toMatchObject({ memberId, returningFromDormant: true, segment: 'regular' });
  });
});
