import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testSupport/testVisage.js';
import { connectClient, createPool, isDatabaseUnavailable, withTransaction } from './pool.js';

/**
 * A connection the server drops while the service holds it (PostgreSQL stopped or restarted in the
 * middle of a transaction) must fail that transaction, not the process: pg emits 'error' on a
 * checked-out client, and an 'error' event nobody listens to is an uncaught exception.
 */

let db: TestDatabase;
let pool: pg.Pool;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await pool?.end();
  await db?.drop();
});

/** Ends the server side of `client`'s connection, as a server shutting down does (FATAL 57P01). */
async function dropConnection(client: pg.PoolClient | pg.Client): Promise<void> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  // Waits for the client to see it, at most 5 s (unheard, the drop kills the client before it says 'end').
  const ended = new Promise<void>((resolve) => {
    client.once('end', () => resolve());
    setTimeout(resolve, 5_000);
  });
  await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
  await ended;
}

describe('a pooled connection dropped by the server', () => {
  it('fails the transaction holding it as "database unavailable", and the pool goes on with a new one', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const failure = await withTransaction(pool, async (client) => {
        await dropConnection(client); // between two statements: no query is there to take the error
        await client.query('SELECT 1');
      }).catch((error: unknown) => error);
      expect(isDatabaseUnavailable(failure)).toBe(true);
      // Give any late 'error' emission its turn before looking.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    // The dropped connection was not put back: both of the pool's two connections answer.
    const answers = await Promise.all([1, 2].map((n) => withTransaction(pool, async (client) => (await client.query<{ n: number }>('SELECT $1::int AS n', [n])).rows[0]!.n)));
    expect(answers).toEqual([1, 2]);
  });
});

describe("a start-up connection of its own (migrations, the keystore's creation) dropped by the server", () => {
  it('fails its next statement, not the process', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    const client = await connectClient(db.url);
    try {
      await dropConnection(client);
      const failure = await client.query('SELECT 1').catch((error: unknown) => error);
      expect(isDatabaseUnavailable(failure)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await client.end().catch(() => undefined);
    }
  });

  it('says why it could not connect, and leaves nothing open', async () => {
    const url = new URL(db.url);
    url.pathname = '/visage_no_such_database';
    await expect(connectClient(url.toString())).rejects.toMatchObject({ code: '3D000' });
  });
});
