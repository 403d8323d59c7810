import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../testSupport/webhookReceiver.js';
import { cropFace, PERSON_A, PERSON_B, type DemoFace } from '../testSupport/facePhotos.js';
import { ADMIN_AUTH, isolatedVisagePerFile, TEST_ADMIN_KEY, TEST_MASTER_KEY } from '../testSupport/testVisage.js';

/**
 * Master-key rotation through the API and `visage keys rotate-master`: the new key becomes
 * VISAGE_MASTER_KEY, the old one stays in VISAGE_PREVIOUS_MASTER_KEYS until every data key is
 * re-wrapped, then goes; faces and photos open throughout and after.
 */
const NEW_KEY = Buffer.alloc(32, 42).toString('base64');
const file = isolatedVisagePerFile();
const { api } = file;


async function enroll(person: DemoFace): Promise<{ memberId: string; faceId: string }> {
  const member = await api.post('/v1/members', { name: 'Rotated', consent: { faceRecognition: true, source: 'desk' } });
  const face = await api.postImage(`/v1/members/${member.body.id}/faces`, await cropFace(person));
  expect(face.status).toBe(201);
  return { memberId: member.body.id, faceId: face.body.faceId };
}

describe('master-key rotation', () => {
  it('re-wraps every data key under the new master key while the service serves, resumably, and the old key can then go', async () => {
    const a = await enroll(PERSON_A);
    const b = await enroll(PERSON_B);
    // A webhook's signing secret is sealed under the master key too.
    const receiver = await WebhookReceiver.start();
    const hook = await api.post('/v1/webhooks', { url: receiver.url, events: ['member.created'] });
    expect(hook.status).toBe(201);
    receiver.secret = hook.body.secret;
    const storedSecret = async () => (await file.service.sql.query('SELECT secret FROM webhook_subscriptions WHERE id = $1', [hook.body.id])).rows[0].secret as string;
    expect(await storedSecret()).toMatch(/^sealed:v1:local:[0-9a-f]{16}:/);
    expect(await storedSecret()).not.toContain(hook.body.secret);
    const sealedBefore = await storedSecret();

    await file.service.restart({ VISAGE_MASTER_KEY: NEW_KEY, VISAGE_PREVIOUS_MASTER_KEYS: TEST_MASTER_KEY });
    await file.service.visage.modelsReady;
    // Mid-rotation: one slice, then the rest by the command (each call picks up what is left).
    const first = await api.post('/v1/admin/master-key/rotate?limit=1');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ rewrapped: 1 });
    expect(first.body.remaining).toBeGreaterThan(0);
    const probe = await cropFace(PERSON_A, { width: 260 });
    expect((await api.postImage('/v1/identify?maxFaces=1', probe)).body.faces[0].match.memberId).toBe(a.memberId);

    const cli = await promisify(execFile)(process.execPath, ['service/cli/visage.mjs', '--url', file.service.visage.url, '--key', TEST_ADMIN_KEY, 'keys', 'rotate-master', '--batch', '1'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
    });
    expect(cli.stdout).toMatch(/keys re-wrapped; every data key is now under master key local:/);
    const done = await api.post('/v1/admin/master-key/rotate');
    expect(done.body).toMatchObject({ rewrapped: 0, remaining: 0 });
    expect(Object.keys(done.body.byMasterKey)).toEqual([done.body.masterKeyId]);

    expect(await storedSecret()).toMatch(new RegExp(`^sealed:v1:${done.body.masterKeyId}:`));
    expect(await storedSecret()).not.toBe(sealedBefore);

    // The old key gone: everything still opens (the index rebuilt or loaded, photos, descriptors).
    await file.service.restart({ VISAGE_MASTER_KEY: NEW_KEY });
    await file.service.visage.modelsReady;
    expect((await api.postImage('/v1/identify?maxFaces=1', probe)).body.faces[0].match.memberId).toBe(a.memberId);
    expect((await api.post(`/v1/webhooks/${hook.body.id}/test`)).body).toMatchObject({ delivered: true });
    expect(receiver.received.at(-1)).toMatchObject({ verified: true, event: { type: 'webhook.test' } });
    await receiver.close();
    const photo = await fetch(`${file.service.visage.url}/v1/members/${b.memberId}/faces/${b.faceId}/photo`, { headers: ADMIN_AUTH });
    expect(photo.status).toBe(200);
    expect(Buffer.from(await photo.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    // Audited (records are written in batches: wait for them).
    await expect.poll(async () => (await api.call('GET', '/v1/audit?action=admin.rekey')).body.items.length, { timeout: 5000 }).toBeGreaterThanOrEqual(1);

    // The old key alone no longer starts the service: it opens none of the keys.
    await expect(file.service.restart({ VISAGE_MASTER_KEY: TEST_MASTER_KEY })).rejects.toThrow(/not configured/);
    await file.service.restart({ VISAGE_MASTER_KEY: NEW_KEY });
  });
});
