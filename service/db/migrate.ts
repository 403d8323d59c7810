import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Applies pending schema migrations (SQL files in ./migrations). node-pg-migrate holds a
 * PostgreSQL advisory lock while it runs (others wait for it), so replicas starting together apply each
 * one once.
 */
export async function migrate(databaseUrl: string, logger: Logger): Promise<void> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    checkOrder: true,
    // Replicas starting together: the others wait for the first to finish, then find nothing to do.
    advisoryLockMode: 'wait',
    log: (message) => logger.debug({ migration: message }, 'migration'),
  });
  logger.info({ applied: applied.map((m) => m.name) }, 'database schema is up to date');
}
