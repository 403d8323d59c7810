import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Visage } from '../app/startVisage.js';
import { apiClient, expectError } from '../testSupport/apiClient.js';
import { composeFrame, cropFace, PERSON_A, PERSON_B, STRANGERS, type DemoFace } from '../testSupport/facePhotos.js';
import { MjpegSource } from '../testSupport/mjpegSource.js';
import { ADMIN_AUTH, type IsolatedVisage, startIsolatedVisage } from '../testSupport/testVisage.js';
import { eventually, hasFfmpeg } from '../testSupport/tools.js';

/**
 * The mall flows over HTTP against the real PostgreSQL and models, with the visitor policy on:
 * entrance-camera frames and visits, anonymous visitors and their conversion and expiry, POS
 * identify with the profile, idempotent purchases and points, history, and dormancy (the
 * service's clock is moved forward instead of waiting).
 */

const DAY_MS = 86_400_000;
let service: IsolatedVisage;
let visage: Visage;
let sql: pg.Pool;
let clockOffsetMs = 0;
const now = () => new Date(Date.now() + clockOffsetMs);
const { call, post, postImage, get } = apiClient(() => visage.url, ADMIN_AUTH);

/** A frame with `face` at a position and size that vary with `n` (a person walking in). */
const frameOf = (face: DemoFace, n: number, extra: Parameters<typeof composeFrame>[0] = []) =>
  composeFrame([{ face, width: 240 + n * 20, left: 120 + n * 90, top: 140 + n * 10 }, ...extra]);

const postFrame = (cameraId: string, frame: Buffer, capturedAt?: Date) =>
  postImage(`/v1/cameras/${cameraId}/frames${capturedAt ? `?capturedAt=${encodeURIComponent(capturedAt.toISOString())}` : ''}`, frame);

async function countMembers(kind: 'member' | 'visitor'): Promise<number> {
  const { rows } = await sql.query('SELECT count(*)::int AS n FROM members WHERE kind = $1', [kind]);
  return rows[0].n;
}

async function enrolledMember(face: DemoFace, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await post('/v1/members', { name: 'Mall Member', consent: { faceRecognition: true, source: 'service-desk' }, ...extra });
  expect(created.status).toBe(201);
  const enrolled = await postImage(`/v1/members/${created.body.id}/faces`, await cropFace(face));
  expect(enrolled.status).toBe(201);
  return created.body.id;
}

const purchase = (transactionId: string, amount = 100, extra: Record<string, unknown> = {}) => ({
  transactionId,
  amount,
  currency: 'CNY',
  items: [{ sku: 'SKU-1', category: 'shoes', quantity: 1, price: amount }],
  storeId: 'store-7',
  ...extra,
});



/** Posts frames of `stranger` walking in until the visitor policy makes them a visitor; their id. */
async function visitorFrom(stranger: DemoFace, cameraId: string): Promise<string> {
  for (let n = 0; n < 6; n++) {
    const res = await postFrame(cameraId, await frameOf(stranger, n % 4));
    const id = res.body.faces[0]?.member?.id;
    if (id) return id;
  }
  throw new Error('the stranger never became a visitor');
}

/** A counter's value in the Prometheus text (0 when absent). */
async function counter(pattern: string): Promise<number> {
  const metrics = await (await fetch(`${visage.url}/metrics`)).text();
  const line = metrics.split('\n').find((l) => l.startsWith(pattern));
  return line ? Number(line.slice(pattern.length).trim()) : 0;
}

beforeAll(async () => {
  service = await startIsolatedVisage({ VISITOR_POLICY: 'track', VISITOR_MIN_SIGHTINGS: '3', FRAME_DEDUP_SECONDS: '300' }, { clock: now });
  ({ visage, sql } = service);
  await visage.modelsReady;
});

afterAll(async () => {
  await service?.close();
});

// Each test starts from an empty member base: tests pass alone and in any order.
afterEach(async () => {
  clockOffsetMs = 0;
  const { rows } = await sql.query('SELECT id FROM members');
  for (const { id } of rows) expect((await call('DELETE', `/v1/members/${id}`)).status).toBe(200);
});

describe('entrance cameras', () => {
  it('records one visit for a member seen twice within the window, and a second visit after it', async () => {
    const memberId = await enrolledMember(PERSON_A);
    // Once seen, the member is one of those seen today at the mall: later frames find them there first.
    const recognised = async () =>
      (await counter('visage_face_outcomes_total{source="frame",outcome="member"}')) + (await counter('visage_face_outcomes_total{source="frame",outcome="via_seen_today"}'));
    const outcomes = {
      member: await recognised(),
      newVisits: await counter('visage_visit_sightings_total{new="true"}'),
      joined: await counter('visage_visit_sightings_total{new="false"}'),
    };
    const t0 = new Date(Date.now() - 3_600_000);
    const first = await postFrame('entrance-north', await frameOf(PERSON_A, 0), t0);
    expect(first.status).toBe(200);
    expect(first.body.faces).toHaveLength(1);
    expect(first.body.faces[0]).toMatchObject({ skipped: false, match: { memberId }, member: { id: memberId }, visit: { newVisit: true } });
    const second = await postFrame('entrance-north', await frameOf(PERSON_A, 1), new Date(t0.getTime() + 100_000));
    expect(second.body.faces[0].visit).toMatchObject({ id: first.body.faces[0].visit.id, newVisit: false, sightings: 2 });
    expect((await get(`/v1/members/${memberId}/visits`)).body.items).toHaveLength(1);

    const later = await postFrame('entrance-north', await frameOf(PERSON_A, 2), new Date(t0.getTime() + 100_000 + 301_000));
    expect(later.body.faces[0].visit.newVisit).toBe(true);
    // Another camera is another visit even within the window.
    const otherCamera = await postFrame('entrance-south', await frameOf(PERSON_A, 0), new Date(t0.getTime() + 120_000));
    expect(otherCamera.body.faces[0].visit.newVisit).toBe(true);
    const visits = await get(`/v1/members/${memberId}/visits`);
    expect(visits.body.items.map((v: { cameraId: string }) => v.cameraId)).toEqual(['entrance-north', 'entrance-south', 'entrance-north']);
    expect(await recognised()).toBe(outcomes.member + 4);
    expect(await counter('visage_visit_sightings_total{new="true"}')).toBe(outcomes.newVisits + 3);
    expect(await counter('visage_visit_sightings_total{new="false"}')).toBe(outcomes.joined + 1);
  });

  it('answers every face of a frame, largest first, and skips blurred ones with counts by reason', async () => {
    const frame = await composeFrame([
      { face: PERSON_B, width: 200, left: 60, top: 200 },
      { face: STRANGERS[2]!, width: 320, left: 420, top: 120 },
      { face: PERSON_A, width: 260, left: 880, top: 160, blur: 6 },
    ]);
    const res = await postFrame('entrance-north', frame);
    expect(res.status).toBe(200);
    const widths = res.body.faces.map((f: { box: { width: number } }) => f.box.width);
    expect(widths).toEqual([...widths].sort((a, b) => b - a));
    const blurred = res.body.faces.find((f: { skipped: boolean }) => f.skipped);
    expect(blurred).toMatchObject({ match: null, quality: { ok: false, reasons: expect.arrayContaining(['TOO_BLURRY']) } });
    expect(res.body.skipped.TOO_BLURRY).toBe(1);
    expect(res.body.faces.filter((f: { match: unknown }) => f.match !== null)).toHaveLength(0);
  });

  it('refuses bad camera ids, capture times and bodies', async () => {
    const frame = await frameOf(STRANGERS[1]!, 0);
    expectError(await postImage('/v1/cameras/bad%20camera/frames', frame), 400, 'VALIDATION_FAILED');
    expectError(await postImage('/v1/cameras/cam-1/frames?capturedAt=yesterday', frame), 400, 'VALIDATION_FAILED');
    expectError(await postFrame('cam-1', frame, new Date(Date.now() + 3_600_000)), 400, 'VALIDATION_FAILED');
    expectError(await postImage('/v1/cameras/cam-1/frames', Buffer.from('not an image')), 400, 'INVALID_IMAGE');
  });
});

describe('visitors (policy track)', () => {
  it('makes a stranger seen in three frames one visitor member with one visit', async () => {
    const before = await countMembers('visitor');
    const stranger = STRANGERS[0]!;
    for (const n of [0, 1]) {
      const res = await postFrame('entrance-east', await frameOf(stranger, n));
      expect(res.body.faces[0]).toMatchObject({ skipped: false, match: null });
      expect(await countMembers('visitor')).toBe(before);
    }
    const third = await postFrame('entrance-east', await frameOf(stranger, 2));
    expect(third.body.faces[0]).toMatchObject({ visitorCreated: true, member: { kind: 'visitor', name: null }, visit: { newVisit: true } });
    const visitorId = third.body.faces[0].member.id;
    expect(await countMembers('visitor')).toBe(before + 1);
    expect(third.body.faces[0].member.expiresAt).not.toBeNull();
    // Its template is the mean of the sightings, stored unit-length as the cosine model's index needs.
    // (Sealed at rest: read through the admin's descriptor export, which opens it.)
    const [template] = (await get(`/v1/members/${visitorId}/faces/descriptors`)).body.faces;
    expect(Math.hypot(...template.descriptor)).toBeCloseTo(1, 4);

    const fourth = await postFrame('entrance-east', await frameOf(stranger, 3));
    expect(fourth.body.faces[0]).toMatchObject({ match: { memberId: visitorId }, visit: { newVisit: false } });
    expect(fourth.body.faces[0].visitorCreated).toBeUndefined();
    expect(await countMembers('visitor')).toBe(before + 1);
    expect((await get(`/v1/members/${visitorId}/visits`)).body.items).toHaveLength(1);
  });

  it.skipIf(!hasFfmpeg)('makes a stranger walking past a pulled camera one visitor with one visit (one track, one decision)', async () => {
    const camera = new MjpegSource(8);
    await camera.start();
    camera.play(await Promise.all([0, 1, 2, 3].map((n) => frameOf(STRANGERS[2]!, n))));
    try {
      expect((await post('/v1/cameras', { id: 'mall-east', name: 'East', url: camera.url(), sampleFps: 4 })).status).toBe(201);
      const visitor = await eventually(20_000, async () => {
        const { rows } = await sql.query("SELECT member_id FROM visits WHERE camera_id = 'mall-east'");
        return rows[0]?.member_id as string | undefined;
      });
      await new Promise((resolve) => setTimeout(resolve, 2000)); // the walk goes on: more frames of the same track
      expect(await countMembers('visitor')).toBe(1);
      expect((await get(`/v1/members/${visitor}`)).body).toMatchObject({ kind: 'visitor', faceCount: 1 });
      const { rows } = await sql.query("SELECT count(*)::int AS n FROM visits WHERE camera_id = 'mall-east'");
      expect(rows[0].n).toBe(1);
    } finally {
      await call('DELETE', '/v1/cameras/mall-east');
      await camera.kill();
      await new Promise((resolve) => setTimeout(resolve, 500)); // the ingest stopped and its last frame settled
    }
  });

  it('never creates a member from blurred frames', async () => {
    const before = await countMembers('visitor');
    for (const n of [0, 1, 2, 3]) {
      const frame = await composeFrame([{ face: STRANGERS[1]!, width: 260 + n * 10, left: 200, top: 150, blur: 6 }]);
      const res = await postFrame('entrance-east', frame);
      expect(res.body.skipped.TOO_BLURRY).toBe(1);
    }
    expect(await countMembers('visitor')).toBe(before);
  });

  it('converts a visitor into a full member that keeps its visits, found by its cloud ids', async () => {
    const visitorId = await visitorFrom(STRANGERS[1]!, 'entrance-east');
    await post('/v1/members', { name: 'Another', consent: { faceRecognition: true, source: 'desk' } }); // a second page for the listing
    expectError(await post(`/v1/members/${visitorId}/convert`, { name: 'Zhang San', consent: { faceRecognition: true, source: 'app' } }), 400, 'VALIDATION_FAILED');
    const converted = await post(`/v1/members/${visitorId}/convert`, {
      name: 'Zhang San',
      phone: '+8613900000042',
      externalIds: { alipay: 'ali-42', app: 'user-42' },
      consent: { faceRecognition: true, source: 'mall-app' },
    });
    expect(converted.status).toBe(200);
    expect(converted.body).toMatchObject({ kind: 'member', expiresAt: null, name: 'Zhang San', consent: { source: 'mall-app' }, faceCount: 1 });
    expect(converted.body.profile.visitsLast30Days).toBe(1);
    expect((await get(`/v1/members/${visitorId}/visits`)).body.items).toHaveLength(1);
    expectError(await post(`/v1/members/${visitorId}/convert`, { phone: '+8613900000043', consent: { faceRecognition: true, source: 'app' } }), 409, 'NOT_A_VISITOR');

    for (const query of ['phone=%2B8613900000042', 'alipay=ali-42', 'app=user-42', 'name=zhang']) {
      const found = await get(`/v1/members?${query}`);
      expect(found.status).toBe(200);
      expect(found.body.members.map((m: { id: string }) => m.id)).toEqual([visitorId]);
    }
    expect((await get('/v1/members?wechat=nobody')).body.members).toEqual([]);
    const all = await get('/v1/members?limit=1');
    expect(all.body.items).toHaveLength(1);
    expect(all.body.nextCursor).toEqual(expect.any(String));
    expect((await get(`/v1/members?limit=1&cursor=${all.body.nextCursor}`)).status).toBe(200);
    expectError(await get('/v1/members?phone=1&alipay=2'), 400, 'VALIDATION_FAILED');
    expectError(await post('/v1/members', { externalIds: { alipay: 'ali-42' } }), 409, 'EXTERNAL_ID_ALREADY_REGISTERED');
  });

  it('purges visitors whose time ran out, everywhere, and keeps converted ones', async () => {
    const expiring = await visitorFrom(STRANGERS[1]!, 'entrance-west');
    const converted = await visitorFrom(STRANGERS[2]!, 'entrance-west');
    expect((await post(`/v1/members/${converted}/convert`, { phone: '+8613900000077', consent: { faceRecognition: true, source: 'app' } })).status).toBe(200);
    expect(await visage.maintenance.expireVisitors()).toBe(0);
    clockOffsetMs = 31 * DAY_MS;
    try {
      expect(await visage.maintenance.expireVisitors()).toBe(1);
    } finally {
      clockOffsetMs = 0;
    }
    expectError(await get(`/v1/members/${expiring}`), 404, 'MEMBER_NOT_FOUND');
    expect(visage.index.templatesOf(expiring)).toEqual([]);
    const { rows } = await sql.query(
      `SELECT (SELECT count(*) FROM visits WHERE member_id = $1)::int AS visits, (SELECT count(*) FROM face_templates WHERE member_id = $1)::int AS faces`,
      [expiring],
    );
    expect(rows[0]).toEqual({ visits: 0, faces: 0 });
    expect((await get(`/v1/members/${converted}`)).status).toBe(200);
  });
});

describe('POS and purchases', () => {
  let memberId: string;

  beforeEach(async () => {
    memberId = await enrolledMember(PERSON_B, { phone: '+8613700000007', tags: ['vip-lounge'] });
  });

  /** The purchases the till sent for this member: 128.5 and 50 in shoes. */
  async function twoPurchases() {
    expect((await post(`/v1/members/${memberId}/purchases`, purchase('POS-1-0001', 128.5))).status).toBe(201);
    expect((await post(`/v1/members/${memberId}/purchases`, purchase('POS-1-0002', 50))).status).toBe(201);
  }

  it('accrues points once per transaction id, and returns the first answer again', async () => {
    const first = await post(`/v1/members/${memberId}/purchases`, purchase('POS-1-0001', 128.5));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ transactionId: 'POS-1-0001', points: 128, tier: 'standard', pointsBalance: 128 });
    const again = await post(`/v1/members/${memberId}/purchases`, purchase('POS-1-0001', 128.5));
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expectError(await post(`/v1/members/${memberId}/purchases`, purchase('POS-1-0001', 999)), 409, 'TRANSACTION_CONFLICT');
    const otherMember = await enrolledMember(STRANGERS[2]!);
    expectError(await post(`/v1/members/${otherMember}/purchases`, purchase('POS-1-0001', 128.5)), 409, 'TRANSACTION_CONFLICT');
    expect((await get(`/v1/members/${memberId}`)).body.profile.pointsBalance).toBe(128);
  });

  it('counts 20 parallel duplicates of one purchase once', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(`/v1/members/${memberId}/purchases`, purchase('POS-1-0002', 50))));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(19);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    const { rows } = await sql.query('SELECT count(*)::int AS n, sum(delta)::int AS points FROM points_ledger WHERE transaction_id = $1', ['POS-1-0002']);
    expect(rows[0]).toEqual({ n: 1, points: 50 });
    expect((await get(`/v1/members/${memberId}`)).body.profile.pointsBalance).toBe(50);
  });

  it('keeps the ledger append-only', async () => {
    await twoPurchases();
    await expect(sql.query('UPDATE points_ledger SET delta = 100000')).rejects.toThrow(/append-only/);
  });

  it('refuses bad purchases without changing anything', async () => {
    const url = `/v1/members/${memberId}/purchases`;
    expectError(await post(url, purchase('POS-X', 10, { currency: 'USD' })), 400, 'VALIDATION_FAILED');
    expectError(await post(url, purchase('POS-X', 10.001)), 400, 'VALIDATION_FAILED');
    expectError(await post(url, purchase('POS-X', -1)), 400, 'VALIDATION_FAILED');
    expectError(await post(url, purchase('POS-X', 10, { items: [] })), 400, 'VALIDATION_FAILED');
    expectError(await post(url, purchase('bad id with spaces', 10)), 400, 'VALIDATION_FAILED');
    expectError(await post(url, purchase('POS-X', 10, { at: new Date(Date.now() + 86_400_000).toISOString() })), 400, 'VALIDATION_FAILED');
    expectError(await post('/v1/members/6b0f0a34-9a5e-4c1e-8d1a-1c2b3d4e5f60/purchases', purchase('POS-X', 10)), 404, 'MEMBER_NOT_FOUND');
    const { rows } = await sql.query("SELECT count(*)::int AS n FROM purchases WHERE transaction_id = 'POS-X'");
    expect(rows[0].n).toBe(0);
  });

  it('identifies the payer at the POS with the profile a cashier needs', async () => {
    await twoPurchases();
    await postFrame('entrance-north', await frameOf(PERSON_B, 1));
    const res = await postImage('/v1/identify?maxFaces=1', await cropFace(PERSON_B, { width: 400 }));
    expect(res.status).toBe(200);
    expect(res.body.faces).toHaveLength(1);
    const [face] = res.body.faces;
    expect(face.match.memberId).toBe(memberId);
    expect(face.profile).toMatchObject({
      kind: 'member',
      tier: 'standard',
      pointsBalance: 178,
      tags: expect.arrayContaining(['vip-lounge']),
      favouriteCategories: [{ category: 'shoes', spend: 178.5, share: 1 }],
      visitsLast30Days: 1,
      segment: 'new',
    });
    expect(typeof face.profile.typicalVisitHour).toBe('number');
    expect(face.profile.lastVisitAt).not.toBeNull();
  });

  it('finds a payer seen at an entrance today a little further out than the whole gallery allows', async () => {
    await postFrame('entrance-north', await frameOf(PERSON_B, 1));
    const descriptorOf = async (member: string) => {
      const { rows } = await sql.query('SELECT label FROM face_templates WHERE member_id = $1 LIMIT 1', [member]);
      return visage.index.descriptorOf(Number(rows[0].label))!;
    };
    // A unit descriptor at cosine similarity `s` to the member's template (the running model is cosine).
    const atSimilarity = (descriptor: number[], s: number) => {
      const dot = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);
      const raw = descriptor.map((_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
      const along = dot(raw, descriptor);
      const orthogonal = raw.map((v, i) => v - along * descriptor[i]!);
      const norm = Math.sqrt(dot(orthogonal, orthogonal));
      return descriptor.map((v, i) => s * v + Math.sqrt(1 - s * s) * (orthogonal[i]! / norm));
    };
    const { match, today } = visage.config.thresholds;
    const between = (match + today) / 2; // too far for the whole gallery, close enough for those seen today
    const seenToday = await post('/v1/identify', { descriptor: atSimilarity(await descriptorOf(memberId), between) });
    expect(seenToday.body.faces[0]).toMatchObject({ match: { memberId, via: 'seen-today' }, member: { id: memberId } });
    expect(seenToday.body.faces[0].match.similarity).toBeCloseTo(between, 3);
    const strict = await post(`/v1/identify?threshold=${match}`, { descriptor: atSimilarity(await descriptorOf(memberId), between) });
    expect(strict.body.faces[0]).toMatchObject({ match: null, unknownReason: 'no_close_member' });

    const notToday = await enrolledMember(STRANGERS[1]!);
    const unknown = await post('/v1/identify', { descriptor: atSimilarity(await descriptorOf(notToday), between) });
    expect(unknown.body.faces[0]).toMatchObject({ match: null, unknownReason: 'no_close_member' });
    expect((await post('/v1/identify', { descriptor: atSimilarity(await descriptorOf(notToday), match + 0.05) })).body.faces[0].match.memberId).toBe(notToday);
  });

  it('lists purchases newest first, a page at a time', async () => {
    await twoPurchases();
    await post(`/v1/members/${memberId}/purchases`, purchase('POS-1-0003', 20, { at: new Date(Date.now() - 60_000).toISOString() }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { transactionId: string }[]; nextCursor: string | null } } = await get(
        `/v1/members/${memberId}/purchases?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((p) => p.transactionId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['POS-1-0002', 'POS-1-0001', 'POS-1-0003']);
    expectError(await get(`/v1/members/${memberId}/purchases?cursor=garbage`), 400, 'VALIDATION_FAILED');
    expectError(await get(`/v1/members/${memberId}/visits?limit=0`), 400, 'VALIDATION_FAILED');
  });

  it('turns dormant after 60 days without a visit or purchase', async () => {
    expect((await get(`/v1/members/${memberId}`)).body.profile.segment).toBe('new');
    clockOffsetMs = 61 * DAY_MS;
    try {
      expect((await get(`/v1/members/${memberId}`)).body.profile).toMatchObject({ segment: 'dormant', visitsLast30Days: 0 });
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('purges a member with every event and point', async () => {
    await postFrame('entrance-north', await frameOf(PERSON_B, 1));
    await twoPurchases();
    await post(`/v1/members/${memberId}/purchases`, purchase('POS-1-0003', 20));
    const purged = await call('DELETE', `/v1/members/${memberId}`);
    expect(purged.status).toBe(200);
    expect(purged.body.purged).toMatchObject({ faces: 1, events: 4 }); // 1 visit + 3 purchases
    const { rows } = await sql.query(
      `SELECT (SELECT count(*) FROM visits WHERE member_id = $1)::int AS visits,
              (SELECT count(*) FROM purchases WHERE member_id = $1)::int AS purchases,
              (SELECT count(*) FROM points_ledger WHERE member_id = $1)::int AS points,
              (SELECT count(*) FROM member_external_ids WHERE member_id = $1)::int AS ids`,
      [memberId],
    );
    expect(rows[0]).toEqual({ visits: 0, purchases: 0, points: 0, ids: 0 });
  });
});
