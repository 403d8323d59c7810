import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { openKeys } from '../app/keys.js';
import { FsBlobStore } from '../blob/fsBlobStore.js';
import { SealedBlobStore } from '../blob/sealedBlobStore.js';
import { loadConfig } from '../config.js';
import { createPool } from '../db/pool.js';
import { FaceTemplateRepository } from '../repositories/faceTemplateRepository.js';
import { LivenessSessionRepository } from '../repositories/livenessSessionRepository.js';
import { cropFace, PERSON_A, PERSON_B, STRANGERS } from '../testSupport/facePhotos.js';
import { startTestServices, type TestServices } from '../testSupport/testServices.js';
import { TEST_MASTER_KEY } from '../testSupport/testVisage.js';
import { isSealed } from './sealedBox.js';
import { MasterKeyError } from './masterKeys.js';

/**
 * Biometric data at rest (README "Privacy"): descriptors and photos sealed under the member's
 * data key, which lives in the keystore database; a purge destroys it, so a backup taken before
 * the purge no longer yields the face. Real PostgreSQL, real models, a real backup (a copy of
 * the database made by the server) and a copy of the photo folder.
 */

let t: TestServices;
const silent = pino({ level: 'silent' });
const consent = { faceRecognition: true, source: 'desk' };
const adminUrl = () => inject('postgresUrl');
const extraDatabases: string[] = [];

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A physical copy of the service's database as it is now (what a nightly backup holds), made by the server itself. */
async function backupDatabase(): Promise<string> {
  const source = new URL(t.db.url).pathname.slice(1);
  const name = `${source}_backup`;
  await admin(async (client) => {
    // CREATE DATABASE … TEMPLATE needs the source to itself for a moment.
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [source]);
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${source}`);
  });
  extraDatabases.push(name);
  const url = new URL(t.db.url);
  url.pathname = `/${name}`;
  return url.toString();
}

beforeAll(async () => {
  t = await startTestServices();
  t.pool.on('error', () => undefined); // the backup ends the pool's idle connections
  await t.pipeline.start();
});
afterAll(async () => {
  await t?.close();
  await admin(async (client) => {
    for (const name of extraDatabases) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
});

describe('biometric data at rest', () => {
  it('stores descriptors and photos sealed, and a backup taken before a purge no longer yields the face after it', async () => {
    const member = await t.services.members.create({ name: 'Shredded', consent });
    const { faceId } = await t.services.faces.enrollFace(member.id, await cropFace(PERSON_A));
    const keeper = await t.services.members.create({ name: 'Kept', consent });
    await t.services.faces.enrollFace(keeper.id, await cropFace(PERSON_B));

    // At rest: no plain descriptor in PostgreSQL, a sealed photo on disk.
    const { rows } = await t.pool.query('SELECT descriptor, descriptor_sealed, photo_key FROM face_templates WHERE id = $1', [faceId]);
    expect(rows[0].descriptor).toBeNull();
    expect(isSealed(rows[0].descriptor_sealed)).toBe(true);
    const photoFile = path.join(t.dataDir, 'blobs', rows[0].photo_key);
    expect(isSealed(await fs.readFile(photoFile))).toBe(true);

    // The backups: the database and the photo folder, as they are before the purge.
    const backupUrl = await backupDatabase();
    const photoBackup = `${t.dataDir}-photos-backup`;
    await fs.cp(path.join(t.dataDir, 'blobs'), photoBackup, { recursive: true });
    const backup = createPool(backupUrl);
    const fromBackup = new FaceTemplateRepository(backup, t.keys.vault);
    const backupPhotos = new SealedBlobStore(new FsBlobStore(photoBackup), t.keys.keyring, silent);
    try {
      // Before the purge the backup opens (so what follows is the purge's doing, not a broken backup).
      expect(await fromBackup.listByMemberWithDescriptors(member.id)).toHaveLength(1);
      expect((await backupPhotos.get(rows[0].photo_key))?.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8])); // a JPEG

      await t.services.members.purge(member.id);
      const { rows: keyRows } = await t.keys.keystore.query('SELECT count(*)::int AS n FROM member_keys WHERE member_id = $1', [member.id]);
      expect(keyRows[0].n).toBe(0);

      // The restored backup still holds the row and the photo file, and neither opens.
      const { rows: restored } = await backup.query('SELECT descriptor, descriptor_sealed FROM face_templates WHERE id = $1', [faceId]);
      expect(restored).toHaveLength(1);
      expect(restored[0].descriptor).toBeNull();
      const unreadableBefore = t.keys.vault.unreadable;
      expect(await fromBackup.listByMemberWithDescriptors(member.id)).toEqual([]);
      expect(t.keys.vault.unreadable).toBe(unreadableBefore + 1);
      expect(await fs.readFile(path.join(photoBackup, rows[0].photo_key)).then(isSealed)).toBe(true);
      expect(await backupPhotos.get(rows[0].photo_key)).toBeUndefined();
      // A service started on the restored backup loads everyone else and leaves the purged face out.
      const everyone = [];
      for await (const page of fromBackup.streamForIndex(t.config.faceModel)) everyone.push(...page);
      expect(everyone.map((template) => template.memberId)).toContain(keeper.id);
      expect(everyone.map((template) => template.memberId)).not.toContain(member.id);
    } finally {
      await backup.end();
      await fs.rm(photoBackup, { recursive: true, force: true });
    }
  });

  it('reports a corrupted ciphertext and skips that template, loading the rest', async () => {
    const member = await t.services.members.create({ name: 'Corrupted', consent });
    const { faceId } = await t.services.faces.enrollFace(member.id, await cropFace(STRANGERS[0]!, { width: 240 }));
    const other = await t.services.faces.enrollFace(member.id, await cropFace(STRANGERS[0]!, { width: 300, margin: 0.8 }));
    await t.pool.query('UPDATE face_templates SET descriptor_sealed = set_byte(descriptor_sealed, 40, get_byte(descriptor_sealed, 40) # 1) WHERE id = $1', [faceId]);
    const before = t.keys.vault.unreadable;
    const loaded = await t.services.repositories.templates.listByMemberWithDescriptors(member.id);
    expect(loaded.map((template) => template.id)).toEqual([other.faceId]);
    expect(t.keys.vault.unreadable).toBe(before + 1);
  });

  it('keeps reading what an older version stored in the clear, and the upgrade seals it in place', async () => {
    const member = await t.services.members.create({ name: 'Legacy', consent });
    const photo = await cropFace(STRANGERS[1]!, { width: 260 });
    const { faceId } = await t.services.faces.enrollFace(member.id, photo);
    const [template] = await t.services.repositories.templates.listByMemberWithDescriptors(member.id);
    const original = await t.services.records.photo(member.id, faceId);
    // As an older version left it: a plain descriptor, a plain photo.
    await t.pool.query('UPDATE face_templates SET descriptor = $2, descriptor_sealed = NULL, photo_sealed = false WHERE id = $1', [faceId, template!.descriptor]);
    await t.store.put(template!.photoKey!, original.bytes, original.contentType);
    const [plain] = await t.services.repositories.templates.listByMemberWithDescriptors(member.id);
    expect(plain!.descriptor.map(Math.fround)).toEqual(template!.descriptor.map(Math.fround));
    expect((await t.services.records.photo(member.id, faceId)).bytes).toEqual(original.bytes);

    const upgraded = await t.services.biometricUpgrade.run();
    expect(upgraded.templates).toBeGreaterThanOrEqual(1);
    expect(upgraded.photos).toBeGreaterThanOrEqual(1);
    const { rows } = await t.pool.query('SELECT descriptor, descriptor_sealed, photo_sealed FROM face_templates WHERE id = $1', [faceId]);
    expect(rows[0]).toMatchObject({ descriptor: null, photo_sealed: true });
    expect(isSealed(rows[0].descriptor_sealed)).toBe(true);
    expect(isSealed((await t.store.get(template!.photoKey!))!)).toBe(true);
    const [sealed] = await t.services.repositories.templates.listByMemberWithDescriptors(member.id);
    expect(sealed!.descriptor).toEqual(plain!.descriptor.map(Math.fround));
    expect((await t.services.records.photo(member.id, faceId)).bytes).toEqual(original.bytes);
    expect(await t.services.repositories.templates.countUnsealed()).toBe(0);
    expect(await t.services.biometricUpgrade.run()).toEqual({ templates: 0, photos: 0 });
  });
});

describe('till probes', () => {
  it("seals a recognition's descriptor under the hour's probe key, which is destroyed once its probes have expired", async () => {
    const member = await t.services.members.create({ name: 'Probe', consent });
    const descriptor = Array.from({ length: t.config.faceModel.dimension }, (_, i) => Math.sin(i) / 20);
    const [id] = await t.services.recognitions.mint({ keyId: randomUUID(), mallId: 'default', storeId: null }, [{ descriptor, memberId: member.id, via: 'regulars', liveness: null }]);
    const { rows } = await t.pool.query('SELECT descriptor, descriptor_sealed, probe_key_id FROM recognitions WHERE id = $1', [id]);
    expect(rows[0].descriptor).toBeNull();
    expect(isSealed(rows[0].descriptor_sealed)).toBe(true);
    const opened = await t.keys.probes.open(id!, rows[0].probe_key_id, rows[0].descriptor_sealed);
    expect(opened).toEqual(descriptor.map(Math.fround));
    // A copy of the row (a WAL archive's) opens until the hour's key is retired, then never.
    expect(await t.keys.keyring.retireProbeKeys(-2 * 3_600_000)).toBeGreaterThanOrEqual(1);
    expect(await t.keys.probes.open(id!, rows[0].probe_key_id, rows[0].descriptor_sealed)).toBeUndefined();
  });

  it("seals a liveness session's frame descriptors, face patch and passed descriptor the same way", async () => {
    const sessions = new LivenessSessionRepository(t.pool, t.keys.probes);
    const session = await sessions.create(['blink'], null, new Date(Date.now() + 60_000));
    const descriptor = Array.from({ length: 8 }, (_, i) => i / 8);
    const frame = { at: Date.now(), landmarks: [{ x: 1, y: 2 }], passiveScore: 0.9, eyeOpenness: 0.3, descriptor };
    const reference = { patch: 'iVBORw0KGgo-a-face-patch', box: { x: 1, y: 2, width: 3, height: 4 }, plane: [{ x: 0, y: 0 }] };
    const appended = await sessions.appendFrame(session.id, frame, reference, new Date());
    expect(appended!.frames[0]!.descriptor).toEqual(descriptor);
    expect(appended!.reference!.patch).toBe(reference.patch);
    const { rows } = await t.pool.query('SELECT frames, reference FROM liveness_sessions WHERE id = $1', [session.id]);
    expect(rows[0].frames[0]).not.toHaveProperty('descriptor');
    expect(rows[0].frames[0].descriptorSealed).toEqual(expect.any(String));
    expect(rows[0].reference).not.toHaveProperty('patch');
    expect(JSON.stringify(rows[0])).not.toContain('a-face-patch');
    await sessions.saveVerdict(session.id, { live: true }, true, descriptor, new Date());
    const { rows: judged } = await t.pool.query('SELECT descriptor, descriptor_sealed FROM liveness_sessions WHERE id = $1', [session.id]);
    expect(judged[0].descriptor).toBeNull();
    expect(isSealed(judged[0].descriptor_sealed)).toBe(true);
    expect(await sessions.consume(session.id, new Date())).toEqual(descriptor);
  });
});

describe('master keys at start', () => {
  const keysWith = (env: Record<string, string>) =>
    openKeys(loadConfig({ DATABASE_URL: t.db.url, ...env }), { url: t.db.url, embedded: false }, silent);

  it('refuses to start without a master key beside an external database, and with a wrong one', async () => {
    await expect(keysWith({})).rejects.toThrow(/no master key: set VISAGE_MASTER_KEY/);
    await t.keys.keyring.keyFor(randomUUID()); // the keystore holds at least one key
    // The keystore holds keys wrapped by the test key: another key must not start.
    const wrong = Buffer.alloc(32, 9).toString('base64');
    await expect(keysWith({ VISAGE_MASTER_KEY: wrong })).rejects.toThrow(MasterKeyError);
    await expect(keysWith({ VISAGE_MASTER_KEY: wrong })).rejects.toThrow(/not configured/);
    // With the old key still given as a previous one, it starts (a rotation in progress).
    const rotating = await keysWith({ VISAGE_MASTER_KEY: wrong, VISAGE_PREVIOUS_MASTER_KEYS: TEST_MASTER_KEY });
    await rotating.close();
  });

  it('refuses a malformed key in the configuration', () => {
    expect(() => loadConfig({ VISAGE_MASTER_KEY: 'too-short' })).toThrow(/VISAGE_MASTER_KEY: must be 32 bytes/);
  });
});
