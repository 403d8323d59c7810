import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LFW_DIR } from '../../benchmarks/lfw.js';
import type { Visage } from '../app/startVisage.js';
import { yawCue } from '../domain/liveness/livenessChallenge.js';
import { apiClient, expectError } from '../testSupport/apiClient.js';
import { composeFrame, cropFace, PERSON_A, PERSON_B } from '../testSupport/facePhotos.js';
import { photoHeldUp, tiltedCorners } from '../testSupport/perspective.js';
import { ADMIN_AUTH, type IsolatedVisage, startIsolatedVisage } from '../testSupport/testVisage.js';

/**
 * Liveness at the till over HTTP: the passive check on the anti-spoofing samples (a real camera
 * frame, a printed photo, a tablet replay), the policy by role, challenge sessions (a print moved
 * in 3D refused on planarity; photos of one person at several head poses pass the pose and
 * planarity steps), and the misuse of sessions.
 */

const SAMPLES = path.resolve(import.meta.dirname, '../../../shared/datasets/antispoof-samples');
const hasSamples = fs.existsSync(path.join(SAMPLES, 'image_T1.jpg'));
if (!hasSamples) console.warn(`liveness sample tests skipped: ${SAMPLES} is missing`);
const hasLfw = fs.existsSync(DEFAULT_LFW_DIR);
if (!hasLfw) console.warn(`bona fide challenge test skipped: ${DEFAULT_LFW_DIR} is missing`);

let service: IsolatedVisage;
let visage: Visage;
let sql: pg.Pool;
let clockOffsetMs = 0;
const admin = apiClient(() => visage.url, ADMIN_AUTH);
const keys: Record<'pos' | 'operator' | 'camera', ReturnType<typeof apiClient>> = {} as never;
const sample = (name: string) => fs.readFileSync(path.join(SAMPLES, name));

beforeAll(async () => {
  service = await startIsolatedVisage({ INFERENCE_THREADS: '1' }, { clock: () => new Date(Date.now() + clockOffsetMs) });
  ({ visage, sql } = service);
  await visage.modelsReady;
  for (const role of ['pos', 'operator', 'camera'] as const) {
    const { key } = (await admin.post('/v1/keys', { role, name: `${role} key` })).body;
    keys[role] = apiClient(() => visage.url, { authorization: `Bearer ${key}` });
  }
});

afterAll(async () => {
  await service?.close();
});

afterEach(async () => {
  clockOffsetMs = 0;
  const { rows } = await sql.query('SELECT id FROM members');
  for (const { id } of rows) await admin.call('DELETE', `/v1/members/${id}`);
});

async function enrolled(photo: Buffer, name = 'Live Member'): Promise<string> {
  const created = await keys.operator.post('/v1/members', { name, consent: { faceRecognition: true, source: 'desk' } });
  expect((await keys.operator.postImage(`/v1/members/${created.body.id}/faces`, photo)).status).toBe(201);
  return created.body.id;
}

const livenessCount = async (source: string) => {
  const text: string = (await admin.get('/metrics')).body;
  return text
    .split('\n')
    .filter((line) => line.startsWith(`visage_liveness_outcomes_total{source="${source}"`))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
};

describe.skipIf(!hasSamples)('passive liveness on the anti-spoofing samples (needs ../shared/datasets/antispoof-samples)', () => {
  it('lets the real face pay and refuses the printed photo and the tablet replay, for a pos key by default', async () => {
    const { key } = (await admin.post('/v1/keys', { role: 'pos', name: 'till 9' })).body;
    const till = apiClient(() => visage.url, { authorization: `Bearer ${key}` });
    const memberId = await enrolled(sample('image_T1.jpg'));
    const real = await till.postImage('/v1/identify?maxFaces=1', sample('image_T1.jpg'));
    expect(real.body.faces[0]).toMatchObject({ match: { memberId }, liveness: { live: true } });
    for (const attack of ['image_F1.jpg', 'image_F2.jpg']) {
      const res = await till.postImage('/v1/identify?maxFaces=1', sample(attack));
      expect(res.status).toBe(200);
      expect(res.body.faces[0], attack).toMatchObject({ match: null, unknownReason: 'spoof_suspected', liveness: { live: false } });
      expect(res.body.faces[0].member).toBeUndefined();
    }
    const verify = await till.postImage(`/v1/verify?memberId=${memberId}`, sample('image_F2.jpg'));
    expect(verify.body).toMatchObject({ match: false, unknownReason: 'spoof_suspected', liveness: { live: false } });
    await new Promise((resolve) => setTimeout(resolve, 200)); // audit records are written as responses finish
    const trail = (await admin.get('/v1/audit?action=pos.identify')).body.items.filter((e: { keyName: string }) => e.keyName === 'till 9');
    expect(trail.map((e: { details: { spoofSuspected: number; liveness: string } }) => `${e.details.liveness} ${e.details.spoofSuspected}`).sort()).toEqual([
      'required 0',
      'required 1',
      'required 1',
    ]);
  });

  it('keeps today\'s behaviour with liveness=off, and for roles whose default is off', async () => {
    const off = await keys.pos.postImage('/v1/identify?maxFaces=1&liveness=off', sample('image_F2.jpg'));
    expect(off.body.faces[0].liveness).toBeUndefined();
    expect(off.body.faces[0].unknownReason).not.toBe('spoof_suspected');
    const operator = await keys.operator.postImage('/v1/identify?maxFaces=1', sample('image_F2.jpg'));
    expect(operator.body.faces[0].liveness).toBeUndefined();
    const required = await keys.operator.postImage('/v1/identify?maxFaces=1&liveness=required', sample('image_F2.jpg'));
    expect(required.body.faces[0]).toMatchObject({ unknownReason: 'spoof_suspected' });
  });

  it('never runs the liveness models on camera frames', async () => {
    const before = { identify: await livenessCount('identify'), verify: await livenessCount('verify') };
    const frame = await composeFrame([{ face: PERSON_A, width: 260, left: 200, top: 150 }]);
    const res = await keys.camera.postImage('/v1/cameras/entrance-1/frames', frame);
    expect(res.status).toBe(200);
    expect(res.body.faces[0].liveness).toBeUndefined();
    expect({ identify: await livenessCount('identify'), verify: await livenessCount('verify') }).toEqual(before);
  });
});

describe('the liveness policy', () => {
  it('refuses a descriptor where liveness is required: it has no pixels to judge', async () => {
    const descriptor = Array.from({ length: visage.config.faceModel.dimension }, (_, i) => Math.sin(i));
    expectError(await keys.pos.post('/v1/identify', { descriptor }), 400, 'VALIDATION_FAILED');
    expect((await keys.pos.post('/v1/identify?liveness=off', { descriptor })).status).toBe(200);
    expectError(await keys.pos.post('/v1/identify?liveness=maybe', { descriptor }), 400, 'VALIDATION_FAILED');
  });
});

/** Posts frames to a session and asks for the verdict. */
async function challenge(frames: Buffer[]): Promise<{ sessionId: string; challenge: string[]; verdict: { live: boolean; reasons: string[]; steps: Record<string, boolean> } }> {
  const session = await keys.pos.post('/v1/liveness/sessions');
  expect(session.status).toBe(201);
  for (const frame of frames) {
    const posted = await keys.pos.postImage(`/v1/liveness/sessions/${session.body.sessionId}/frames`, frame);
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
  }
  const judged = await keys.pos.post(`/v1/liveness/sessions/${session.body.sessionId}/verdict`);
  expect(judged.status).toBe(200);
  return judged.body;
}

describe('challenge sessions', () => {
  it('refuses a print moved through 3D on planarity, even where its yaw cue moves', async () => {
    const photo = await cropFace(PERSON_B, { width: 360 });
    const poses: [number, number][] = [
      [0, 0],
      [0, 0.02],
      [0.35, -0.15], // slanted: the nose seems to swing to the person's left
      [-0.35, 0.05],
      [0, 0.2],
      [0, 0],
    ];
    const frames = await Promise.all(poses.map(([shear, keystone]) => photoHeldUp(photo, tiltedCorners(300, shear, keystone))));
    const { sessionId, verdict } = await challenge(frames);
    expect(verdict.live).toBe(false);
    expect(verdict.reasons).toContain('planar_motion');
    // Judged: the face patch and the frames' descriptors are gone; only measurements stay until expiry.
    const { rows } = await sql.query('SELECT reference, frames, descriptor, descriptor_sealed FROM liveness_sessions WHERE id = $1', [sessionId]);
    expect(rows[0]).toMatchObject({ reference: null, descriptor: null, descriptor_sealed: null });
    expect(rows[0].frames).toHaveLength(frames.length);
    expect(rows[0].frames.every((f: object) => !('descriptor' in f) && !('descriptorSealed' in f))).toBe(true);
  });

  it.skipIf(!hasLfw)('passes the pose and planarity steps for photos of one person at several head poses (bona fide stand-in; needs LFW View 1)', async () => {
    // Photos of one person, sorted by where the nose sits between the eyes: frontal ones first, then turned ones.
    const dir = path.join(DEFAULT_LFW_DIR, 'Anders_Fogh_Rasmussen');
    const photos = await Promise.all(
      fs.readdirSync(dir).sort().slice(0, 12).map(async (file) => {
        const bytes = fs.readFileSync(path.join(dir, file));
        const [face] = (await visage.pipeline.analyze(bytes)).faces;
        return { bytes, cue: face?.landmarks ? yawCue(face.landmarks) : Number.NaN };
      }),
    );
    const usable = photos.filter((p) => !Number.isNaN(p.cue));
    const session = await keys.pos.post('/v1/liveness/sessions');
    const turn = session.body.challenge.find((step: string) => step !== 'blink');
    // The two photos furthest apart: the first is the head at rest, the other turned from it.
    const byCue = [...usable].sort((a, b) => a.cue - b.cue);
    const [rest, turned] = [byCue[0]!, byCue.at(-1)!];
    expect(Math.abs(turned.cue - rest.cue)).toBeGreaterThanOrEqual(0.2);
    // Turned the other way than asked: the whole session mirrored (a head turned right, seen in a mirror, turned left).
    const mirror = (turned.cue - rest.cue > 0) !== (turn === 'turn_left');
    const frames = [rest, rest, turned, rest].map((p) => (mirror ? sharp(p.bytes).flop().jpeg().toBuffer() : Promise.resolve(p.bytes)));
    for (const frame of frames) {
      expect((await keys.pos.postImage(`/v1/liveness/sessions/${session.body.sessionId}/frames`, await frame)).status).toBe(200);
    }
    const { verdict } = (await keys.pos.post(`/v1/liveness/sessions/${session.body.sessionId}/verdict`)).body;
    expect(verdict.steps[turn]).toBe(true);
    for (const reason of ['no_turn', 'planar_motion', 'too_few_frames']) expect(verdict.reasons).not.toContain(reason);
  });

  it('refuses an unknown, an expired, an unpassed, a reused session, and another face at identify, with clear codes', async () => {
    const photoA = await cropFace(PERSON_A, { width: 300 });
    const memberA = await enrolled(photoA, 'Person A');
    // A session that passed: its verdict and face written as the service would (the passing frames need a live person).
    const descriptor = Array.from((await visage.pipeline.analyze(photoA)).faces[0]!.descriptor);
    const passedSession = async () =>
      (
        await sql.query(
          `INSERT INTO liveness_sessions (challenge, expires_at, verdict, passed, descriptor) VALUES ('{turn_left,blink}', now() + interval '1 minute', '{"live": true, "reasons": []}', true, $1) RETURNING id`,
          [descriptor],
        )
      ).rows[0].id as string;

    const once = await passedSession();
    const identified = await keys.pos.postImage(`/v1/identify?livenessSession=${once}`, await cropFace(PERSON_A, { width: 280 }));
    expect(identified.status).toBe(200);
    expect(identified.body.faces[0]).toMatchObject({ match: { memberId: memberA } });
    expectError(await keys.pos.postImage(`/v1/identify?livenessSession=${once}`, await cropFace(PERSON_A, { width: 280 })), 409, 'LIVENESS_SESSION_USED');
    expect((await sql.query('SELECT descriptor FROM liveness_sessions WHERE id = $1', [once])).rows[0].descriptor).toBeNull(); // used: the face's descriptor erased

    expectError(await keys.pos.postImage(`/v1/identify?livenessSession=${await passedSession()}`, await cropFace(PERSON_B)), 409, 'LIVENESS_FACE_MISMATCH');
    expectError(await keys.pos.postImage('/v1/identify?livenessSession=6b0f0a34-9a5e-4c1e-8d1a-1c2b3d4e5f60', photoA), 404, 'LIVENESS_SESSION_NOT_FOUND');
    const fresh = (await keys.pos.post('/v1/liveness/sessions')).body.sessionId;
    expectError(await keys.pos.postImage(`/v1/identify?livenessSession=${fresh}`, photoA), 409, 'LIVENESS_NOT_PASSED');

    const expiring = await passedSession();
    const open = (await keys.pos.post('/v1/liveness/sessions')).body.sessionId;
    clockOffsetMs = 61 * 60_000;
    expectError(await keys.pos.postImage(`/v1/identify?livenessSession=${expiring}`, photoA), 410, 'LIVENESS_SESSION_EXPIRED');
    expectError(await keys.pos.postImage(`/v1/liveness/sessions/${open}/frames`, photoA), 410, 'LIVENESS_SESSION_EXPIRED');
    clockOffsetMs = 0;
    expectError(await keys.pos.get('/v1/liveness/sessions/not-a-session'), 404, 'LIVENESS_SESSION_NOT_FOUND');
    expectError(await keys.camera.post('/v1/liveness/sessions'), 403, 'FORBIDDEN');
  });
});
