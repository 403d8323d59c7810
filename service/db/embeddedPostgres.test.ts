import fs from 'node:fs/promises';
import net from 'node:net';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../testSupport/freePort.js';
import { makeDataDir } from '../testSupport/testVisage.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embeddedPostgres.js';

/** Two services on one machine: the second finds the embedded database's port taken. */

const logger = pino({ level: 'silent' });
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

describe('embedded PostgreSQL', () => {
  it('listens on another port when EMBEDDED_PG_PORT is taken, and says plainly why a second one on the same data cannot start', async () => {
    const port = await freePort();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen({ port, host: '127.0.0.1' }, resolve));
    cleanup.push(() => new Promise((resolve) => squatter.close(resolve)));
    const dataDir = await makeDataDir();
    await fs.chmod(dataDir, 0o755); // run as root, PostgreSQL runs as 'postgres' and must enter it
    cleanup.push(() => fs.rm(dataDir, { recursive: true, force: true }));

    const database: EmbeddedDatabase = await startEmbeddedPostgres(dataDir, port, logger);
    cleanup.push(() => database.stop());
    const url = new URL(database.connectionString);
    expect(Number(url.port)).not.toBe(port);
    const client = new pg.Client({ connectionString: database.connectionString });
    await client.connect();
    expect((await client.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await client.end();

    // The same data folder twice: refused with a message that names the folder, never `undefined`.
    const second = await startEmbeddedPostgres(dataDir, await freePort(), logger).then(
      (db) => {
        cleanup.push(() => db.stop());
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(second).toBeInstanceOf(Error);
    expect((second as Error).message).toContain(dataDir);
    expect((second as Error).message).toContain('another Visage is using this VISAGE_DATA_DIR');
  }, 120_000);
});
