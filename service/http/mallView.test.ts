import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectError } from '../testSupport/apiClient.js';
import { composeFrame, cropFace, PERSON_A } from '../testSupport/facePhotos.js';
import { isolatedVisagePerFile } from '../testSupport/testVisage.js';
import { localDate } from '../shared/timeZones.js';

/**
 * The mall's own view: cameras placed in zones and on the floor plan, a member's trail through the
 * mall (recorded by real frames of a real face), its retention and purge, and GET /v1/stats's
 * access rules. The figures themselves are checked in domain/mall/mallStats.medium.test.ts.
 */
const file = isolatedVisagePerFile();
const { api } = file;
const MALL = 'west';
const ZONE = 'Asia/Shanghai';
const consent = { faceRecognition: true, source: 'desk' };
const yesterday = localDate(new Date(Date.now() - 86_400_000), ZONE);
const yesterdayAt = (hhmm: string) => `${yesterday}T${hhmm}:00+08:00`;

let member: string;
let frame: Buffer;

beforeAll(async () => {
  expect((await api.post('/v1/malls', { id: MALL, name: 'West', timeZone: ZONE })).status).toBe(201);
  member = (await api.post('/v1/members', { name: 'Walker', consent, homeMallId: MALL })).body.id;
  expect((await api.postImage(`/v1/members/${member}/faces`, await cropFace(PERSON_A))).status).toBe(201);
  frame = await composeFrame([{ face: PERSON_A, width: 260, left: 300, top: 160 }]);
  for (const [id, zone, x, y] of [['w-gate', 'entrance', 0.1, 0.8], ['w-food', 'food-court', 0.6, 0.3]] as const) {
    expect((await api.post('/v1/cameras', camera(id, zone, x, y))).status).toBe(201);
  }
}, 60_000);

const camera = (id: string, zone: string, x: number, y: number) => ({ id, name: id, url: 'rtsp://10.0.0.9/stream', enabled: false, mallId: MALL, zone, position: { x, y } });

const seenAt = async (cameraId: string, capturedAt: string) => {
  const res = await api.postImage(`/v1/cameras/${cameraId}/frames?capturedAt=${encodeURIComponent(capturedAt)}`, frame);
  expect(res.status).toBe(200);
  expect(res.body.faces[0]).toMatchObject({ match: { memberId: member } });
};

describe('floor plan and camera positions', () => {
  it('keeps an uploaded plan as PNG, refuses what is not an image, and places cameras on it by zone and position', async () => {
    expectError(await api.get(`/v1/malls/${MALL}/floor-plan`), 404, 'FLOOR_PLAN_NOT_FOUND');
    expectError(await api.postImage(`/v1/malls/${MALL}/floor-plan`, Buffer.from('not an image at all'), 'image/png'), 400, 'INVALID_IMAGE');
    expectError(await api.get(`/v1/malls/${MALL}/floor-plan`), 404, 'FLOOR_PLAN_NOT_FOUND');
    const drawing = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#f4f1ea' } }).jpeg().toBuffer();
    expectError(await api.postImage('/v1/malls/nowhere/floor-plan', drawing), 404, 'MALL_NOT_FOUND');
    const saved = await api.postImage(`/v1/malls/${MALL}/floor-plan`, drawing);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ contentType: 'image/png', width: 800, height: 600 });
    const plan = await fetch(`${file.service.visage.url}/v1/malls/${MALL}/floor-plan`, { headers: { authorization: 'Bearer test-admin-key-0123456789abcdef' } });
    expect(plan.headers.get('content-type')).toBe('image/png');
    expect(await sharp(Buffer.from(await plan.arrayBuffer())).metadata()).toMatchObject({ format: 'png', width: 800, height: 600 });

    const corner = await api.post('/v1/cameras', camera('w-corner', 'floor-2', 0.9, 0.1));
    expect(corner.status).toBe(201);
    expect(corner.body).toMatchObject({ mallId: MALL, zone: 'floor-2', position: { x: 0.9, y: 0.1 } });
    expectError(await api.post('/v1/cameras', camera('w-bad', 'Food Court', 0.5, 0.5)), 400, 'VALIDATION_FAILED');
    expectError(await api.post('/v1/cameras', camera('w-bad', 'floor-2', 1.5, 0.5)), 400, 'VALIDATION_FAILED');
    expect((await api.get('/v1/cameras/w-bad')).status).toBe(404);
    // A zone and a position may be cleared, and set again.
    expect((await api.call('PATCH', '/v1/cameras/w-corner', { zone: null, position: null })).body).toMatchObject({ zone: null, position: null });
    expect((await api.call('PATCH', '/v1/cameras/w-corner', { zone: 'floor-3', position: { x: 0.8, y: 0.2 } })).body).toMatchObject({ zone: 'floor-3', position: { x: 0.8, y: 0.2 } });
  });
});

describe("a member's trail", () => {
  it('lists the day’s stops in order with camera, zone and dwell; an old trail loses its cameras; a purge takes it', async () => {
    await seenAt('w-gate', yesterdayAt('10:00'));
    await seenAt('w-food', yesterdayAt('10:20'));
    await seenAt('w-food', yesterdayAt('10:23')); // within FRAME_DEDUP_SECONDS (300): the same stop
    await seenAt('w-gate', yesterdayAt('11:40'));
    // 40 days ago: past the 30 days' retention once the job has run.
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    await seenAt('w-gate', longAgo.toISOString());

    const trail = await api.get(`/v1/members/${member}/trail?date=${yesterday}`);
    expect(trail.status).toBe(200);
    expect(trail.body.date).toBe(yesterday);
    expect(trail.body.stops).toEqual([
      expect.objectContaining({ mallId: MALL, cameraId: 'w-gate', camera: { name: 'w-gate', zone: 'entrance', position: { x: 0.1, y: 0.8 } }, dwellSeconds: 0, sightings: 1 }),
      expect.objectContaining({ cameraId: 'w-food', camera: expect.objectContaining({ zone: 'food-court' }), dwellSeconds: 180, sightings: 2 }),
      expect.objectContaining({ cameraId: 'w-gate', dwellSeconds: 0 }),
    ]);
    expect(trail.body.stops[0].firstSeenAt).toBe(new Date(yesterdayAt('10:00')).toISOString());

    const oldDay = localDate(longAgo, ZONE);
    expect((await api.get(`/v1/members/${member}/trail?date=${oldDay}`)).body.stops).toHaveLength(1);
    expect(await file.service.visage.maintenance.forgetOldTrails()).toBe(1);
    expect((await api.get(`/v1/members/${member}/trail?date=${oldDay}`)).body.stops).toEqual([]);
    // The visit itself stays (the profile counts it); where it was does not.
    const visits = (await api.get(`/v1/members/${member}/visits?limit=10`)).body.items;
    expect(visits).toHaveLength(4);
    expect(visits.at(-1)).toMatchObject({ cameraId: null, firstSeenAt: longAgo.toISOString() });
    // Yesterday's trail is within the retention: untouched.
    expect((await api.get(`/v1/members/${member}/trail?date=${yesterday}`)).body.stops).toHaveLength(3);

    // A key bound to another mall sees none of this mall's trail.
    const other = (await api.post('/v1/keys', { role: 'operator', name: 'default mall desk', mallId: 'default' })).body.key;
    const otherApi = apiClient(() => file.service.visage.url, { authorization: `Bearer ${other}` });
    expect((await otherApi.get(`/v1/members/${member}/trail?date=${yesterday}`)).body.stops).toEqual([]);

    expectError(await api.get(`/v1/members/${member}/trail?date=07-12-2026`), 400, 'VALIDATION_FAILED');
    expect((await api.call('DELETE', `/v1/members/${member}`)).status).toBe(200);
    expectError(await api.get(`/v1/members/${member}/trail?date=${yesterday}`), 404, 'MEMBER_NOT_FOUND');
    const { rows } = await file.service.sql.query('SELECT count(*)::int AS n FROM visits WHERE member_id = $1', [member]);
    expect(rows[0].n).toBe(0);
  });

  it('answers TRAIL_NOT_KEPT where TRAIL_RETENTION_DAYS is 0', async () => {
    await file.service.restart({ TRAIL_RETENTION_DAYS: '0' });
    await file.service.visage.modelsReady;
    try {
      const someone = (await api.post('/v1/members', { name: 'Nobody tracked', consent })).body.id;
      expectError(await api.get(`/v1/members/${someone}/trail`), 409, 'TRAIL_NOT_KEPT');
    } finally {
      await file.service.restart();
      await file.service.visage.modelsReady;
    }
  });
});

describe('GET /v1/stats', () => {
  it("answers a mall's figures to its operators, and nothing of a mall the key may not see", async () => {
    const read = async () => {
      const stats = await api.get(`/v1/stats?mall=${MALL}&from=${encodeURIComponent(yesterdayAt('00:00'))}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&interval=day`);
      expect(stats.status).toBe(200);
      expect(stats.body).toMatchObject({ mallId: MALL, timeZone: ZONE, interval: 'day', buckets: [`${yesterday}T00:00`, `${localDate(new Date(), ZONE)}T00:00`] });
      return stats.body;
    };
    const before = await read();
    // A member who joins and leaves: counted both ways, named nowhere.
    const passing = (await api.post('/v1/members', { name: 'Passing', consent, homeMallId: MALL })).body.id;
    expect((await api.call('DELETE', `/v1/members/${passing}`)).status).toBe(200);
    const after = await read();
    expect(after.members.joinedMembers - before.members.joinedMembers).toBe(1);
    expect(after.members.leftMembers - before.members.leftMembers).toBe(1);
    expect(after.members.netNewMembers).toBe(before.members.netNewMembers);
    expect(JSON.stringify(after)).not.toContain(passing);
    const other = (await api.post('/v1/keys', { role: 'operator', name: 'default desk', mallId: 'default' })).body.key;
    const otherApi = apiClient(() => file.service.visage.url, { authorization: `Bearer ${other}` });
    expectError(await otherApi.get(`/v1/stats?mall=${MALL}`), 404, 'MALL_NOT_FOUND');
    expect((await otherApi.get('/v1/stats')).body.mallId).toBe('default');
    expectError(await api.get('/v1/stats?interval=week'), 400, 'VALIDATION_FAILED');
    expectError(await api.get('/v1/stats?mall=nowhere'), 404, 'MALL_NOT_FOUND');
    expectError(await api.get(`/v1/stats?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=hour`), 400, 'VALIDATION_FAILED');
  });
});
