import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { startEmbeddedPostgres } from '../db/embeddedPostgres.js';
import { migrate } from '../db/migrate.js';
import { createPool, type Pool } from '../db/pool.js';

export interface Database {
  url: string;
  pool: Pool;
  embedded: boolean;
  close: () => Promise<void>;
}

/** PostgreSQL at DATABASE_URL, or an embedded one under the data folder; migrated, with a pool. */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, logger);
  const url = config.databaseUrl ?? embedded!.connectionString;
  await migrate(url, logger);
  const pool = createPool(url);
  // pg-pool hangs the whole client (its connection, buffers, parameters) on an idle client's error:
  // log what went wrong, not that.
  pool.on('error', (error) => logger.warn({ code: (error as { code?: string }).code, reason: error.message }, 'idle database connection failed'));
  return {
    url,
    pool,
    embedded: Boolean(embedded),
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}
