import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectError } from '../testSupport/apiClient.js';
import { cropFace, PERSON_A, PERSON_B, STRANGERS } from '../testSupport/facePhotos.js';
import { ADMIN_AUTH, type IsolatedVisage, startIsolatedVisage } from '../testSupport/testVisage.js';

/**
 * Malls as partitions, over HTTP against the real PostgreSQL and models: malls and stores, keys
 * bound to them, a member's home mall; a till searching its mall's partitions before the group;
 * the group past its size limit (GROUP_SEARCH_MAX_TEMPLATES=0 here: never searched, as at a
 * group of millions), so a member of another mall is `needs_second_factor` until the phone's
 * last four digits find them, after which that mall knows them by face alone.
 */

let service: IsolatedVisage;
let clockOffsetMs = 0;
const now = () => new Date(Date.now() + clockOffsetMs);
const admin = apiClient(() => service.visage.url, ADMIN_AUTH);
const as = (key: string) => apiClient(() => service.visage.url, { authorization: `Bearer ${key}` });

const consent = { faceRecognition: true, source: 'service-desk' };

async function keyFor(body: Record<string, unknown>): Promise<string> {
  const created = await admin.post('/v1/keys', body);
  expect(created.status).toBe(201);
  return created.body.key as string;
}

async function enrolled(face: typeof PERSON_A, body: Record<string, unknown>): Promise<string> {
  const created = await admin.post('/v1/members', { consent, ...body });
  expect(created.status).toBe(201);
  expect((await admin.postImage(`/v1/members/${created.body.id}/faces`, await cropFace(face))).status).toBe(201);
  return created.body.id as string;
}

/** A till's identify of one photo (liveness is off in this file: the photos are crops). */
const identifyAt = async (till: ReturnType<typeof as>, photo: Buffer) => {
  const res = await till.postImage('/v1/identify?maxFaces=1', photo);
  expect(res.status).toBe(200);
  return res.body.faces[0];
};

let tillNorth: ReturnType<typeof as>;
let tillSouth: ReturnType<typeof as>;
let memberA: string;
let memberB: string;

beforeAll(async () => {
  service = await startIsolatedVisage({ GROUP_SEARCH_MAX_TEMPLATES: '0', LIVENESS_DEFAULT_POS: 'off' }, { clock: now });
  await service.visage.modelsReady;
  for (const mall of [{ id: 'north', name: 'North Mall', timeZone: 'Asia/Shanghai' }, { id: 'south', name: 'South Mall' }]) {
    expect((await admin.post('/v1/malls', mall)).status).toBe(201);
  }
  expect((await admin.post('/v1/stores', { id: 'n-1', mallId: 'north', name: 'Shoes', brand: 'Stride' })).status).toBe(201);
  expect((await admin.post('/v1/stores', { id: 's-1', mallId: 'south', name: 'Coffee' })).status).toBe(201);
  tillNorth = as(await keyFor({ role: 'pos', name: 'north till', storeId: 'n-1' }));
  tillSouth = as(await keyFor({ role: 'pos', name: 'south till', storeId: 's-1' }));
  // Two members at home in the north whose phones end in the same four digits.
  memberA = await enrolled(PERSON_A, { name: 'A', phone: '+8613800012345', homeMallId: 'north' });
  memberB = await enrolled(PERSON_B, { name: 'B', phone: '+8613900002345', homeMallId: 'north' });
}, 120_000);

afterAll(() => service?.close());

describe('malls and stores', () => {
  it('are created, read, changed and refused with stable codes', async () => {
    expect((await admin.get('/v1/malls')).body.malls.map((m: { id: string }) => m.id)).toEqual(['default', 'north', 'south']);
    expect((await admin.get('/v1/malls/north')).body).toMatchObject({ id: 'north', name: 'North Mall', timeZone: 'Asia/Shanghai' });
    expect((await admin.call('PATCH', '/v1/malls/south', { timeZone: 'Europe/London' })).body).toMatchObject({ id: 'south', timeZone: 'Europe/London' });
    expect((await admin.call('PATCH', '/v1/stores/s-1', { brand: 'Bean' })).body).toMatchObject({ id: 's-1', mallId: 'south', brand: 'Bean' });
    expect((await admin.get('/v1/stores?mallId=north')).body.stores.map((s: { id: string }) => s.id)).toEqual(['n-1']);

    expectError(await admin.post('/v1/malls', { id: 'north', name: 'Again' }), 409, 'MALL_ALREADY_EXISTS');
    expectError(await admin.post('/v1/malls', { id: 'Bad Id', name: 'x' }), 400, 'VALIDATION_FAILED');
    expectError(await admin.post('/v1/malls', { id: 'west', name: 'x', timeZone: 'Mars/Olympus' }), 400, 'VALIDATION_FAILED');
    expectError(await admin.post('/v1/stores', { id: 'x-1', mallId: 'nowhere', name: 'x' }), 404, 'MALL_NOT_FOUND');
    expectError(await admin.post('/v1/stores', { id: 'n-1', mallId: 'north', name: 'x' }), 409, 'STORE_ALREADY_EXISTS');
    expectError(await admin.call('PATCH', '/v1/stores/n-1', { mallId: 'nowhere' }), 404, 'MALL_NOT_FOUND');
    expectError(await admin.get('/v1/malls/nowhere'), 404, 'MALL_NOT_FOUND');
    expectError(await admin.get('/v1/stores/nope'), 404, 'STORE_NOT_FOUND');
    expectError(await admin.post('/v1/keys', { role: 'pos', name: 'x', storeId: 'nope' }), 404, 'STORE_NOT_FOUND');
    expectError(await admin.post('/v1/keys', { role: 'pos', name: 'x', storeId: 'n-1', mallId: 'south' }), 400, 'VALIDATION_FAILED');
    expectError(await admin.post('/v1/members', { consent, homeMallId: 'nowhere' }), 404, 'MALL_NOT_FOUND');
    // Nothing of the refused writes is there.
    expect((await service.sql.query("SELECT count(*)::int AS n FROM malls WHERE id = 'west'")).rows[0].n).toBe(0);
    expect((await service.sql.query("SELECT count(*)::int AS n FROM stores WHERE id = 'x-1'")).rows[0].n).toBe(0);
  });

  it("binds a till's key to its store and mall, and a mall-bound key sees only its own mall", async () => {
    const keys = (await admin.get('/v1/keys')).body.keys as { name: string; mallId: string | null; storeId: string | null }[];
    expect(keys.find((k) => k.name === 'north till')).toMatchObject({ mallId: 'north', storeId: 'n-1' });
    const southDesk = as(await keyFor({ role: 'operator', name: 'south desk', mallId: 'south' }));
    expect((await southDesk.get('/v1/malls')).body.malls.map((m: { id: string }) => m.id)).toEqual(['south']);
    expectError(await southDesk.get('/v1/malls/north'), 404, 'MALL_NOT_FOUND');
    expectError(await southDesk.get('/v1/stores/n-1'), 404, 'STORE_NOT_FOUND');
    expectError(await southDesk.get('/v1/stores?mallId=north'), 404, 'MALL_NOT_FOUND');
    expectError(await southDesk.get('/v1/admin/recognition?mallId=north'), 404, 'MALL_NOT_FOUND');
    expect((await southDesk.get('/v1/admin/recognition')).body.malls.map((m: { mallId: string }) => m.mallId)).toEqual(['south']);
    // A member created at the south desk is at home there.
    const created = await southDesk.post('/v1/members', { consent });
    expect(created.body.homeMallId).toBe('south');
  });
});

describe('templates that learn at the till', () => {
  it('keeps a clear till recognition as an adaptive template, listed apart, audited and removable; an operator identify teaches nothing', async () => {
    const listed = async () => (await admin.get(`/v1/members/${memberB}/faces`)).body as { faces: { kind: string }[]; adaptive: { id: string; kind: string; photoKey: null }[] };
    const before = (await listed()).adaptive.length;
    await admin.postImage('/v1/identify?maxFaces=1', await cropFace(PERSON_B, { width: 300, margin: 0.8 }));
    expect((await listed()).adaptive).toHaveLength(before);
    const face = await identifyAt(tillNorth, await cropFace(PERSON_B, { width: 300, margin: 0.8 }));
    expect(face.match).toMatchObject({ memberId: memberB });
    const after = await listed();
    // Learnt now, or on an earlier clear recognition today (one a day).
    expect(after.adaptive.length).toBeGreaterThanOrEqual(1);
    expect(after.faces.every((f) => f.kind === 'enrolled')).toBe(true);
    expect(after.adaptive[0]).toMatchObject({ kind: 'adaptive', photoKey: null });
    // Audit records are written in batches a moment after the request.
    const audited = async () => (await service.sql.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'face.adapted' AND member_id = $1", [memberB])).rows[0].n as number;
    for (let tries = 0; tries < 50 && (await audited()) === 0; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await audited()).toBeGreaterThanOrEqual(1);
    for (const adaptive of after.adaptive) expect((await admin.call('DELETE', `/v1/members/${memberB}/faces/${adaptive.id}`)).status).toBe(204);
    expect((await listed()).adaptive).toEqual([]);
    expect((await listed()).faces).toHaveLength(1);
  });
});

describe('identification by partitions, and the second factor', () => {
  it("finds a home member among the mall's regulars, and names each face with a recognition", async () => {
    const face = await identifyAt(tillNorth, await cropFace(PERSON_A, { width: 280 }));
    expect(face.match).toMatchObject({ memberId: memberA, via: 'regulars' });
    expect(face.recognitionId).toMatch(/^[0-9a-f-]{36}$/);
    // The probe is sealed (the hour's probe key): 4 bytes of magic, a 12-byte nonce, 4 bytes a dimension, a 16-byte tag.
    const { rows } = await service.sql.query(
      'SELECT key_id, mall_id, store_id, member_id, descriptor, (octet_length(descriptor_sealed) - 32) / 4 AS d, probe_key_id FROM recognitions WHERE id = $1',
      [face.recognitionId],
    );
    expect(rows[0]).toMatchObject({ mall_id: 'north', store_id: 'n-1', member_id: memberA, descriptor: null, d: service.visage.config.faceModel.dimension });
    expect(rows[0].probe_key_id).toMatch(/^[0-9a-f-]{36}$/);
    // An operator's identify (not a till) carries no recognition.
    expect((await admin.postImage('/v1/identify?maxFaces=1', await cropFace(PERSON_A))).body.faces[0].recognitionId).toBeUndefined();
  });

  it('shows each partition with its size, threshold and expected FPIR', async () => {
    const report = (await admin.get('/v1/admin/recognition?mallId=north')).body;
    expect(report).toMatchObject({ targetFpir: 0.001, groupMaxTemplates: 0, curve: { pairs: expect.any(Number) } });
    const [north] = report.malls;
    const byName = Object.fromEntries(north.partitions.map((p: { name: string }) => [p.name, p]));
    // Two members; a till's clear recognition may have taught one an adaptive template (ADAPT_*).
    expect(byName.regulars).toMatchObject({ members: 2, searched: true, threshold: service.visage.config.thresholds.match });
    expect(byName.regulars.templates).toBeGreaterThanOrEqual(2);
    expect(byName.regulars.expectedFpir).toBeGreaterThan(0);
    expect(byName.regulars.expectedFpir).toBeLessThanOrEqual(0.001);
    expect(byName.group).toMatchObject({ searched: false, skipped: 'too_large', threshold: null });
  });

  it("answers a member of another mall needs_second_factor, and the phone's last digits find them; then that mall knows them", async () => {
    const photo = await cropFace(PERSON_A, { width: 260 });
    const first = await identifyAt(tillSouth, photo);
    expect(first).toMatchObject({ match: null, unknownReason: 'needs_second_factor' });
    const recognitionId = first.recognitionId as string;

    // Another till cannot use it; a made-up id is unknown; neither says more.
    expectError(await tillNorth.post('/v1/identify/second-factor', { recognitionId, phoneLast4: '2345' }), 404, 'RECOGNITION_NOT_FOUND');
    expectError(await tillSouth.post('/v1/identify/second-factor', { recognitionId: '00000000-0000-4000-8000-000000000000', phoneLast4: '2345' }), 404, 'RECOGNITION_NOT_FOUND');
    expectError(await tillSouth.post('/v1/identify/second-factor', { recognitionId, phoneLast4: '23' }), 400, 'VALIDATION_FAILED');

    // Wrong digits: unknown, exactly as when the digits name members who are not this face.
    const wrong = await tillSouth.post('/v1/identify/second-factor', { recognitionId, phoneLast4: '9999' });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ faces: [{ match: null, unknownReason: 'no_close_member', recognitionId }], triesLeft: 2 });
    const right = await tillSouth.post('/v1/identify/second-factor', { recognitionId, phoneLast4: '2345' });
    expect(right.body).toMatchObject({ faces: [{ match: { memberId: memberA, via: 'second-factor' }, member: { id: memberA }, recognitionId }], triesLeft: 1 });
    expect(right.body.faces[0].profile).toBeDefined();
    expectError(await tillSouth.post('/v1/identify/second-factor', { recognitionId, phoneLast4: '2345' }), 400, 'VALIDATION_FAILED');

    // From now on a regular of the south mall: found by the face alone.
    const again = await identifyAt(tillSouth, await cropFace(PERSON_A, { width: 240 }));
    expect(again.match).toMatchObject({ memberId: memberA, via: 'regulars' });
    const { rows } = await service.sql.query("SELECT reason FROM member_mall_activity WHERE member_id = $1 AND mall_id = 'south'", [memberA]);
    expect(rows).toEqual([{ reason: 'second_factor' }]);
  });

  it('checks a whole phone number 1:1, and locks a recognition after three tries', async () => {
    const stranger = await identifyAt(tillSouth, await cropFace(STRANGERS[0]!));
    expect(stranger.unknownReason).toBe('needs_second_factor');
    for (const phoneLast4 of ['1111', '2345', '3333']) {
      expect((await tillSouth.post('/v1/identify/second-factor', { recognitionId: stranger.recognitionId, phoneLast4 })).body.faces[0].match).toBeNull();
    }
    expectError(await tillSouth.post('/v1/identify/second-factor', { recognitionId: stranger.recognitionId, phoneLast4: '2345' }), 429, 'SECOND_FACTOR_LOCKED');

    const b = await identifyAt(tillSouth, await cropFace(PERSON_B, { width: 260 }));
    const wrongPerson = await tillSouth.post('/v1/identify/second-factor', { recognitionId: b.recognitionId, phone: '+8613800012345' });
    // The number's digits are what count: the same phone written without the + is B's.
    expect(wrongPerson.body.faces[0]).toMatchObject({ match: null, unknownReason: 'no_close_member' });
    const rightPerson = await tillSouth.post('/v1/identify/second-factor', { recognitionId: b.recognitionId, phone: '8613900002345' });
    expect(rightPerson.body.faces[0].match).toMatchObject({ memberId: memberB, via: 'second-factor' });
  });

  it('refuses an expired recognition, and forgets its descriptor', async () => {
    const face = await identifyAt(tillSouth, await cropFace(STRANGERS[1]!));
    clockOffsetMs = 121_000;
    try {
      expectError(await tillSouth.post('/v1/identify/second-factor', { recognitionId: face.recognitionId, phoneLast4: '2345' }), 409, 'RECOGNITION_EXPIRED');
      await service.visage.maintenance.forgetExpiredRecognitions();
      const { rows } = await service.sql.query('SELECT descriptor, descriptor_sealed, probe_key_id FROM recognitions WHERE id = $1', [face.recognitionId]);
      expect(rows).toEqual([{ descriptor: null, descriptor_sealed: null, probe_key_id: null }]);
    } finally {
      clockOffsetMs = 0;
    }
  });

  it("leaves no trace of a purged member's recognitions or mall activity", async () => {
    const member = await enrolled(STRANGERS[2]!, { phone: '+8613700007777', homeMallId: 'south' });
    const face = await identifyAt(tillSouth, await cropFace(STRANGERS[2]!, { width: 260 }));
    expect(face.match?.memberId, JSON.stringify({ ...face, member: undefined, profile: undefined })).toBe(member);
    expect((await admin.call('DELETE', `/v1/members/${member}`)).status).toBe(200);
    for (const table of ['recognitions', 'member_mall_activity']) {
      const { rows } = await service.sql.query(`SELECT count(*)::int AS n FROM ${table} WHERE member_id = $1`, [member]);
      expect(rows[0].n, table).toBe(0);
    }
  });
});
