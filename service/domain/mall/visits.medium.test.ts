import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServices, type TestServices } from '../../testSupport/testServices.js';

/** Visits through the service, against the real PostgreSQL, without HTTP. */

let t: TestServices;
beforeAll(async () => {
  t = await startTestServices({ FRAME_DEDUP_SECONDS: '600' });
});
afterAll(async () => {
  await t?.close();
});

const newMember = async () => (await t.services.members.create({ name: 'Walker', consent: { faceRecognition: true, source: 'desk' } })).id;

describe('visits (medium)', () => {
  it('joins sightings within the window into one visit per camera, and starts another after it', async () => {
    const memberId = await newMember();
    const t0 = new Date('2026-11-20T10:00:00Z');
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const first = await t.services.visits.recordSighting(memberId, 'north', 'default', t0);
    expect(first).toMatchObject({ newVisit: true, visit: { sightings: 1 } });
    expect(await t.services.visits.recordSighting(memberId, 'north', 'default', at(5))).toMatchObject({ newVisit: false, visit: { id: first!.visit.id, sightings: 2 } });
    expect(await t.services.visits.recordSighting(memberId, 'south', 'default', at(6))).toMatchObject({ newVisit: true });
    expect(await t.services.visits.recordSighting(memberId, 'north', 'default', at(30))).toMatchObject({ newVisit: true });
    const history = await t.services.visits.history(memberId, 10);
    expect(history.items.map((v) => v.cameraId)).toEqual(['north', 'south', 'north']);
  });

  it('records nothing for a member purged meanwhile, and has no history for an unknown one', async () => {
    const memberId = await newMember();
    await t.services.members.purge(memberId);
    expect(await t.services.visits.recordSighting(memberId, 'north', 'default', new Date())).toBeUndefined();
    await expect(t.services.visits.history(memberId, 10)).rejects.toMatchObject({ code: 'MEMBER_NOT_FOUND' });
  });
});
