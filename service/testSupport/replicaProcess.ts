import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './freePort.js';
import { TEST_ADMIN_KEY, TEST_MASTER_KEY } from './testVisage.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The service as a separate operating-system process, as a replica runs in production. */
export interface ReplicaProcess {
  url: string;
  pid: number;
  /** Its stdout and stderr so far (pino JSON lines). */
  output(): string;
  /** SIGKILL: no shutdown code runs. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

async function waitForReady(url: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`replica exited with ${child.exitCode}:\n${output()}`);
    const ready = await fetch(`${url}/readyz`).then((res) => res.ok, () => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`replica not ready after ${timeoutMs} ms:\n${output()}`);
}

export async function startReplica(env: Record<string, string>, timeoutMs = 90_000): Promise<ReplicaProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'service/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      VISAGE_ADMIN_KEY: TEST_ADMIN_KEY,
      VISAGE_MASTER_KEY: TEST_MASTER_KEY,
      // The tests' receivers listen on loopback.
      WEBHOOK_ALLOW_PRIVATE: 'true',
      INFERENCE_THREADS: '1',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForReady(url, child, timeoutMs, () => log);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    pid: child.pid!,
    output: () => log,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
