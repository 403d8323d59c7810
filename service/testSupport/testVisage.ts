import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, inject } from 'vitest';
import { loadConfig } from '../config.js';
import { openKeys, type Keys } from '../app/keys.js';
import { apiClient } from './apiClient.js';
import { startVisage, type Visage, type VisageOptions } from '../app/startVisage.js';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database in the shared test PostgreSQL. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('postgresUrl');
  const name = `visage_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      // The keystore the service made beside it (service/app/keys.ts).
      await client.query(`DROP DATABASE IF EXISTS ${name}_keys WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function makeDataDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'visage-test-data-'));
}

/** The master key the test services are started with (a fixed one: a restarted service opens what the last one sealed). */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

/** The keys (keystore beside `databaseUrl`, the test master key) for tests that build repositories themselves. */
export async function openTestKeys(databaseUrl: string, env: Record<string, string> = {}): Promise<Keys> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, VISAGE_MASTER_KEY: TEST_MASTER_KEY, ...env });
  return openKeys(config, { url: databaseUrl, embedded: false }, pino({ level: 'silent' }));
}

/** The admin key the test services are started with. */
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const ADMIN_AUTH = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

export interface TestVisageOptions extends Omit<VisageOptions, 'logger'> {
  /** Collects the service's log lines (info and up) here; silent otherwise. */
  logLines?: string[];
}

/** Starts the whole service, as `npm start` would, on a test database and data folder. */
export async function startTestVisage(env: Record<string, string>, options: TestVisageOptions = {}): Promise<Visage> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', VISAGE_ADMIN_KEY: TEST_ADMIN_KEY, VISAGE_MASTER_KEY: TEST_MASTER_KEY, API_CONTRACT_CHECKS: 'true', WEBHOOK_ALLOW_PRIVATE: 'true', ...env });
  const { logLines, ...visageOptions } = options;
  const logger = logLines ? pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }) : pino({ level: 'silent' });
  return startVisage(config, { ...visageOptions, logger });
}

/** A service of its own for one test file: a fresh database, a fresh data folder, a SQL pool to look inside. */
export interface IsolatedVisage {
  /** The running service; `restart()` replaces it. */
  visage: Visage;
  db: TestDatabase;
  dataDir: string;
  sql: pg.Pool;
  /** Stops the service and starts it again on the same database and data folder (settings changed by `env`). */
  restart(env?: Record<string, string>): Promise<Visage>;
  /** Stops everything and removes the database and the data folder. */
  close(): Promise<void>;
}

export async function startIsolatedVisage(env: Record<string, string> = {}, options: TestVisageOptions = {}): Promise<IsolatedVisage> {
  const db = await createTestDatabase();
  const dataDir = await makeDataDir();
  const start = (changed: Record<string, string> = {}) => startTestVisage({ DATABASE_URL: db.url, VISAGE_DATA_DIR: dataDir, ...env, ...changed }, options);
  const service: IsolatedVisage = {
    visage: await start(),
    db,
    dataDir,
    sql: new pg.Pool({ connectionString: db.url, max: 2 }),
    async restart(changed) {
      await service.visage.close();
      service.visage = await start(changed);
      return service.visage;
    },
    async close() {
      await service.sql.end();
      await service.visage.close();
      await db.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
  return service;
}

/**
 * One isolated service for a whole test file (or a describe block, called inside it), started (models warm: closing while they load would
 * take the worker down) before its tests and removed after them, with an admin API client.
 * Register further `beforeAll` set-up after calling it: it runs once the service is up.
 */
export function isolatedVisagePerFile(env: Record<string, string> = {}): { readonly service: IsolatedVisage; api: ReturnType<typeof apiClient> } {
  let service: IsolatedVisage | undefined;
  beforeAll(async () => {
    service = await startIsolatedVisage(env);
    await service.visage.modelsReady;
  });
  afterAll(async () => {
    await service?.close();
  });
  const current = () => {
    if (!service) throw new Error('the file\'s service is not started yet (use it inside tests or a later beforeAll)');
    return service;
  };
  return {
    get service() {
      return current();
    },
    api: apiClient(() => current().visage.url, ADMIN_AUTH),
  };
}
