import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Visage } from '../app/startVisage.js';
import { isSealed } from '../crypto/sealedBox.js';
import { composeFrame, cropFace, demoPhoto, PERSON_A, PERSON_B, STRANGERS } from '../testSupport/facePhotos.js';
import { apiClient, expectError } from '../testSupport/apiClient.js';
import { ADMIN_AUTH, type IsolatedVisage, startIsolatedVisage } from '../testSupport/testVisage.js';

/**
 * The whole flow over HTTP against the real embedded PostgreSQL, the real models and the
 * filesystem blob store: create → enroll → identify → verify → remove → purge, and every error
 * code of the core API.
 */

const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;

let service: IsolatedVisage;
let dataDir: string;
let visage: Visage;
let sql: pg.Pool;

const { call, post, postImage } = apiClient(() => visage.url, ADMIN_AUTH);

async function createMember(extra: Record<string, unknown> = {}): Promise<string> {
  const res = await post('/v1/members', { name: 'Test Member', consent: { faceRecognition: true, source: 'service-desk' }, ...extra });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function labelOf(faceId: string): Promise<number> {
  const { rows } = await sql.query('SELECT label FROM face_templates WHERE id = $1', [faceId]);
  return Number(rows[0].label);
}

async function blobKeysOf(memberId: string): Promise<string[]> {
  const dir = path.join(dataDir, 'blobs', 'members', memberId);
  return fs.readdir(dir, { recursive: true }).catch(() => []);
}

/** A photo of A with EXIF that says where and with what it was taken: the stored copy must not keep it. */
const photoOfA = cropFace(PERSON_A).then((photo) =>
  sharp(photo)
    .withExif({ IFD0: { Make: 'SecretPhone', Model: 'X1' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '31/1 14/1 0/1' } })
    .jpeg()
    .toBuffer(),
);

/** Person A, created and enrolled with `photoOfA`. */
async function enrolledA(): Promise<{ memberA: string; faceA: string }> {
  const memberA = await createMember({ name: 'Person A' });
  const res = await postImage(`/v1/members/${memberA}/faces`, await photoOfA);
  expect(res.status).toBe(201);
  return { memberA, faceA: res.body.faceId };
}

beforeAll(async () => {
  service = await startIsolatedVisage({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
  ({ visage, sql, dataDir } = service);
  await visage.modelsReady;
});

afterAll(async () => {
  await service?.close();
});

// Each test starts from an empty member base: tests pass alone and in any order.
afterEach(async () => {
  const { rows } = await sql.query('SELECT id FROM members');
  for (const { id } of rows) expect((await call('DELETE', `/v1/members/${id}`)).status).toBe(200);
});

describe('before the models are warm', () => {
  it('says 503 NOT_READY on /readyz and on face endpoints, and 200 on /healthz', async () => {
    const cold = await startIsolatedVisage();
    try {
      const coldApi = apiClient(() => cold.visage.url, ADMIN_AUTH);
      expect(cold.visage.pipeline.isReady).toBe(false); // warming takes seconds; these calls take milliseconds
      const notReady = await coldApi.call('GET', '/readyz');
      expectError(notReady, 503, 'NOT_READY');
      expect(notReady.body.error.checks).toMatchObject({ models: false, index: true, database: true });
      expectError(await coldApi.postImage('/v1/identify', await cropFace(PERSON_A)), 503, 'NOT_READY');
      expect((await coldApi.call('GET', '/healthz')).status).toBe(200);
      await cold.visage.modelsReady;
      const ready = await coldApi.call('GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({ models: true, index: true, database: true });
    } finally {
      await cold.close();
    }
  });
});

describe('service endpoints', () => {
  it('serves the OpenAPI description and Prometheus metrics', async () => {
    const openapi = await call('GET', '/openapi.json');
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining(['/v1/members', '/v1/members/{id}', '/v1/members/{id}/faces', '/v1/identify', '/v1/verify']),
    );
    const metrics = await call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('visage_index_templates');
    expect(metrics.body).toContain('visage_http_request_duration_seconds');
  });

  it('answers unknown routes with 404 NOT_FOUND in the error shape', async () => {
    expectError(await call('GET', '/v1/nothing-here'), 404, 'NOT_FOUND');
  });
});

describe('members', () => {
  it('creates, reads and updates a member', async () => {
    const created = await post('/v1/members', {
      name: 'Li Wei',
      phone: '+8613800000001',
      externalIds: { wechat: 'wx-123' },
      tags: ['coffee'],
      consent: { faceRecognition: true, source: 'kiosk-3' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'member', name: 'Li Wei', tier: 'standard', consent: { faceRecognition: true, source: 'kiosk-3' } });
    const id = created.body.id;
    const read = await call('GET', `/v1/members/${id}`);
    expect(read.body).toMatchObject({ id, phone: '+8613800000001', externalIds: { wechat: 'wx-123' }, faceCount: 0 });
    const patched = await call('PATCH', `/v1/members/${id}`, { tier: 'gold', tags: ['coffee', 'shoes'] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ tier: 'gold', tags: ['coffee', 'shoes'], name: 'Li Wei' });
  });

  it('rejects bad member input with VALIDATION_FAILED and a taken phone with 409', async () => {
    expectError(await post('/v1/members', { phone: 'call me' }), 400, 'VALIDATION_FAILED');
    expectError(await post('/v1/members', { name: 'x', isAdmin: true }), 400, 'VALIDATION_FAILED');
    expectError(await post('/v1/members', '{"name": '), 400, 'VALIDATION_FAILED');
    expectError(await post('/v1/members', 'not json at all', { 'content-type': 'application/json' }), 400, 'VALIDATION_FAILED');
    const id = await createMember();
    expectError(await call('PATCH', `/v1/members/${id}`, {}), 400, 'VALIDATION_FAILED');
    await createMember({ phone: '+8613800000099' });
    expectError(await post('/v1/members', { phone: '+8613800000099' }), 409, 'PHONE_ALREADY_REGISTERED');
  });

  it('answers MEMBER_NOT_FOUND for unknown and malformed ids', async () => {
    expectError(await call('GET', '/v1/members/6b0f0a34-9a5e-4c1e-8d1a-1c2b3d4e5f60'), 404, 'MEMBER_NOT_FOUND');
    expectError(await call('GET', '/v1/members/not-a-uuid'), 404, 'MEMBER_NOT_FOUND');
    expectError(await call('DELETE', '/v1/members/6b0f0a34-9a5e-4c1e-8d1a-1c2b3d4e5f60'), 404, 'MEMBER_NOT_FOUND');
    expectError(await postImage('/v1/members/6b0f0a34-9a5e-4c1e-8d1a-1c2b3d4e5f60/faces', await cropFace(PERSON_A)), 404, 'MEMBER_NOT_FOUND');
  });
});

describe('enroll, identify, verify, purge', () => {
  it('enrolls a photo of person A, and lists and reads its template', async () => {
    const memberA = await createMember({ name: 'Person A' });
    expect((await sharp(await photoOfA).metadata()).exif).toBeDefined();
    const res = await postImage(`/v1/members/${memberA}/faces`, await photoOfA);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ memberId: memberA, quality: { ok: true, reasons: [] }, model: { name: visage.config.faceModel.name, version: visage.config.faceModel.version } });
    expect(res.body.box.width).toBeGreaterThan(100);
    const faceA = res.body.faceId;
    const list = await call('GET', `/v1/members/${memberA}/faces`);
    expect(list.body.faces.map((f: { id: string }) => f.id)).toEqual([faceA]);
    const one = await call('GET', `/v1/members/${memberA}/faces/${faceA}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(list.body.faces[0]);
    expectError(await call('GET', `/v1/members/${memberA}/faces/6b0f0a34-9a5e-4c1e-8d1a-1c2b3d4e5f60`), 404, 'FACE_NOT_FOUND');
    expectError(await call('GET', `/v1/members/${memberA}/faces/not-a-face`), 404, 'FACE_NOT_FOUND');
    expectError(await call('GET', `/v1/members/6b0f0a34-9a5e-4c1e-8d1a-1c2b3d4e5f60/faces/${faceA}`), 404, 'MEMBER_NOT_FOUND');
    expect(await blobKeysOf(memberA)).toHaveLength(2); // faces/ and faces/<id>.jpg
    // On disk the photo is sealed under the member's key; through the API it opens, metadata removed.
    const stored = await fs.readFile(path.join(dataDir, 'blobs', 'members', memberA, 'faces', `${faceA}.jpg`));
    expect(isSealed(stored)).toBe(true);
    await expect(sharp(stored).metadata()).rejects.toThrow();
    const photo = await fetch(`${visage.url}/v1/members/${memberA}/faces/${faceA}/photo`, { headers: ADMIN_AUTH });
    const opened = Buffer.from(await photo.arrayBuffer());
    expect((await sharp(opened).metadata()).format).toBe('jpeg');
    expect((await sharp(opened).metadata()).exif).toBeUndefined();
    expect(opened.includes(Buffer.from('SecretPhone'))).toBe(false);
  });

  it('identifies another photo of A (other crop, scale and JPEG quality) as A, with the profile', async () => {
    const { memberA, faceA } = await enrolledA();
    const probe = await cropFace(PERSON_A, { margin: 0.9, width: 240, quality: 60 });
    const res = await postImage('/v1/identify?maxFaces=1', probe);
    expect(res.status).toBe(200);
    expect(res.body.faces).toHaveLength(1);
    const [face] = res.body.faces;
    expect(face.match).toMatchObject({ memberId: memberA, faceId: faceA });
    expect(face.match.similarity).toBeGreaterThan(visage.config.thresholds.match);
    expect(face.member).toMatchObject({ id: memberA, name: 'Person A', tier: 'standard' });
  });

  it('identifies from a PNG and from a multipart upload too', async () => {
    const { memberA } = await enrolledA();
    const png = await postImage('/v1/identify', await cropFace(PERSON_A, { format: 'png', width: 260 }), 'image/png');
    expect(png.body.faces[0].match?.memberId).toBe(memberA);
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(await cropFace(PERSON_A, { format: 'webp' }))], { type: 'image/webp' }), 'a.webp');
    const multipart = await post('/v1/identify', form);
    expect(multipart.status).toBe(200);
    expect(multipart.body.faces[0].match?.memberId).toBe(memberA);
  });

  it('answers match: null for people who were never enrolled', async () => {
    await enrolledA();
    for (const stranger of STRANGERS) {
      const res = await postImage('/v1/identify', await cropFace(stranger));
      expect(res.status).toBe(200);
      expect(res.body.faces).toHaveLength(1);
      expect(res.body.faces[0].match).toBeNull();
      expect(res.body.faces[0].member).toBeUndefined();
    }
  });

  it('answers every face of a group photo, largest first, recognising only A', async () => {
    const { memberA } = await enrolledA();
    const res = await postImage('/v1/identify', await fs.readFile(demoPhoto(1)));
    expect(res.body.faces).toHaveLength(3);
    const areas = res.body.faces.map((f: { box: { width: number; height: number } }) => f.box.width * f.box.height);
    expect(areas).toEqual([...areas].sort((a, b) => b - a));
    const matched = res.body.faces.filter((f: { match: unknown }) => f.match);
    expect(matched.map((f: { match: { memberId: string } }) => f.match.memberId)).toEqual([memberA]);
    const one = await postImage('/v1/identify?maxFaces=1', await fs.readFile(demoPhoto(1)));
    expect(one.body.faces).toHaveLength(1);
  });

  it('identifies by descriptor, and honours a stricter threshold but refuses a looser one', async () => {
    const { memberA, faceA } = await enrolledA();
    const descriptor = visage.index.descriptorOf(await labelOf(faceA))!;
    const res = await post('/v1/identify', { descriptor });
    expect(res.body.faces[0].match).toMatchObject({ memberId: memberA, distance: 0 });
    const moved = descriptor.map((v, i) => (i < 8 ? v + 0.1 : v)); // cosine similarity ≈ 0.96
    expect((await post('/v1/identify', { descriptor: moved })).body.faces[0].match).toMatchObject({ memberId: memberA });
    expect((await post('/v1/identify?threshold=0.99', { descriptor: moved })).body.faces[0].match).toBeNull();
    // cosine similarity: a lower threshold would be looser
    expectError(await post('/v1/identify?threshold=0.2', { descriptor }), 400, 'VALIDATION_FAILED');
    expectError(await post('/v1/identify', { descriptor: descriptor.slice(1) }), 400, 'VALIDATION_FAILED');
    expectError(await post('/v1/identify', { descriptor: [...descriptor.slice(1), 'x'] }), 400, 'VALIDATION_FAILED');
    expectError(await post('/v1/identify?maxFaces=0', await cropFace(PERSON_A), { 'content-type': 'image/jpeg' }), 400, 'VALIDATION_FAILED');
  });

  it('verifies 1:1 against the member', async () => {
    const { memberA, faceA } = await enrolledA();
    const same = await postImage(`/v1/verify?memberId=${memberA}`, await cropFace(PERSON_A, { margin: 0.8, width: 260, quality: 70 }));
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ match: true, faceId: faceA });
    const other = await postImage(`/v1/verify?memberId=${memberA}`, await cropFace(PERSON_B));
    expect(other.body.match).toBe(false);
    expect(other.body.similarity).toBeLessThan(visage.config.thresholds.verify);
    const form = new FormData();
    form.append('memberId', memberA);
    form.append('image', new Blob([new Uint8Array(await cropFace(PERSON_A))], { type: 'image/jpeg' }), 'a.jpg');
    expect((await post('/v1/verify', form)).body.match).toBe(true);
    expectError(await postImage('/v1/verify', await cropFace(PERSON_A)), 400, 'VALIDATION_FAILED');
  });

  it('refuses to enroll A\'s face to another member (409 FACE_ALREADY_ENROLLED), writing nothing', async () => {
    await enrolledA();
    const other = await createMember({ name: 'Impostor' });
    const res = await postImage(`/v1/members/${other}/faces`, await cropFace(PERSON_A, { margin: 0.7, width: 320 }));
    expectError(res, 409, 'FACE_ALREADY_ENROLLED');
    expect((await call('GET', `/v1/members/${other}/faces`)).body.faces).toEqual([]);
    expect(await blobKeysOf(other)).toEqual([]);
  });

  it('answers the same photo for the same member again with the first enrollment (a safe retry)', async () => {
    const { memberA, faceA } = await enrolledA();
    const again = await postImage(`/v1/members/${memberA}/faces`, await photoOfA);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.faceId).toBe(faceA);
    expect((await call('GET', `/v1/members/${memberA}`)).body.faceCount).toBe(1);
  });

  it('enrolls a second photo of A to A, and removes one template', async () => {
    const { memberA } = await enrolledA();
    const res = await postImage(`/v1/members/${memberA}/faces`, await cropFace(PERSON_A, { margin: 0.5, width: 320, format: 'png' }), 'image/png');
    expect(res.status).toBe(201);
    const second = res.body.faceId;
    const secondLabel = await labelOf(second);
    expect((await call('GET', `/v1/members/${memberA}`)).body.faceCount).toBe(2);
    expect((await call('DELETE', `/v1/members/${memberA}/faces/${second}`)).status).toBe(204);
    expect(visage.index.has(secondLabel)).toBe(false);
    expect((await blobKeysOf(memberA)).filter((k) => k.includes(second))).toEqual([]);
    expectError(await call('DELETE', `/v1/members/${memberA}/faces/${second}`), 404, 'FACE_NOT_FOUND');
    expectError(await call('DELETE', `/v1/members/${memberA}/faces/nope`), 404, 'FACE_NOT_FOUND');
    expect((await call('GET', `/v1/members/${memberA}/faces`)).body.faces).toHaveLength(1);
  });

  it('purges A: nothing left in PostgreSQL, the blob store or the index', async () => {
    const { memberA, faceA } = await enrolledA();
    const labelA = await labelOf(faceA);
    const res = await call('DELETE', `/v1/members/${memberA}`);
    expect(res.status).toBe(200);
    expect(res.body.purged).toMatchObject({ faces: 1, images: 1, events: 0, imageErasurePending: false });

    const probe = await postImage('/v1/identify', await cropFace(PERSON_A, { margin: 0.9, width: 240, quality: 60 }));
    expect(probe.body.faces[0].match).toBeNull();
    expectError(await call('GET', `/v1/members/${memberA}`), 404, 'MEMBER_NOT_FOUND');

    const rows = await sql.query(
      `SELECT (SELECT count(*) FROM members WHERE id = $1)::int AS members,
              (SELECT count(*) FROM face_templates WHERE member_id = $1)::int AS templates,
              (SELECT count(*) FROM pending_blob_deletions)::int AS pending`,
      [memberA],
    );
    expect(rows.rows[0]).toEqual({ members: 0, templates: 0, pending: 0 });
    await expect(fs.stat(path.join(dataDir, 'blobs', 'members', memberA))).rejects.toThrow();
    expect(visage.index.templatesOf(memberA)).toEqual([]);
    expect(visage.index.has(labelA)).toBe(false);
  });
});

describe('enrollment refusals', () => {
  let member: string;

  beforeEach(async () => {
    member = await createMember({ name: 'Refusals' });
  });

  async function expectNothingEnrolled() {
    expect((await call('GET', `/v1/members/${member}/faces`)).body.faces).toEqual([]);
    expect(await blobKeysOf(member)).toEqual([]);
  }

  it('NO_FACE for a photo without a face', async () => {
    const wall = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 120, g: 130, b: 140 } } }).jpeg().toBuffer();
    expectError(await postImage(`/v1/members/${member}/faces`, wall), 422, 'NO_FACE');
    await expectNothingEnrolled();
  });

  it('MULTIPLE_FACES for a group photo without one dominant face', async () => {
    const res = await postImage(`/v1/members/${member}/faces`, await fs.readFile(demoPhoto(1)));
    expectError(res, 422, 'MULTIPLE_FACES');
    // It says which faces it saw, and which of them counted (none was set aside in this group photo).
    expect(res.body.error.faces.length).toBeGreaterThanOrEqual(3);
    expect(res.body.error.faces.filter((f: { verdict: string }) => f.verdict === 'counted').length).toBeGreaterThanOrEqual(2);
    expect(res.body.error.faces[0]).toMatchObject({ box: { width: expect.any(Number) }, detectionScore: expect.any(Number) });
    await expectNothingEnrolled();
  });

  it('LOW_QUALITY with named reasons for a small face and for an over-exposed one', async () => {
    const small = await postImage(`/v1/members/${member}/faces`, await cropFace(PERSON_A, { width: 120 }));
    expectError(small, 422, 'LOW_QUALITY');
    expect(small.body.error.reasons).toContain('FACE_TOO_SMALL');
    const bright = await sharp(await cropFace(PERSON_A)).linear(1, 150).jpeg().toBuffer();
    const res = await postImage(`/v1/members/${member}/faces`, bright);
    expectError(res, 422, 'LOW_QUALITY');
    expect(res.body.error.reasons).toContain('TOO_BRIGHT');
    await expectNothingEnrolled();
  });

  it('LOW_QUALITY for a blurred face and for a dark one', async () => {
    const blurred = await postImage(`/v1/members/${member}/faces`, await sharp(await cropFace(PERSON_A)).blur(4).jpeg().toBuffer());
    expectError(blurred, 422, 'LOW_QUALITY');
    expect(blurred.body.error.reasons).toContain('TOO_BLURRY');
    const dark = await postImage(`/v1/members/${member}/faces`, await sharp(await cropFace(PERSON_A)).linear(0.12, 0).jpeg().toBuffer());
    expectError(dark, 422, 'LOW_QUALITY');
    expect(dark.body.error.reasons).toContain('TOO_DARK');
    await expectNothingEnrolled();
  });

  it('CONSENT_REQUIRED for a member without consent to face recognition', async () => {
    const res = await post('/v1/members', { name: 'No consent' });
    expectError(await postImage(`/v1/members/${res.body.id}/faces`, await cropFace(PERSON_B)), 409, 'CONSENT_REQUIRED');
  });

  it('UNSUPPORTED_MEDIA_TYPE for other content types and for images in other formats', async () => {
    expectError(await post(`/v1/members/${member}/faces`, Buffer.from('hello'), { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const gif = await sharp(await cropFace(PERSON_B)).gif().toBuffer();
    expectError(await postImage(`/v1/members/${member}/faces`, gif), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectNothingEnrolled();
  });

  it('INVALID_IMAGE for empty, non-image and truncated bodies', async () => {
    expectError(await postImage(`/v1/members/${member}/faces`, Buffer.alloc(0)), 400, 'INVALID_IMAGE');
    expectError(await postImage(`/v1/members/${member}/faces`, Buffer.from('definitely not a jpeg')), 400, 'INVALID_IMAGE');
    const photo = await cropFace(PERSON_B);
    expectError(await postImage(`/v1/members/${member}/faces`, photo.subarray(0, Math.floor(photo.length / 2))), 400, 'INVALID_IMAGE');
    await expectNothingEnrolled();
  });

  it('lets only one of two simultaneous enrollments of one face to different members through', async () => {
    const [first, second] = [await createMember({ name: 'Twin 1' }), await createMember({ name: 'Twin 2' })];
    const photo = await cropFace(STRANGERS[2]!);
    const results = await Promise.all([first, second].map((id) => postImage(`/v1/members/${id}/faces`, photo)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)!.body.error.code).toBe('FACE_ALREADY_ENROLLED');
    const counts = await Promise.all([first, second].map(async (id) => (await call('GET', `/v1/members/${id}/faces`)).body.faces.length));
    expect(counts.sort()).toEqual([0, 1]);
  });

  it('PAYLOAD_TOO_LARGE for bodies over the upload limit', async () => {
    const huge = Buffer.alloc(MAX_UPLOAD_BYTES + 1024, 1);
    expectError(await postImage(`/v1/members/${member}/faces`, huge), 413, 'PAYLOAD_TOO_LARGE');
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(huge)], { type: 'image/jpeg' }), 'big.jpg');
    expectError(await post(`/v1/members/${member}/faces`, form), 413, 'PAYLOAD_TOO_LARGE');
    await expectNothingEnrolled();
  });
});

describe('visitor policy off (the default)', () => {
  it('leaves a stranger seen in many frames unknown, creating no member', async () => {
    const { rows: before } = await sql.query('SELECT count(*)::int AS n FROM members');
    for (const n of [0, 1, 2, 3]) {
      const frame = await composeFrame([{ face: STRANGERS[0]!, width: 240 + n * 20, left: 100 + n * 80, top: 150 }]);
      const res = await postImage('/v1/cameras/entrance-1/frames', frame);
      expect(res.status).toBe(200);
      expect(res.body.faces).toHaveLength(1);
      expect(res.body.faces[0]).toMatchObject({ skipped: false, match: null });
      expect(res.body.faces[0].visitorCreated).toBeUndefined();
    }
    const { rows: after } = await sql.query('SELECT count(*)::int AS n FROM members');
    expect(after[0].n).toBe(before[0].n);
  });
});

describe('restart', () => {
  it('keeps members and rebuilds the index from PostgreSQL', async () => {
    const member = await createMember({ name: 'Person B' });
    expect((await postImage(`/v1/members/${member}/faces`, await cropFace(PERSON_B))).status).toBe(201);
    visage = await service.restart();
    await visage.modelsReady;
    expect((await call('GET', `/v1/members/${member}`)).body.faceCount).toBe(1);
    const res = await postImage('/v1/identify', await cropFace(PERSON_B, { margin: 0.9, width: 250, quality: 65 }));
    expect(res.body.faces[0].match?.memberId).toBe(member);
  });
});
