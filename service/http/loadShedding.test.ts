import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Visage } from '../app/startVisage.js';
import { apiClient, expectError } from '../testSupport/apiClient.js';
import { composeFrame, cropFace, PERSON_A, PERSON_B, STRANGERS } from '../testSupport/facePhotos.js';
import { ADMIN_AUTH, type IsolatedVisage, startIsolatedVisage } from '../testSupport/testVisage.js';

/**
 * The inference queue under load, over HTTP with one worker and small lanes: the till is served
 * ahead of a flood of camera frames, a full lane answers 503 OVERLOADED with Retry-After at once
 * (never a timeout), and a shed enrollment writes nothing.
 */

let service: IsolatedVisage;
let visage: Visage;
let sql: pg.Pool;
const admin = apiClient(() => visage.url, ADMIN_AUTH);
let pos: ReturnType<typeof apiClient>;
let camera: ReturnType<typeof apiClient>;

beforeAll(async () => {
  service = await startIsolatedVisage({
    INFERENCE_THREADS: '1',
    INFERENCE_QUEUE_POS: '2',
    INFERENCE_QUEUE_ENROLL: '1',
    INFERENCE_QUEUE_CAMERA: '2',
    CAMERA_FRAME_MAX_WAIT_MS: '300',
    LIVENESS_DEFAULT_POS: 'off',
  });
  ({ visage, sql } = service);
  await visage.modelsReady;
  for (const role of ['pos', 'camera'] as const) {
    const { key } = (await admin.post('/v1/keys', { role, name: role })).body;
    if (role === 'pos') pos = apiClient(() => visage.url, { authorization: `Bearer ${key}` });
    else camera = apiClient(() => visage.url, { authorization: `Bearer ${key}` });
  }
});

afterAll(async () => {
  await service?.close();
});

const shedCount = async (lane: string) =>
  ((await admin.get('/metrics')).body as string)
    .split('\n')
    .filter((line) => line.startsWith(`visage_inference_shed_total{lane="${lane}"`))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);

describe('load shedding', () => {
  it('answers the till ahead of a flood of camera frames, and sheds the frames it cannot take', async () => {
    const shedBefore = await shedCount('camera');
    const frame = await composeFrame([
      { face: STRANGERS[0]!, width: 260, left: 100, top: 150 },
      { face: STRANGERS[1]!, width: 240, left: 600, top: 160 },
    ]);
    const probe = await cropFace(PERSON_A, { width: 260 });
    const flood = Array.from({ length: 24 }, (_, i) => camera.postImage(`/v1/cameras/gate-${i % 3}/frames`, frame));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the lanes are full of frames now
    const started = performance.now();
    const till = await pos.postImage('/v1/identify?maxFaces=1', probe);
    const tillMs = performance.now() - started;
    const frames = await Promise.all(flood);

    expect(till.status).toBe(200);
    const statuses = frames.map((f) => f.status);
    expect(new Set(statuses)).toEqual(new Set([200, 503]));
    for (const shed of frames.filter((f) => f.status === 503)) expectError(shed, 503, 'OVERLOADED');
    // At most the frame in the worker and the queue's two ahead of it: the till waited for no more.
    const served = statuses.filter((s) => s === 200).length;
    expect(served).toBeLessThan(frames.length);
    expect(await shedCount('camera')).toBe(shedBefore + (frames.length - served));
    console.log(`till answered in ${tillMs.toFixed(0)} ms during a flood of ${frames.length} frames (${served} analysed, ${frames.length - served} shed)`);
  });

  it('answers 503 OVERLOADED with Retry-After past the till lane, at once and never by a timeout', async () => {
    const probe = await cropFace(PERSON_B, { width: 300 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => pos.postImage('/v1/identify?maxFaces=1', probe)));
    const shed = answers.filter((a) => a.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(3); // the worker's and the lane's two
    for (const answer of shed) {
      expectError(answer, 503, 'OVERLOADED');
      expect(answer.headers.get('retry-after')).toBe('1');
    }
  });

  it('writes nothing for an enrollment it sheds', async () => {
    const consent = { faceRecognition: true, source: 'desk' };
    const faces = [PERSON_A, PERSON_B, STRANGERS[0]!, STRANGERS[1]!, STRANGERS[2]!];
    const members = await Promise.all(Array.from({ length: 10 }, async (_, i) => ({
      id: (await admin.post('/v1/members', { name: 'Queued', consent })).body.id as string,
      photo: await cropFace(faces[i % faces.length]!, { width: 300 + i * 10 }),
    })));
    const answers = await Promise.all(members.map((m) => admin.postImage(`/v1/members/${m.id}/faces`, m.photo)));
    expect(answers.some((a) => a.status === 503)).toBe(true);
    for (const [i, answer] of answers.entries()) {
      const { rows } = await sql.query('SELECT count(*)::int AS n FROM face_templates WHERE member_id = $1', [members[i]!.id]);
      expect(rows[0].n, `answer ${answer.status}`).toBe(answer.status === 201 ? 1 : 0); // 503 shed, 409 the same face twice: nothing
      if (answer.status === 503) expectError(answer, 503, 'OVERLOADED');
    }
    for (const m of members) await admin.call('DELETE', `/v1/members/${m.id}`);
  });
});
