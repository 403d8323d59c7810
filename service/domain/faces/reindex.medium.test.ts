import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cropFace, PERSON_A, PERSON_B } from '../../testSupport/facePhotos.js';
import { startTestServices, type TestServices } from '../../testSupport/testServices.js';

/**
 * Re-indexing through the service, against the real PostgreSQL, without HTTP: templates enrolled
 * under face-api are recomputed by the default ONNX model from their stored photos, a photo that
 * no longer shows one face is reported (not retried for ever), and the old templates pruned.
 */

let t: TestServices;
beforeAll(async () => {
  t = await startTestServices({ FACE_MODEL: 'faceapi' });
  await t.pipeline.start();
});
afterAll(async () => {
  await t?.close();
});

describe('re-index (medium)', () => {
  it('recomputes, reports a photo without a usable face, and prunes the recomputed old templates', async () => {
    const consent = { faceRecognition: true, source: 'desk' };
    const a = await t.services.members.create({ name: 'A', consent });
    const b = await t.services.members.create({ name: 'B', consent });
    const faceA = await t.services.faces.enrollFace(a.id, await cropFace(PERSON_A));
    const faceB = await t.services.faces.enrollFace(b.id, await cropFace(PERSON_B));
    expect(faceA.model.name).toBe('face-api/faceRecognitionNet+mirror-average');
    // B's stored photo turns into one without a face (a store restored from the wrong backup).
    const { rows } = await t.pool.query('SELECT photo_key FROM face_templates WHERE id = $1', [faceB.faceId]);
    await t.blobs.put(rows[0].photo_key, await sharp({ create: { width: 300, height: 300, channels: 3, background: '#88a' } }).jpeg().toBuffer(), 'image/jpeg');

    t = await t.rewire({ FACE_MODEL: 'yunet-fr512' });
    await t.pipeline.start();
    const report = await t.services.reindex.run(10);
    expect(report).toMatchObject({
      model: { name: t.config.faceModel.name },
      reindexed: 1,
      failed: [{ faceId: faceB.faceId, memberId: b.id, reason: 'NO_FACE' }],
      withoutPhoto: { count: 0 },
      remaining: 1,
      next: null,
    });
    expect(t.index.templatesOf(a.id)).toHaveLength(1);
    expect(await t.services.reindex.prune()).toEqual({ pruned: 1 });
    const { rows: left } = await t.pool.query('SELECT member_id, model_name, reindexed_from FROM face_templates ORDER BY member_id = $1 DESC', [a.id]);
    expect(left).toEqual([
      { member_id: a.id, model_name: t.config.faceModel.name, reindexed_from: faceA.faceId },
      { member_id: b.id, model_name: 'face-api/faceRecognitionNet+mirror-average', reindexed_from: null },
    ]);
  });
});
