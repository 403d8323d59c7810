import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cropFace, PERSON_A, PERSON_B } from '../../testSupport/facePhotos.js';
import { rowsOf, startTestServices, type TestServices } from '../../testSupport/testServices.js';

/** Members' lifecycle through the services (purge, convert, visitor expiry), against the real PostgreSQL, without HTTP. */

const DAY_MS = 86_400_000;
let t: TestServices;
beforeAll(async () => {
  t = await startTestServices({ VISITOR_TTL_DAYS: '30' });
  await t.pipeline.start();
});
afterAll(async () => {
  await t?.close();
});

const consent = { faceRecognition: true, source: 'desk' };
const newVisitor = (expiresInDays = 30) =>
  t.services.repositories.members.create({ kind: 'visitor', consent: { faceRecognition: true, source: 'visitor policy' }, expiresAt: new Date(Date.now() + expiresInDays * DAY_MS) });
const photosOf = async (memberId: string) => fs.readdir(path.join(t.dataDir, 'blobs', 'members', memberId), { recursive: true }).catch(() => []);

describe('members (medium)', () => {
  it('purges a member: rows, photos and index entries all gone, then MEMBER_NOT_FOUND', async () => {
    const member = await t.services.members.create({ name: 'To Purge', phone: '+8613700000001', externalIds: { wechat: 'wx-purge' }, consent });
    const face = await t.services.faces.enrollFace(member.id, await cropFace(PERSON_A));
    await t.services.visits.recordSighting(member.id, 'north', 'default', new Date());
    await t.services.purchases.record(member.id, { transactionId: 'purge-1', amount: 10, currency: 'CNY', items: [{ sku: 'a', category: 'b', quantity: 1, price: 10 }] });
    expect(t.index.templatesOf(member.id)).toHaveLength(1);
    expect((await photosOf(member.id)).length).toBeGreaterThan(0);

    expect(await t.services.members.purge(member.id)).toEqual({ faces: 1, images: 1, events: 2, imageErasurePending: false });
    expect(Object.values(await rowsOf(t.pool, member.id)).every((n) => n === 0)).toBe(true);
    expect(t.index.templatesOf(member.id)).toEqual([]);
    expect(await photosOf(member.id)).toEqual([]);
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM pending_blob_deletions');
    expect(rows[0].n).toBe(0);
    expect(face.faceId).toBeTruthy();
    await expect(t.services.members.purge(member.id)).rejects.toMatchObject({ code: 'MEMBER_NOT_FOUND' });
  });

  it('converts a visitor into a member that keeps its face and stops expiring; a member cannot be converted', async () => {
    const visitor = await newVisitor();
    await t.services.faces.enrollFace(visitor.id, await cropFace(PERSON_B));
    const converted = await t.services.members.convert(visitor.id, { name: 'Zhang San', phone: '+8613900000042', consent: { faceRecognition: true, source: 'app' } });
    expect(converted).toMatchObject({ id: visitor.id, kind: 'member', expiresAt: null, faceCount: 1, phone: '+8613900000042' });
    await expect(t.services.members.convert(visitor.id, { phone: '+8613900000043', consent })).rejects.toMatchObject({ code: 'NOT_A_VISITOR' });
    await expect(t.services.members.convert('6b0f0a34-9a5e-4c1e-8d1a-1c2b3d4e5f60', { phone: '+8613900000044', consent })).rejects.toMatchObject({
      code: 'MEMBER_NOT_FOUND',
    });
    await t.services.members.purge(visitor.id);
  });

  it('purges visitors whose time ran out, and keeps the others', async () => {
    const expiring = await newVisitor(1);
    const staying = await newVisitor(60);
    t.advanceClock(2 * DAY_MS);
    try {
      expect(await t.services.visitorExpiry.sweep()).toBe(1);
    } finally {
      t.advanceClock(-2 * DAY_MS);
    }
    expect((await rowsOf(t.pool, expiring.id)).members).toBe(0);
    expect((await rowsOf(t.pool, staying.id)).members).toBe(1);
    await t.services.members.purge(staying.id);
  });
});
