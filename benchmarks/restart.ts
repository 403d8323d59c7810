/**
 * Replica restart: a full rebuild of the index from PostgreSQL against loading the saved snapshot
 * and catching up from the change log, at a gallery of --templates synthetic templates, plus the
 * memory the index takes per template (RSS growth while it is built).
 *
 * Descriptors are sealed under their members' data keys as the service stores them; `--plain`
 * stores them as before encryption, the baseline for its cost.
 *
 *   npm run bench:restart [-- --templates 100000] [--per-member 2] [--plain] [--json]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { IndexSync, openIndex } from '../index/indexSync.js';
import { openKeys } from '../service/app/keys.js';
import { KeystoreSnapshotSealer } from '../service/crypto/snapshotSealer.js';
import { loadConfig } from '../service/config.js';
import { startEmbeddedPostgres } from '../service/db/embeddedPostgres.js';
import { migrate } from '../service/db/migrate.js';
import { createPool } from '../service/db/pool.js';
import { FaceTemplateRepository } from '../service/repositories/faceTemplateRepository.js';
import { TemplateChangeRepository } from '../service/repositories/templateChangeRepository.js';
import { benchModel } from './benchModel.js';
import { DescriptorShape } from './syntheticFaces.js';
import { benchCommand } from './benchCommand.js';

const opts = benchCommand()
  .option('--templates <n>', 'gallery size', '100000')
  .option('--catch-up <n>', 'changes made after the snapshot', '1000')
  .option('--per-member <n>', 'templates per member (each member has a data key to unwrap)', '2')
  .option('--plain', 'descriptors stored plain, as before encryption (the baseline)')
  .parse()
  .opts<{ templates: string; catchUp: string; perMember: string; plain?: boolean; json?: boolean }>();
const total = Number(opts.templates);
const later = Number(opts.catchUp);
const logger = pino({ level: 'warn' });
const gc = () => (globalThis as { gc?: () => void }).gc?.();

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-restart-'));
await fs.chmod(dataDir, 0o755);
const database = await startEmbeddedPostgres(dataDir, Number(process.env.EMBEDDED_PG_PORT ?? 54349), logger);
await migrate(database.connectionString, logger);
const pool = createPool(database.connectionString);
const model = benchModel();
const masterKey = randomBytes(32).toString('base64');
const keys = await openKeys(
  loadConfig({ DATABASE_URL: database.connectionString, VISAGE_MASTER_KEY: masterKey }),
  { url: database.connectionString, embedded: false },
  logger,
);
const gallery = DescriptorShape.of(model.key).gallery(total + later);
const perMember = Number(opts.perMember);

/** Members of `perMember` templates each, their descriptors sealed under each member's key as the service writes them (or plain, as an older version did). */
async function insert(from: number, to: number, sealed = true): Promise<void> {
  for (let start = from; start < to; start += 1000) {
    const end = Math.min(to, start + 1000);
    const members = Array.from({ length: Math.ceil((end - start) / perMember) }, () => randomUUID());
    await pool.query("INSERT INTO members (id, name) SELECT unnest($1::uuid[]), 'bench'", [members]);
    const values: string[] = [];
    const params: unknown[] = [model.name, model.version];
    for (let i = start; i < end; i++) {
      const memberId = members[Math.floor((i - start) / perMember)]!;
      const id = randomUUID();
      const descriptor = gallery.descriptors[i]!;
      params.push(id, memberId, sealed ? await keys.vault.seal(memberId, id, descriptor) : Array.from(descriptor));
      const n = params.length;
      values.push(sealed ? `($${n - 2}, $${n - 1}, NULL, $${n}, $1, $2, '{}', '{}')` : `($${n - 2}, $${n - 1}, $${n}, NULL, $1, $2, '{}', '{}')`);
    }
    await pool.query(`INSERT INTO face_templates (id, member_id, descriptor, descriptor_sealed, model_name, model_version, box, quality) VALUES ${values.join(', ')}`, params);
  }
}

const sealedRows = !opts.plain;
process.stdout.write(`inserting ${total} templates (${sealedRows ? 'sealed' : 'plain'}, ${perMember} per member)… `);
await insert(0, total, sealedRows);
console.log('done');
const deps = {
  snapshotDir: path.join(dataDir, 'index'),
  changes: new TemplateChangeRepository(pool, keys.vault),
  templates: new FaceTemplateRepository(pool, keys.vault),
  model,
  logger,
  ...(sealedRows ? { sealer: new KeystoreSnapshotSealer(keys.keyring) } : {}),
};

gc();
const rssBefore = process.memoryUsage().rss;
let started = performance.now();
const rebuilt = await openIndex(deps);
const rebuildMs = performance.now() - started;
gc();
const bytesPerTemplate = Math.round((process.memoryUsage().rss - rssBefore) / rebuilt.index.size);
// What reading (and opening) every descriptor costs apart from building the graph: a second pass
// through a keyring of its own, so no key is cached from the rebuild.
const cold = await openKeys(loadConfig({ DATABASE_URL: database.connectionString, VISAGE_MASTER_KEY: masterKey }), { url: database.connectionString, embedded: false }, logger);
started = performance.now();
let scanned = 0;
for await (const page of new FaceTemplateRepository(pool, cold.vault).streamForIndex(model)) scanned += page.length;
const readMs = performance.now() - started;
await cold.close();
if (scanned !== total) throw new Error(`read ${scanned} of ${total} templates`);
const sync = new IndexSync({ ...deps, index: rebuilt.index, seq: rebuilt.seq, instanceId: rebuilt.instanceId });
started = performance.now();
await sync.saveSnapshot();
const saveMs = performance.now() - started;
const snapshotBytes = (await fs.readdir(deps.snapshotDir)).length && (await Promise.all((await fs.readdir(deps.snapshotDir)).map((f) => fs.stat(path.join(deps.snapshotDir, f))))).reduce((sum, s) => sum + s.size, 0);

await insert(total, total + later, sealedRows); // changes made while the replica was down
started = performance.now();
const reopened = await openIndex(deps);
const loadMs = performance.now() - started;
const again = new IndexSync({ ...deps, index: reopened.index, seq: reopened.seq, instanceId: reopened.instanceId });
started = performance.now();
const caughtUp = await again.catchUp();
const catchUpMs = performance.now() - started;
if (reopened.source !== 'snapshot' || reopened.index.size !== total + later) throw new Error(`snapshot restart went wrong: ${reopened.source}, ${reopened.index.size}`);

await pool.end();
await keys.close();
await database.stop();
await fs.rm(dataDir, { recursive: true, force: true });

const result = {
  templates: total,
  descriptors: sealedRows ? 'sealed' : 'plain',
  rebuildMs: Math.round(rebuildMs),
  readDescriptorsMs: Math.round(readMs),
  snapshotSaveMs: Math.round(saveMs),
  snapshotMB: Number((snapshotBytes / 1e6).toFixed(1)),
  snapshotLoadMs: Math.round(loadMs),
  catchUpChanges: caughtUp,
  catchUpMs: Math.round(catchUpMs),
  snapshotRestartMs: Math.round(loadMs + catchUpMs),
  bytesPerTemplate,
  mbPerMillion: Math.round((bytesPerTemplate * 1e6) / 2 ** 20),
};
console.log(`\n${total} templates (${result.descriptors}), ${os.availableParallelism()} cores`);
console.log(`full rebuild from PostgreSQL        ${result.rebuildMs} ms (reading the descriptors alone: ${result.readDescriptorsMs} ms)`);
console.log(`snapshot save                       ${result.snapshotSaveMs} ms (${result.snapshotMB} MB on disk)`);
console.log(`restart from snapshot + catch-up    ${result.snapshotRestartMs} ms (load ${result.snapshotLoadMs} ms, ${caughtUp} changes in ${result.catchUpMs} ms)`);
console.log(`index memory                        ${bytesPerTemplate} bytes per template (≈ ${result.mbPerMillion} MiB per million)`);
if (opts.json) console.log(JSON.stringify(result));
