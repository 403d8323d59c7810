import fs from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FACE_MODELS } from '../models/faceModels.js';
import { migrate } from '../service/db/migrate.js';
import { createPool, type Pool } from '../service/db/pool.js';
import { FaceTemplateRepository } from '../service/repositories/faceTemplateRepository.js';
import { TemplateChangeRepository } from '../service/repositories/templateChangeRepository.js';
import type { Keys } from '../service/app/keys.js';
import { createTestDatabase, makeDataDir, openTestKeys, type TestDatabase } from '../service/testSupport/testVisage.js';
import { KeystoreSnapshotSealer } from '../service/crypto/snapshotSealer.js';
import { IndexSync, openIndex } from './indexSync.js';

/** Snapshots and catch-up against the real change log (the trigger on face_templates). */

const logger = pino({ level: 'silent' });
let db: TestDatabase;
let pool: Pool;
let keys: Keys;
let dir: string;
let memberId: string;
const model = FACE_MODELS['yunet-fr512'];

const descriptor = (seed: number) => Array.from({ length: model.dimension }, (_, i) => Math.sin(seed * 1000 + i * 7.1) * 0.1);

/** Inserts a template; returns its label. */
async function addTemplate(seed: number, modelVersion = model.version): Promise<number> {
  const { rows } = await pool.query(
    `INSERT INTO face_templates (member_id, descriptor, model_name, model_version, box, quality) VALUES ($1, $2, $3, $4, '{}', '{}') RETURNING label`,
    [memberId, descriptor(seed), model.name, modelVersion],
  );
  return Number(rows[0].label);
}

const deps = () => ({
  snapshotDir: path.join(dir, 'index'),
  changes: new TemplateChangeRepository(pool, keys.vault),
  templates: new FaceTemplateRepository(pool, keys.vault),
  model,
  logger,
});

// A fresh database and folder per test: each passes alone and in any order.
beforeEach(async () => {
  db = await createTestDatabase();
  await migrate(db.url, logger);
  pool = createPool(db.url);
  keys = await openTestKeys(db.url);
  dir = await makeDataDir();
  const { rows } = await pool.query("INSERT INTO members (name) VALUES ('sync') RETURNING id");
  memberId = rows[0].id;
});

afterEach(async () => {
  await pool?.end();
  await keys?.close();
  await db?.drop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('replica index', () => {
  it('rebuilds, follows the change log, saves a snapshot, and restarts from it with the changes since', async () => {
    const first = [await addTemplate(1), await addTemplate(2), await addTemplate(3)];
    await addTemplate(4, 'an-older-model'); // never in this model's index
    const opened = await openIndex(deps());
    expect(opened.source).toBe('rebuild');
    expect(opened.index.size).toBe(3);
    const sync = new IndexSync({ ...deps(), index: opened.index, seq: opened.seq, instanceId: opened.instanceId });
    expect(sync.caughtUpWithin(60_000)).toBe(false); // readiness: not until it has followed the log once

    const fourth = await addTemplate(5);
    await pool.query('DELETE FROM face_templates WHERE label = $1', [first[0]]);
    await sync.catchUp();
    expect(sync.caughtUpWithin(60_000)).toBe(true);
    expect(opened.index.has(fourth)).toBe(true);
    expect(opened.index.has(first[0]!)).toBe(false);
    expect(await sync.saveSnapshot()).toBe(true);
    expect(await sync.saveSnapshot()).toBe(false); // nothing changed since

    const fifth = await addTemplate(6);
    await pool.query('DELETE FROM face_templates WHERE label = $1', [first[1]]);
    const reopened = await openIndex(deps());
    expect(reopened.source).toBe('snapshot');
    const again = new IndexSync({ ...deps(), index: reopened.index, seq: reopened.seq, instanceId: reopened.instanceId });
    expect(await again.catchUp()).toBe(2);
    expect([fourth, fifth, first[2]!].every((label) => reopened.index.has(label))).toBe(true);
    expect(reopened.index.size).toBe(3);
    const [nearest] = reopened.index.search(descriptor(6), 1);
    expect(nearest).toMatchObject({ label: fifth, memberId });
    expect(nearest!.distance).toBeLessThan(1e-3);
  });

  it('seals the snapshot under a key of its own, and a copy of an older snapshot stops opening at the next save', async () => {
    await addTemplate(11);
    const sealer = new KeystoreSnapshotSealer(keys.keyring);
    const sealed = () => ({ ...deps(), sealer });
    const opened = await openIndex(sealed());
    const sync = new IndexSync({ ...sealed(), index: opened.index, seq: opened.seq, instanceId: opened.instanceId });
    await sync.saveSnapshot();
    const graph = await fs.readFile(path.join(dir, 'index', 'faces.hnsw'));
    expect(graph.subarray(0, 4).toString()).toBe('VSF1');
    // Not a float of the descriptor in the file.
    const floats = Buffer.from(Float32Array.from(descriptor(11).slice(0, 8)).buffer);
    expect(graph.includes(floats)).toBe(false);
    expect((await fs.readdir(path.join(dir, 'index'))).filter((file) => file.includes('tmp'))).toEqual([]);
    expect((await openIndex(sealed())).source).toBe('snapshot');

    // A backup of the folder as it is now; then the next save replaces the key.
    const backup = `${dir}-backup`;
    await fs.cp(path.join(dir, 'index'), backup, { recursive: true });
    await addTemplate(12);
    await sync.catchUp();
    await sync.saveSnapshot();
    const fromBackup = await openIndex({ ...sealed(), snapshotDir: backup });
    expect(fromBackup.source).toBe('rebuild'); // its key is gone: rebuilt from PostgreSQL instead
    const reopened = await openIndex(sealed());
    expect(reopened.source).toBe('snapshot');
    expect(reopened.index.size).toBe(2);
    await fs.rm(backup, { recursive: true, force: true });
  });

  it('rebuilds instead of loading a snapshot the change log no longer reaches, or one of another database', async () => {
    const opened = await openIndex(deps());
    const sync = new IndexSync({ ...deps(), index: opened.index, seq: opened.seq, instanceId: opened.instanceId });
    await addTemplate(7);
    await sync.catchUp();
    await sync.saveSnapshot();
    await addTemplate(8);
    expect((await openIndex(deps())).source).toBe('snapshot');
    await addTemplate(9);
    expect(await new TemplateChangeRepository(pool, keys.vault).compact(new Date(Date.now() + 60_000))).toBeGreaterThan(0);
    expect((await openIndex(deps())).source).toBe('rebuild');

    await pool.query('UPDATE visage_instance SET change_horizon = 0, instance_id = gen_random_uuid()');
    const rebuilt = await openIndex(deps());
    const sync2 = new IndexSync({ ...deps(), index: rebuilt.index, seq: rebuilt.seq, instanceId: rebuilt.instanceId });
    await sync2.saveSnapshot();
    await pool.query('UPDATE visage_instance SET instance_id = gen_random_uuid()');
    expect((await openIndex(deps())).source).toBe('rebuild');
  });

  it('lets searches run during a save and applies the changes made meanwhile afterwards', async () => {
    await addTemplate(7);
    const opened = await openIndex(deps());
    const before = opened.index.size;
    const saving = opened.index.saveGraph(path.join(dir, 'concurrent.hnsw'));
    opened.index.add({ label: 999_999, templateId: 'during-save', memberId }, descriptor(99));
    expect(opened.index.search(descriptor(7), 1)).toHaveLength(1);
    const saved = await saving;
    expect(saved).toHaveLength(before);
    expect(opened.index.has(999_999)).toBe(true);
  });
});
