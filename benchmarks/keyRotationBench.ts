/**
 * Master-key rotation at a group's size: --members data keys wrapped by one master key, then
 * re-wrapped under a new one (MemberKeyring.rewrap, the path `visage keys rotate-master` drives)
 * while a reader keeps opening random members' keys, as identification and enrollment do.
 * Prints the rotation's time and rate, and the readers' latency during it. Real PostgreSQL.
 *
 *   npm run bench:rotation [-- --members 100000] [--json]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { LocalMasterKey, MasterKeys } from '../service/crypto/masterKeys.js';
import { MemberKeyring } from '../service/crypto/memberKeyring.js';
import { newDataKey } from '../service/crypto/sealedBox.js';
import { startEmbeddedPostgres } from '../service/db/embeddedPostgres.js';
import { migrateKeystore } from '../service/db/migrate.js';
import { createPool } from '../service/db/pool.js';
import { benchCommand } from './benchCommand.js';

const opts = benchCommand()
  .option('--members <n>', 'members with a data key', '100000')
  .option('--slice <n>', 'keys per rotate call (the CLI default)', '20000')
  .parse()
  .opts<{ members: string; slice: string; json?: boolean }>();
const members = Number(opts.members);
const logger = pino({ level: 'warn' });

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-rotation-'));
await fs.chmod(dataDir, 0o755);
const database = await startEmbeddedPostgres(dataDir, Number(process.env.EMBEDDED_PG_PORT ?? 54351), logger);
await migrateKeystore(database.connectionString, logger);
const pool = createPool(database.connectionString);
const oldKey = new LocalMasterKey(randomBytes(32));
const newKey = new LocalMasterKey(randomBytes(32));

process.stdout.write(`${members} data keys under the old master key… `);
const ids: string[] = [];
for (let start = 0; start < members; start += 5000) {
  const batch = Array.from({ length: Math.min(5000, members - start) }, () => randomUUID());
  const wrapped = await Promise.all(batch.map((id) => oldKey.wrap(newDataKey(), `member:${id}`)));
  await pool.query('INSERT INTO member_keys (member_id, wrapped, master_key_id) SELECT unnest($1::uuid[]), unnest($2::bytea[]), $3', [batch, wrapped, oldKey.keyId]);
  ids.push(...batch);
}
console.log('done');

// Every replica now runs with the new key, the old one still accepted.
const keyring = MemberKeyring.on(pool, new MasterKeys(newKey, [oldKey]), logger);
await keyring.verify();

// The load: a reader opening random members' keys (one cold read each: the cache is per process and these are fresh ids).
let reading = true;
const readMs: number[] = [];
const reader = (async () => {
  const cold = MemberKeyring.on(pool, new MasterKeys(newKey, [oldKey]), logger);
  while (reading) {
    const id = ids[Math.floor(Math.random() * ids.length)]!;
    const started = performance.now();
    const key = (await cold.existingKeys([id])).get(id);
    readMs.push(performance.now() - started);
    if (!key) throw new Error(`member ${id} lost its key during the rotation`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
})();

const started = performance.now();
let rewrapped = 0;
let calls = 0;
for (;;) {
  const done = await keyring.rewrap(Number(opts.slice));
  if (done === 0) break;
  rewrapped += done;
  calls += 1;
}
const rotationMs = performance.now() - started;
reading = false;
await reader;
const left = await keyring.countsByMasterKey();
if (rewrapped !== members || Object.keys(left).join() !== newKey.keyId) throw new Error(`rotation incomplete: ${JSON.stringify(left)}`);

await pool.end();
await database.stop();
await fs.rm(dataDir, { recursive: true, force: true });

const sorted = readMs.sort((a, b) => a - b);
const pct = (p: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(2));
const result = {
  members,
  rewrapped,
  calls,
  rotationSeconds: Number((rotationMs / 1000).toFixed(1)),
  keysPerSecond: Math.round(rewrapped / (rotationMs / 1000)),
  readsDuring: readMs.length,
  readP50Ms: pct(0.5),
  readP99Ms: pct(0.99),
};
console.log(`\n${members} data keys, ${os.availableParallelism()} cores`);
console.log(`re-wrapped under the new master key   ${result.rotationSeconds} s (${result.keysPerSecond} keys/s, ${calls} calls of ${opts.slice})`);
console.log(`key reads meanwhile                   ${result.readsDuring}, p50 ${result.readP50Ms} ms, p99 ${result.readP99Ms} ms, none lost`);
if (opts.json) console.log(JSON.stringify(result));
