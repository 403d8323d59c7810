import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../blob/s3BlobStore.js';
import type { Visage } from '../app/startVisage.js';
import { apiClient } from '../testSupport/apiClient.js';
import { cropFace, PERSON_A, PERSON_B } from '../testSupport/facePhotos.js';
import { startTestS3, S3_CREDENTIALS, type TestS3 } from '../testSupport/s3Server.js';
import { ADMIN_AUTH, createTestDatabase, makeDataDir, startTestVisage, TEST_ADMIN_KEY, type TestDatabase } from '../testSupport/testVisage.js';

/**
 * A descriptor-model change, for real: members enrolled under the project card's face-api model
 * (128-d, Euclidean), the service restarted on the default ONNX model (the fused 768-d, cosine); the old
 * templates are never compared with the new, they are recomputed from their stored photos by the
 * admin endpoint and the CLI, side by side with the old ones, then the old ones pruned.
 */

const BUCKET = 'reindex-photos';
let db: TestDatabase;
let s3: TestS3;
let sql: pg.Pool;
let visage: Visage;
const dirs: string[] = [];
const api = apiClient(() => visage.url, ADMIN_AUTH);

async function start(faceModel: 'faceapi' | 'yunet-fr512+omz256'): Promise<Visage> {
  const dataDir = await makeDataDir();
  dirs.push(dataDir);
  return startTestVisage({ DATABASE_URL: db.url, VISAGE_DATA_DIR: dataDir, INFERENCE_THREADS: '1', FACE_MODEL: faceModel, ...s3.env, S3_BUCKET: BUCKET });
}

beforeAll(async () => {
  db = await createTestDatabase();
  s3 = await startTestS3();
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
  visage = await start('faceapi');
  await visage.modelsReady;
});

afterAll(async () => {
  await visage?.close();
  await sql?.end();
  await db?.drop();
  await s3?.remove();
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

describe('re-index after a model change', () => {
  it('recomputes old-model templates from their photos, reports those without one, and prunes the old ones', async () => {
    const consent = { faceRecognition: true, source: 'desk' };
    const a = (await api.post('/v1/members', { name: 'A', consent })).body.id;
    const b = (await api.post('/v1/members', { name: 'B', consent })).body.id;
    const enrolledA = await api.postImage(`/v1/members/${a}/faces`, await cropFace(PERSON_A));
    expect(enrolledA.body.model).toMatchObject({ name: 'face-api/faceRecognitionNet+mirror-average' });
    const faceA = enrolledA.body.faceId;
    const faceB = (await api.postImage(`/v1/members/${b}/faces`, await cropFace(PERSON_B))).body.faceId;
    const probe = await cropFace(PERSON_A, { width: 260 });
    const underFaceApi = (await api.postImage('/v1/identify?maxFaces=1', probe)).body.faces[0].match;
    expect(underFaceApi).toMatchObject({ memberId: a });
    expect(underFaceApi.distance).toBeLessThan(0.373); // face-api's Euclidean scale
    // B's photo was never kept (as with STORE_ENROLLMENT_PHOTOS=false): it cannot be recomputed.
    await sql.query('UPDATE face_templates SET photo_key = NULL WHERE id = $1', [faceB]);
    await visage.close();
    visage = await start('yunet-fr512+omz256'); // the new release, on the default (fused) model (no snapshot)
    await visage.modelsReady;
    expect(visage.index.size).toBe(0); // 128-d face-api templates are never loaded into the 768-d index
    expect((await api.postImage('/v1/identify?maxFaces=1', probe)).body.faces[0]).toMatchObject({ match: null, unknownReason: 'no_close_member' });

    const report = await api.post('/v1/admin/reindex?limit=10');
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ reindexed: 1, failed: [], withoutPhoto: { count: 1, faceIds: [faceB] }, remaining: 1, next: null });
    const underOnnx = (await api.postImage('/v1/identify?maxFaces=1', probe)).body.faces[0].match;
    expect(underOnnx).toMatchObject({ memberId: a });
    expect(underOnnx.similarity).toBeGreaterThan(visage.config.thresholds.match); // cosine scale now
    // Both sealed (no plain descriptor): 4 bytes of magic, a 12-byte nonce, 4 bytes a dimension, a 16-byte tag.
    const { rows: both } = await sql.query(
      'SELECT model_name, descriptor IS NULL AS sealed, (octet_length(descriptor_sealed) - 32) / 4 AS length FROM face_templates WHERE member_id = $1 ORDER BY length',
      [a],
    );
    expect(both).toEqual([
      { model_name: 'face-api/faceRecognitionNet+mirror-average', sealed: true, length: 128 },
      { model_name: visage.config.faceModel.name, sealed: true, length: 768 },
    ]);

    const cli = await promisify(execFile)(process.execPath, ['service/cli/visage.mjs', '--url', visage.url, '--key', TEST_ADMIN_KEY, 'reindex', '--prune'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
    });
    expect(cli.stdout).toContain('0 templates recomputed');
    expect(cli.stdout).toContain(faceB);
    expect(cli.stdout).toContain('old-model templates pruned: 1');

    const { rows } = await sql.query('SELECT id, model_name, model_version, reindexed_from, photo_key FROM face_templates WHERE member_id = $1', [a]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ reindexed_from: faceA, model_name: visage.config.faceModel.name, model_version: visage.config.faceModel.version });
    const store = await S3BlobStore.open({ endpoint: s3.endpoint, ...S3_CREDENTIALS, bucket: BUCKET, region: 'us-east-1' });
    expect(await store.list(`members/${a}/`)).toEqual([rows[0].photo_key]); // the photo outlived the old template
    expect((await api.call('DELETE', `/v1/members/${a}/faces/${rows[0].id}`)).status).toBe(204);
    expect(await store.list(`members/${a}/`)).toEqual([]);
  });
});
