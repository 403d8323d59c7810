import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../db/embeddedPostgres.js';
import { freePort } from './freePort.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test PostgreSQL server (its `visage` database). */
    postgresUrl: string;
  }
}

/** One real embedded PostgreSQL for the whole run; each test file makes its own database in it. */
export default async function setup(project: TestProject) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-test-pg-'));
  await fs.chmod(dataDir, 0o755); // run as root, PostgreSQL runs as the `postgres` user
  const database = await startEmbeddedPostgres(dataDir, await freePort(), pino({ level: 'warn' }));
  project.provide('postgresUrl', database.connectionString);
  return async () => {
    await database.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
}
