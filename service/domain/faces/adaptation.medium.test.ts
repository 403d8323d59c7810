import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaceMeasures } from '../../../models/types.js';
import { cropFace, PERSON_A, PERSON_B } from '../../testSupport/facePhotos.js';
import { startTestServices, type TestServices } from '../../testSupport/testServices.js';
import type { AdaptationCandidate } from './adaptiveTemplates.js';

/**
 * Templates that learn, against the real PostgreSQL and index with the default (fused) model: a
 * clear till recognition is added as an adaptive template; weak ones, camera ones and ones that
 * drift from the enrolled face are refused; at most ADAPT_MAX_TEMPLATES, the oldest replaced, an
 * enrolled one never; audited, listed apart, removable, purged with the member.
 */
const DAY_MS = 86_400_000;
let t: TestServices;
beforeAll(async () => {
  t = await startTestServices({ ADAPT_MAX_TEMPLATES: '2' });
  await t.pipeline.start();
});
afterAll(async () => {
  await t?.close();
});

const consent = { faceRecognition: true, source: 'desk' };
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((sum, v, i) => sum + v * b[i]!, 0);

/** A face of a real photo, as a till would offer it. */
async function seen(photo: Buffer): Promise<{ descriptor: Float32Array; box: AdaptationCandidate['box']; measures: FaceMeasures }> {
  const [face] = (await t.pipeline.analyze(photo)).faces;
  return { descriptor: Float32Array.from(face!.descriptor), box: face!.box, measures: face!.measures };
}

/** A unit vector at cosine `c` to `from`, turned towards `towards` (in their plane). */
function turned(from: ArrayLike<number>, towards: ArrayLike<number>, c: number): Float32Array {
  const along = dot(towards, from);
  const ortho = Array.from(towards, (v, i) => v - along * from[i]!);
  const norm = Math.hypot(...ortho);
  return Float32Array.from(from, (v, i) => c * v + Math.sqrt(1 - c * c) * (ortho[i]! / norm));
}

const kinds = async (memberId: string) =>
  (await t.pool.query('SELECT kind, count(*)::int AS n FROM face_templates WHERE member_id = $1 GROUP BY kind ORDER BY kind', [memberId])).rows;

describe('adaptive templates (medium)', () => {
  it('learns a clear till recognition, at most one a day and two in all, never replacing the enrolled face', async () => {
    const a = await t.services.members.create({ name: 'A', consent });
    const b = await t.services.members.create({ name: 'B', consent });
    await t.services.faces.enrollFace(a.id, await cropFace(PERSON_A));
    await t.services.faces.enrollFace(b.id, await cropFace(PERSON_B));
    const till = await seen(await cropFace(PERSON_A, { width: 240, margin: 0.9, quality: 70 }));
    const offer = (face: typeof till, extra: Partial<AdaptationCandidate> = {}) =>
      t.services.adaptation.offer({ memberId: a.id, ...face, source: 'till', liveness: { required: false, passed: null }, keyId: null, ...extra });

    const first = await offer(till);
    expect(first).toMatchObject({ added: true, replaced: null });
    expect(await offer(till)).toEqual({ added: false, reason: 'recent' });
    t.advanceClock(DAY_MS + 1000);
    const second = await offer(till);
    expect(second).toMatchObject({ added: true, replaced: null });
    t.advanceClock(DAY_MS + 1000);
    const third = await offer(till);
    expect(third).toMatchObject({ added: true, replaced: first.added ? first.faceId : 'none' });
    expect(await kinds(a.id)).toEqual([{ kind: 'adaptive', n: 2 }, { kind: 'enrolled', n: 1 }]);
    expect(t.index.templatesOf(a.id)).toHaveLength(3);

    // Listed apart, removable like any face.
    const listed = await t.services.records.list(a.id);
    expect(listed.filter((f) => f.kind === 'adaptive').map((f) => f.photoKey)).toEqual([null, null]);
    await t.services.faces.deleteFace(a.id, second.added ? second.faceId : '');
    expect(t.index.templatesOf(a.id)).toHaveLength(2);

    // Audited, with the figures that allowed it.
    await t.services.audit.flush();
    const { rows } = await t.pool.query("SELECT details FROM audit_log WHERE action = 'face.adapted' AND member_id = $1", [a.id]);
    expect(rows).toHaveLength(3);
    expect(rows[0].details).toMatchObject({ source: 'till', score: expect.any(Number), margin: expect.any(Number) });

    // Purged like the rest: every template, enrolled and adaptive, from the table and the index.
    await t.services.members.purge(a.id);
    expect(await kinds(a.id)).toEqual([]);
    expect(t.index.templatesOf(a.id)).toEqual([]);
  });

  it('refuses a weak or unclear recognition, a camera face, a failed liveness and a poor face', async () => {
    const a = await t.services.members.create({ name: 'A2', consent });
    await t.services.faces.enrollFace(a.id, await cropFace(PERSON_A, { width: 280 }));
    const till = await seen(await cropFace(PERSON_A, { width: 240, margin: 0.9, quality: 70 }));
    const other = await seen(await cropFace(PERSON_B, { width: 260 }));
    const offer = (extra: Partial<AdaptationCandidate>) =>
      t.services.adaptation.offer({ memberId: a.id, ...till, source: 'till', liveness: { required: false, passed: null }, keyId: null, ...extra });
    expect(await offer({ descriptor: other.descriptor })).toEqual({ added: false, reason: 'weak' });
    expect(await offer({ source: 'camera' })).toEqual({ added: false, reason: 'camera' });
    expect(await offer({ liveness: { required: true, passed: false } })).toEqual({ added: false, reason: 'liveness' });
    expect(await offer({ measures: { ...till.measures, sharpness: 2 } })).toEqual({ added: false, reason: 'quality' });
    expect(await kinds(a.id)).toEqual([{ kind: 'enrolled', n: 1 }]);
    await t.services.members.purge(a.id);
  });

  it('refuses a face that matches an adaptive template but no longer the enrolled one (no drift, no poisoning by steps)', async () => {
    const a = await t.services.members.create({ name: 'A3', consent });
    await t.services.faces.enrollFace(a.id, await cropFace(PERSON_A, { width: 300 }));
    const enrolled = (await t.services.records.listWithDescriptors(a.id))[0]!.descriptor;
    const till = await seen(await cropFace(PERSON_A, { width: 240, margin: 0.9, quality: 70 }));
    // A direction no member is near: seeded pseudo-random numbers.
    let state = 20261207;
    const away = Float32Array.from({ length: enrolled.length }, () => ((state = (Math.imul(state, 1103515245) + 12345) | 0) / 2 ** 31));
    // A first step, 0.70 from the enrolled face: clear enough, and still them.
    const step = turned(enrolled, away, 0.7);
    expect(await t.services.adaptation.offer({ memberId: a.id, ...till, descriptor: step, source: 'till', liveness: { required: false, passed: null }, keyId: null })).toMatchObject({ added: true });
    // A second step, 0.70 from the first but nearly orthogonal to the enrolled face: refused.
    t.advanceClock(DAY_MS + 1000);
    const further = turned(step, away, 0.7);
    expect(dot(further, enrolled)).toBeLessThan(t.config.thresholds.verify);
    expect(await t.services.adaptation.offer({ memberId: a.id, ...till, descriptor: further, source: 'till', liveness: { required: false, passed: null }, keyId: null })).toEqual({ added: false, reason: 'drift' });
    await t.services.members.purge(a.id);
  });
});

describe('adaptive templates from entrance cameras (ADAPT_FROM_CAMERAS=true)', () => {
  it('learns from a camera face only where the deployment allows it', async () => {
    const cameras = await startTestServices({ ADAPT_FROM_CAMERAS: 'true' });
    try {
      await cameras.pipeline.start();
      const member = await cameras.services.members.create({ name: 'Cam', consent });
      await cameras.services.faces.enrollFace(member.id, await cropFace(PERSON_A));
      const [face] = (await cameras.pipeline.analyze(await cropFace(PERSON_A, { width: 240, margin: 0.9, quality: 70 }))).faces;
      const outcome = await cameras.services.adaptation.offer({ memberId: member.id, descriptor: face!.descriptor, box: face!.box, measures: face!.measures, source: 'camera', liveness: { required: false, passed: null }, keyId: null });
      expect(outcome).toMatchObject({ added: true });
      await cameras.services.audit.flush();
      const { rows } = await cameras.pool.query("SELECT role, details FROM audit_log WHERE action = 'face.adapted'");
      expect(rows[0]).toMatchObject({ role: 'camera', details: { source: 'camera' } });
    } finally {
      await cameras.close();
    }
  });
});
