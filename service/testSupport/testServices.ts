import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { FaceIndex } from '../../index/faceIndex.js';
import { FacePipeline } from '../../models/facePipeline.js';
import { wireServices, type Services } from '../app/wiring.js';
import { FsBlobStore } from '../blob/fsBlobStore.js';
import { loadConfig, type Config } from '../config.js';
import { migrate } from '../db/migrate.js';
import { createPool, type Pool } from '../db/pool.js';
import { createTestDatabase, makeDataDir, TEST_MASTER_KEY, type TestDatabase } from './testVisage.js';
import { openKeys, type Keys } from '../app/keys.js';
import { SealedBlobStore } from '../blob/sealedBlobStore.js';

/**
 * The domain services against a real PostgreSQL, without HTTP ("medium" tests): the same wiring
 * as the service (service/app/wiring.ts) on a fresh database, a fresh data folder and a plain
 * index. Models load only when a test asks for them.
 */
export interface TestServices {
  services: Services;
  config: Config;
  pool: Pool;
  index: FaceIndex;
  pipeline: FacePipeline;
  /** The photo store as the services see it (sealing and opening). */
  blobs: SealedBlobStore;
  /** The same store underneath: what is really on disk. */
  store: FsBlobStore;
  keys: Keys;
  db: TestDatabase;
  dataDir: string;
  /** Moves the services' clock (dormancy, expiry) without waiting. */
  advanceClock(ms: number): void;
  /** Wires the same database and data folder again, under other settings (a model change). */
  rewire(env: Record<string, string>): Promise<TestServices>;
  close(): Promise<void>;
}

async function wire(db: TestDatabase, dataDir: string, env: Record<string, string>): Promise<TestServices> {
  const config = loadConfig({ DATABASE_URL: db.url, VISAGE_DATA_DIR: dataDir, LOG_LEVEL: 'silent', INFERENCE_THREADS: '1', VISAGE_MASTER_KEY: TEST_MASTER_KEY, WEBHOOK_ALLOW_PRIVATE: 'true', ...env });
  const logger = pino({ level: 'silent' });
  await migrate(db.url, logger);
  const pool = createPool(db.url);
  const keys = await openKeys(config, { url: db.url, embedded: false }, logger);
  const index = new FaceIndex({ dimensions: config.faceModel.dimension });
  const pipeline = new FacePipeline({
    model: config.faceModel,
    threads: config.inferenceThreads,
    intraOpThreads: config.onnxIntraOpThreads,
    decodeLimits: { maxPixels: config.maxImagePixels, maxSidePx: config.maxAnalysisSidePx },
  });
  const store = new FsBlobStore(path.join(dataDir, 'blobs'));
  const blobs = new SealedBlobStore(store, keys.keyring, logger);
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  const services = wireServices({ config, pool, databaseUrl: db.url, index, pipeline, blobs, clock, logger, keys });
  return {
    services,
    config,
    pool,
    index,
    pipeline,
    blobs,
    store,
    keys,
    db,
    dataDir,
    advanceClock: (ms) => (offsetMs += ms),
    rewire: async (next) => {
      await pipeline.close();
      await pool.end();
      await keys.close();
      return wire(db, dataDir, next);
    },
    async close() {
      await services.audit.flush();
      await pipeline.close();
      await pool.end();
      await keys.close();
      await db.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startTestServices(env: Record<string, string> = {}): Promise<TestServices> {
  return wire(await createTestDatabase(), await makeDataDir(), env);
}

/** Counts rows of a member in every table that can hold something of them. */
export async function rowsOf(pool: pg.Pool, memberId: string): Promise<Record<string, number>> {
  const tables = [
    'members',
    'face_templates',
    'visits',
    'purchases',
    'points_ledger',
    'member_external_ids',
    'redemptions',
    'refunds',
    'coupons',
    'campaign_awards',
    'points_expiry_notices',
    'recognitions',
    'consent_records',
    'point_transfers',
    'sales',
  ];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const column = table === 'members' ? 'id' : 'member_id';
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [memberId]);
    counts[table] = rows[0].n;
  }
  return counts;
}
