/**
 * Camera streams on this machine, against the whole service (embedded PostgreSQL, real models,
 * Debian's ffmpeg pulling MJPEG cameras served on loopback):
 * - the sizing: for 2, 4, 6, 8 … cameras at 4 frames a second with 1–3 faces a frame, the share of
 *   frames dropped and the till's identify p99 during that load, against its idle p99 (same run);
 * - `--soak-seconds N`: cameras + a till + enrollments and purchases for N seconds: RSS growth, 5xx
 *   other than shed 503s, and every accepted write found in PostgreSQL at the end.
 *
 *   npm run bench:cameras [-- --cameras 2,4,6,8,10 --seconds 20 --soak-seconds 600] [--json]
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { startVisage } from '../service/app/startVisage.js';
import { loadConfig } from '../service/config.js';
import { composeFrame, cropFace, PERSON_A, PERSON_B, STRANGERS, type DemoFace } from '../service/testSupport/facePhotos.js';
import { MjpegSource } from '../service/testSupport/mjpegSource.js';
import { benchCommand } from './benchCommand.js';
import { DEFAULT_LFW_DIR } from './lfw.js';

const opts = benchCommand()
  .option('--cameras <list>', 'camera counts to try', '2,4,6,8,10')
  .option('--seconds <n>', 'measured seconds per camera count', '20')
  .option('--soak-seconds <n>', 'then a mixed soak this long (0: none)', '0')
  .option('--soak-cameras <n>', 'cameras during the soak (default: the largest count that kept drops ≤ 5%)')
  .option('--lfw <folder>', 'enrollment photos for the soak: one person per folder (LFW View 1); without it, the demo faces', DEFAULT_LFW_DIR)
  .parse()
  .opts<{ cameras: string; seconds: string; soakSeconds: string; soakCameras?: string; lfw: string; json?: boolean }>();
const seconds = Number(opts.seconds);

const KEY = randomBytes(24).toString('base64url');
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-bench-'));
await fs.chmod(dataDir, 0o755);
const config = loadConfig({ ...process.env, VISAGE_ADMIN_KEY: KEY, RATE_LIMIT_PER_MINUTE: '1000000', PORT: '0', VISAGE_DATA_DIR: dataDir, EMBEDDED_PG_PORT: process.env.EMBEDDED_PG_PORT ?? '54349', LOG_LEVEL: 'warn', LIVENESS_DEFAULT_POS: 'off' });
const visage = await startVisage(config, { logger: pino({ level: 'warn' }) });
await visage.modelsReady;

async function call(method: string, url: string, body?: Buffer | object) {
  const started = performance.now();
  const res = await fetch(`${visage.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body ? { 'content-type': Buffer.isBuffer(body) ? 'image/jpeg' : 'application/json' } : {}) },
    body: body ? (Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body)) : undefined,
  });
  const text = await res.text();
  return { ms: performance.now() - started, status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const p99 = (ms: number[]) => Number([...ms].sort((a, b) => a - b)[Math.min(ms.length - 1, Math.floor(0.99 * ms.length))]!.toFixed(1));

// Members the till and the cameras will see.
const memberIds: string[] = [];
for (const face of [PERSON_A, PERSON_B]) {
  const created = await call('POST', '/v1/members', { consent: { faceRecognition: true, source: 'bench' } });
  memberIds.push(String(created.json.id));
  await call('POST', `/v1/members/${String(created.json.id)}/faces`, await cropFace(face));
}
const tillPhoto = await cropFace(PERSON_B, { width: 300 });

/** The till asking "who is paying?" one request after another for `ms`: the latencies. */
async function till(ms: number): Promise<number[]> {
  const latencies: number[] = [];
  for (const until = Date.now() + ms; Date.now() < until; ) latencies.push((await call('POST', '/v1/identify?maxFaces=1', tillPhoto)).ms);
  return latencies;
}

/** A camera's loop: people walking past, 1 to 3 faces a frame. */
const crowd: DemoFace[] = [PERSON_A, STRANGERS[0]!, STRANGERS[1]!, PERSON_B, STRANGERS[2]!];
async function cameraFrames(n: number): Promise<Buffer[]> {
  return Promise.all(
    [0, 1, 2, 3].map((step) =>
      composeFrame(
        Array.from({ length: 1 + ((n + step) % 3) }, (_, k) => ({ face: crowd[(n + k) % crowd.length]!, width: 200 + step * 15, left: 60 + k * 420 + step * 30, top: 160 })),
      ),
    ),
  );
}

const sources: MjpegSource[] = [];
async function addCameras(total: number): Promise<void> {
  while (sources.length < total) {
    const n = sources.length;
    const source = new MjpegSource(8);
    await source.start();
    source.play(await cameraFrames(n));
    sources.push(source);
    await call('POST', '/v1/cameras', { id: `bench-${n}`, name: `Bench ${n}`, url: source.url(), sampleFps: 4 });
  }
}

type Stream = { framesIn: number; analysed: number; dropped: number; state: string };
const streams = async () => ((await call('GET', '/v1/cameras')).json.cameras as { id: string; stream: Stream }[]).map((c) => c.stream);
const totals = (all: Stream[]) => all.reduce((sum, s) => ({ framesIn: sum.framesIn + s.framesIn, analysed: sum.analysed + s.analysed, dropped: sum.dropped + s.dropped }), { framesIn: 0, analysed: 0, dropped: 0 });

const idleP99 = p99(await till(10_000));
console.log(`till identify p99 idle: ${idleP99} ms`);

/** Polls `ready` every 50 ms for up to `ms`; the milliseconds it took, or undefined. */
async function within(ms: number, ready: () => Promise<boolean>): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    if (await ready()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

// A member appearing in front of a streaming camera (4 fps sampled): how long until the visit is
// recorded. Five cameras, one after another, on an idle service.
const appearMs: number[] = [];
const walkIn = await Promise.all([0, 1, 2, 3].map((n) => composeFrame([{ face: PERSON_A, width: 240 + n * 20, left: 120 + n * 90, top: 140 + n * 10 }])));
for (let run = 0; run < 5; run++) {
  const source = new MjpegSource(8);
  await source.start();
  source.play([await composeFrame([])]);
  const id = `appear-${run}`;
  await call('POST', '/v1/cameras', { id, name: id, url: source.url(), sampleFps: 4 });
  await within(15_000, async () => ((await call('GET', `/v1/cameras/${id}`)).json.stream as Stream).analysed >= 2);
  source.play(walkIn);
  const took = await within(10_000, async () => ((await call('GET', `/v1/members/${memberIds[0]}/visits?limit=10`)).json.items as { cameraId: string }[]).some((v) => v.cameraId === id));
  if (took !== undefined) appearMs.push(took);
  await call('DELETE', `/v1/cameras/${id}`);
  await source.kill();
}
const appearance = { runs: 5, recorded: appearMs.length, p50Ms: Number([...appearMs].sort((a, b) => a - b)[Math.floor(appearMs.length / 2)]?.toFixed(0)), maxMs: Number(Math.max(...appearMs).toFixed(0)) };
console.log(`member appearing → visit recorded: ${appearance.recorded} of 5, p50 ${appearance.p50Ms} ms, max ${appearance.maxMs} ms (target ≤ 2,000 ms)`);
const sizing: { cameras: number; framesPerSecond: number; droppedShare: number; tillP99Ms: number; tillP99VsIdle: number }[] = [];
for (const count of opts.cameras.split(',').map(Number)) {
  await addCameras(count);
  await new Promise((resolve) => setTimeout(resolve, 8_000)); // every stream connected and warm
  const before = totals(await streams());
  const tillMs = await till(seconds * 1000);
  const after = totals(await streams());
  const framesIn = after.framesIn - before.framesIn;
  const row = {
    cameras: count,
    framesPerSecond: Number(((after.analysed - before.analysed) / seconds).toFixed(1)),
    droppedShare: Number(((after.dropped - before.dropped) / Math.max(1, framesIn)).toFixed(4)),
    tillP99Ms: p99(tillMs),
    tillP99VsIdle: Number((p99(tillMs) / idleP99).toFixed(2)),
  };
  sizing.push(row);
  console.log(`${count} cameras × 4 fps: ${row.framesPerSecond} frames/s analysed, ${(row.droppedShare * 100).toFixed(1)}% dropped, till p99 ${row.tillP99Ms} ms (${row.tillP99VsIdle}× idle)`);
}

let soak: Record<string, unknown> | undefined;
if (Number(opts.soakSeconds) > 0) {
  const sustained = opts.soakCameras ? Number(opts.soakCameras) : ([...sizing].reverse().find((row) => row.droppedShare <= 0.05)?.cameras ?? 1);
  await addCameras(sustained);
  // A different person for each enrollment (the same face twice is refused as another member's).
  const people = existsSync(opts.lfw) ? (await fs.readdir(opts.lfw, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => path.join(opts.lfw, d.name)) : [];
  const photoFor = async (n: number): Promise<Buffer> => {
    const folder = people[n % Math.max(1, people.length)];
    if (!folder) return Buffer.concat([await cropFace(STRANGERS[n % 3]!, { width: 280 + (n % 7) * 10 }), Buffer.alloc(n)]);
    return fs.readFile(path.join(folder, (await fs.readdir(folder)).sort()[0]!));
  };
  for (const [i, source] of sources.entries()) if (i >= sustained) await call('DELETE', `/v1/cameras/bench-${i}`).then(() => source.kill());
  const streamsBefore = totals(await streams());
  const rssStart = process.memoryUsage().rss;
  // Also from a minute in: pools, caches and the JIT are warm by then.
  let rssWarm = rssStart;
  setTimeout(() => (rssWarm = process.memoryUsage().rss), 60_000).unref();
  const accepted = { members: [] as string[], faces: [] as string[], purchases: [] as string[] };
  const errors: Record<string, number> = {};
  const note = (status: number) => {
    if (status >= 500 && status !== 503) errors[status] = (errors[status] ?? 0) + 1;
  };
  const until = Date.now() + Number(opts.soakSeconds) * 1000;
  const enrollments = (async () => {
    for (let n = 0; Date.now() < until; n++) {
      const created = await call('POST', '/v1/members', { consent: { faceRecognition: true, source: 'soak' } });
      note(created.status);
      if (created.status !== 201) continue;
      const id = String(created.json.id);
      accepted.members.push(id);
      const enrolled = await call('POST', `/v1/members/${id}/faces`, await photoFor(n));
      note(enrolled.status);
      if (enrolled.status === 201) accepted.faces.push(String(enrolled.json.faceId));
      const bought = await call('POST', `/v1/members/${id}/purchases`, { transactionId: `soak-${n}`, amount: 10, currency: config.loyalty.currency, items: [{ sku: 's', category: 'c', quantity: 1, price: 10 }] });
      note(bought.status);
      if (bought.status === 201) accepted.purchases.push(`soak-${n}`);
      // Purge the member again (the right to erasure under load): no trace left, checked below.
      if (n % 2 === 1) {
        note((await call('DELETE', `/v1/members/${id}`)).status);
        accepted.members.pop();
        accepted.faces.splice(accepted.faces.length - (enrolled.status === 201 ? 1 : 0));
        accepted.purchases.splice(accepted.purchases.length - (bought.status === 201 ? 1 : 0));
      }
    }
  })();
  const tills = (async () => {
    while (Date.now() < until) note((await call('POST', '/v1/identify?maxFaces=1', tillPhoto)).status);
  })();
  await Promise.all([enrollments, tills]);
  const rssEnd = process.memoryUsage().rss;
  const streamsAfter = totals(await streams());
  // Every accepted write, looked up in PostgreSQL.
  const sql = new pg.Pool({ connectionString: visage.databaseUrl, max: 1 });
  const count = async (query: string, ids: string[]) => Number((await sql.query<{ n: number }>(query, [ids])).rows[0]!.n);
  soak = {
    seconds: Number(opts.soakSeconds),
    cameras: sustained,
    rssStartMb: Math.round(rssStart / 2 ** 20),
    rssEndMb: Math.round(rssEnd / 2 ** 20),
    rssGrowth: Number(((rssEnd - rssStart) / rssStart).toFixed(3)),
    rssWarmMb: Math.round(rssWarm / 2 ** 20),
    rssGrowthFromWarm: Number(((rssEnd - rssWarm) / rssWarm).toFixed(3)),
    cameraFramesDropped: Number(((streamsAfter.dropped - streamsBefore.dropped) / Math.max(1, streamsAfter.framesIn - streamsBefore.framesIn)).toFixed(4)),
    errors5xxOtherThanShed: errors,
    acceptedWrites: { members: accepted.members.length, faces: accepted.faces.length, purchases: accepted.purchases.length },
    found: {
      members: await count('SELECT count(*)::int AS n FROM members WHERE id = ANY($1)', accepted.members),
      faces: await count('SELECT count(*)::int AS n FROM face_templates WHERE id = ANY($1)', accepted.faces),
      purchases: await count('SELECT count(*)::int AS n FROM purchases WHERE transaction_id = ANY($1)', accepted.purchases),
    },
  };
  await sql.end();
  console.log(`soak ${opts.soakSeconds} s with ${sustained} cameras (${(Number(soak.cameraFramesDropped) * 100).toFixed(1)}% frames dropped): RSS ${String(soak.rssStartMb)} → ${String(soak.rssWarmMb)} (1 min) → ${String(soak.rssEndMb)} MB (${(Number(soak.rssGrowth) * 100).toFixed(1)}%, ${(Number(soak.rssGrowthFromWarm) * 100).toFixed(1)}% from 1 min), 5xx other than shed: ${JSON.stringify(errors)}, accepted ${JSON.stringify(soak.acceptedWrites)}, found ${JSON.stringify(soak.found)}`);
}


for (const source of sources) await source.kill();
await visage.close();
await fs.rm(dataDir, { recursive: true, force: true });
const machine = `${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}`;
if (opts.json) console.log(JSON.stringify({ machine, idleTillP99Ms: idleP99, appearance, sizing, soak }));
