import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startVisage } from '../service/app/startVisage.js';
import { loadConfig } from '../service/config.js';

export interface BenchFace {
  box?: { x: number; y: number; width: number; height: number };
  match: { memberId: string; via?: string; similarity?: number } | null;
  unknownReason?: string;
}

/**
 * LFW's labelled person is the face nearest the photo's centre (LFW's photos are centred on them);
 * a probe's other faces are people beside them. The 250×250 photos' centre is (125, 125).
 */
export function labelledFace(faces: BenchFace[] | undefined, centre = { x: 125, y: 125 }): BenchFace | undefined {
  const off = (f: BenchFace) => (f.box ? Math.hypot(f.box.x + f.box.width / 2 - centre.x, f.box.y + f.box.height / 2 - centre.y) : 0);
  return faces?.reduce<BenchFace | undefined>((best, f) => (!best || off(f) < off(best) ? f : best), undefined);
}

/** The parts of the answers the accuracy benchmarks read. */
export interface Answer {
  id?: string;
  key?: string;
  error?: { code: string; message?: string };
  faces?: BenchFace[];
  adaptive?: unknown[];
  malls?: { partitions: { name: string; templates: number; threshold: number | null; expectedFpir: number | null }[] }[];
}

/**
 * The service on its embedded defaults in a fresh data folder, for benchmarks that measure through
 * the HTTP API; `env` overrides settings. `call` sends one request with a key.
 */
export async function startBenchService(env: Record<string, string> = {}) {
  const admin = randomBytes(24).toString('base64url');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-bench-'));
  await fs.chmod(dataDir, 0o755);
  const visage = await startVisage(
    loadConfig({
      ...process.env,
      VISAGE_ADMIN_KEY: admin,
      RATE_LIMIT_PER_MINUTE: '1000000',
      PORT: '0',
      VISAGE_DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: process.env.EMBEDDED_PG_PORT ?? '54341',
      LOG_LEVEL: 'warn',
      ...env,
    }),
    { logger: pino({ level: 'warn' }) },
  );
  await visage.modelsReady;
  const call = async (method: string, url: string, key: string, body?: Buffer | string, contentType = 'application/json') => {
    const res = await fetch(`${visage.url}${url}`, { method, body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body), headers: { authorization: `Bearer ${key}`, 'content-type': contentType } });
    return { status: res.status, json: (await res.json()) as Answer };
  };
  return {
    admin,
    call,
    url: visage.url,
    /** The service's PostgreSQL, for benchmarks that seed it directly. */
    databaseUrl: visage.databaseUrl,
    /** A new key of a role (a till: `pos`). */
    keyOf: async (role: string, name: string) => (await call('POST', '/v1/keys', admin, JSON.stringify({ role, name }))).json.key!,
    close: async () => {
      await visage.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `work` over `items` two at a time (one per worker core). */
export async function each<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
