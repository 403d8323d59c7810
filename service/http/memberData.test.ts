import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { expectError } from '../testSupport/apiClient.js';
import { cropFace, PERSON_A } from '../testSupport/facePhotos.js';
import { isolatedVisagePerFile } from '../testSupport/testVisage.js';

/** The member's own data (export) and consent as records, withdrawn without losing the membership. */
const file = isolatedVisagePerFile();
const { api } = file;


/** Every number array in a JSON document longer than `length` (a descriptor would be one). */
function longNumberArrays(value: unknown, length = 64): number {
  if (Array.isArray(value)) return (value.length >= length && value.every((v) => typeof v === 'number') ? 1 : 0) + value.reduce((n: number, v) => n + longNumberArrays(v, length), 0);
  if (value && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + longNumberArrays(v, length), 0);
  return 0;
}

describe("a member's own data", () => {
  it('exports everything held as one document (photos on request, never descriptors), audited; withdrawing face consent erases the faces and keeps the membership', async () => {
    const created = await api.post('/v1/members', { name: 'Data Subject', phone: '+8613800138000', consent: { faceRecognition: true, source: 'app', textVersion: 'face-2026-11' } });
    const id = created.body.id;
    const enrolled = await api.postImage(`/v1/members/${id}/faces`, await cropFace(PERSON_A));
    expect(enrolled.status).toBe(201);
    const purchase = await api.post(`/v1/members/${id}/purchases`, { transactionId: 'EXP-1', amount: 120, currency: 'CNY', items: [{ sku: 'tea', category: 'food', quantity: 2, price: 60 }] });
    expect(purchase.status).toBe(201);
    const balance = (await api.call('GET', `/v1/members/${id}/points`)).body.balance;
    expect(balance).toBeGreaterThan(0);

    const exported = await api.call('GET', `/v1/members/${id}/export`);
    expect(exported.status).toBe(200);
    const doc = exported.body;
    expect(doc.member).toMatchObject({ id, name: 'Data Subject', phone: '+8613800138000' });
    expect(doc.consents).toEqual([expect.objectContaining({ purpose: 'faceRecognition', granted: true, textVersion: 'face-2026-11', source: 'app' })]);
    expect(doc.faces).toEqual([expect.objectContaining({ id: enrolled.body.faceId, kind: 'enrolled', photoKept: true })]);
    expect(doc.purchases).toEqual([expect.objectContaining({ transactionId: 'EXP-1', amount: 120, currency: 'CNY' })]);
    expect(doc.pointsLedger.length).toBeGreaterThanOrEqual(1);
    expect(doc.photos).toBeUndefined();
    expect(JSON.stringify(doc)).not.toMatch(/descriptor/i);
    expect(longNumberArrays(doc)).toBe(0);

    const withPhotos = (await api.call('GET', `/v1/members/${id}/export?photos=true`)).body;
    expect(withPhotos.photos).toHaveLength(1);
    expect((await sharp(Buffer.from(withPhotos.photos[0].base64, 'base64')).metadata()).format).toBe('jpeg');
    await expect.poll(async () => (await api.call('GET', `/v1/audit?action=member.export&memberId=${id}`)).body.items.length, { timeout: 5000 }).toBe(2);

    // Withdrawal: the faces go, the membership stays.
    const withdrawn = await api.call('DELETE', `/v1/members/${id}/consent/faceRecognition?source=app-settings`);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.erased).toEqual({ faces: 1, images: 1, imageErasurePending: false });
    expect(withdrawn.body.member).toMatchObject({ id, phone: '+8613800138000', faceCount: 0, consent: { faceRecognition: false, source: 'app-settings' } });
    expect((await api.call('GET', `/v1/members/${id}/points`)).body.balance).toBe(balance);
    expect((await api.call('GET', `/v1/members/${id}/faces`)).body.faces).toEqual([]);
    const probe = await api.postImage('/v1/identify?maxFaces=1', await cropFace(PERSON_A, { width: 260 }));
    expect(probe.body.faces[0].match).toBeNull();
    expectError(await api.postImage(`/v1/members/${id}/faces`, await cropFace(PERSON_A)), 409, 'CONSENT_REQUIRED');
    const { rows } = await file.service.sql.query('SELECT count(*)::int AS n FROM face_templates WHERE member_id = $1', [id]);
    expect(rows[0].n).toBe(0);
    // The phone still finds the member (the alternative to the face).
    expect((await api.call('GET', '/v1/members?phone=%2B8613800138000')).body.members.map((m: { id: string }) => m.id)).toEqual([id]);

    const after = (await api.call('GET', `/v1/members/${id}/export`)).body;
    expect(after.consents.map((c: { granted: boolean; source: string }) => [c.granted, c.source])).toEqual([
      [true, 'app'],
      [false, 'app-settings'],
    ]);
    expect(after.faces).toEqual([]);
    await expect.poll(async () => (await api.call('GET', `/v1/audit?action=consent.withdraw&memberId=${id}`)).body.items.length, { timeout: 5000 }).toBe(1);

    // Consent given again: a face may be enrolled again.
    expect((await api.call('PATCH', `/v1/members/${id}`, { consent: { faceRecognition: true, source: 'desk', textVersion: 'face-2026-12' } })).status).toBe(200);
    expect((await api.postImage(`/v1/members/${id}/faces`, await cropFace(PERSON_A))).status).toBe(201);
  });

  it('answers MEMBER_NOT_FOUND for the export of a purged member, and for a withdrawal', async () => {
    const created = await api.post('/v1/members', { name: 'Gone', consent: { faceRecognition: true, source: 'desk' } });
    await api.call('DELETE', `/v1/members/${created.body.id}`);
    expectError(await api.call('GET', `/v1/members/${created.body.id}/export`), 404, 'MEMBER_NOT_FOUND');
    expectError(await api.call('DELETE', `/v1/members/${created.body.id}/consent/faceRecognition`), 404, 'MEMBER_NOT_FOUND');
  });
});
