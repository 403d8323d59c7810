import pg from 'pg';

export type Pool = pg.Pool;
export type Queryable = pg.Pool | pg.PoolClient;

export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A query stuck behind a dead server must not hold a request for ever.
    query_timeout: 15_000,
  });
  // pg emits 'error' on a checked-out client whose connection drops (PostgreSQL stopped in the middle
  // of a transaction), and the pool listens only while the client is idle: unheard, that event is an
  // uncaught exception that takes the whole service down. The holder learns of it anyway (its next
  // query fails as "database unavailable"), and the pool drops the broken client when it comes back.
  pool.on('connect', (client) => client.on('error', ignoreConnectionError));
  return pool;
}

/**
 * The same listener on a connection of its own (migrations, the keystore's creation at start): a
 * drop between its statements fails the next one, and start-up fails with that error instead of
 * an uncaught exception. Connected; the caller ends it.
 */
export async function connectClient(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 });
  client.on('error', ignoreConnectionError);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/** The holder of a dropped connection hears of it from its next query; the event itself is dropped. */
const ignoreConnectionError = (): void => undefined;

/** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** SQLSTATE classes that mean "the database is not there", not "the query is wrong". */
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

/** Whether a driver error means the database is unreachable (→ 503), not that the query was wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const err = error as { code?: string; message?: string };
  return (
    (err.code !== undefined && CONNECTION_ERROR_CODES.has(err.code)) ||
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|is not queryable/i.test(err.message ?? '')
  );
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
