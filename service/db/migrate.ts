import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';
import { connectClient } from './pool.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MIGRATIONS_DIR = path.join(HERE, 'migrations');
const KEYSTORE_MIGRATIONS_DIR = path.join(HERE, 'keystore-migrations');

/**
 * Applies pending schema migrations (SQL files in ./migrations). node-pg-migrate holds a
 * PostgreSQL advisory lock while it runs (others wait for it), so replicas starting together apply each
 * one once.
 */
export async function migrate(databaseUrl: string, logger: Logger): Promise<void> {
  await renameMigrations(databaseUrl);
  await runMigrations(databaseUrl, MIGRATIONS_DIR, 'schema_migrations', logger);
}

/** The keystore's schema (its own database: KEYSTORE_DATABASE_URL), the same way. */
export async function migrateKeystore(keystoreUrl: string, logger: Logger): Promise<void> {
  await runMigrations(keystoreUrl, KEYSTORE_MIGRATIONS_DIR, 'keystore_migrations', logger);
}

async function runMigrations(databaseUrl: string, dir: string, migrationsTable: string, logger: Logger): Promise<void> {
  // Our own connection, not node-pg-migrate's: it carries the pool's error listener (connectClient).
  const dbClient = await connectClient(databaseUrl);
  const applied = await runner({
    dbClient,
    dir,
    direction: 'up',
    migrationsTable,
    checkOrder: true,
    // Replicas starting together: the others wait for the first to finish, then find nothing to do.
    advisoryLockMode: 'wait',
    log: (message) => logger.debug({ migration: message }, 'migration'),
  }).finally(() => dbClient.end().catch(() => undefined));
  logger.info({ applied: applied.map((m) => m.name), migrationsTable }, 'database schema is up to date');
}

/**
 * Migrations renamed after they shipped, old name → new: a database that applied one under its old
 * name records the new one, so it is not applied twice. (Two migrations had shared a timestamp.)
 */
const RENAMED: Record<string, string> = { '1764400000000_photo_digest': '1764400000001_photo_digest' };

async function renameMigrations(databaseUrl: string): Promise<void> {
  const client = await connectClient(databaseUrl);
  try {
    const { rows } = await client.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
    if (!rows[0]!.present) return;
    for (const [from, to] of Object.entries(RENAMED)) await client.query('UPDATE schema_migrations SET name = $2 WHERE name = $1', [from, to]);
  } finally {
    await client.end();
  }
}
