/**
 * Enroll and identify latency over HTTP against the whole service (embedded PostgreSQL unless
 * DATABASE_URL is set, filesystem blobs, real models), for a single-face 250×250 photo and for
 * 1920-pixel photos. Requests are sent one at a time; p50/p90/max over --requests of each. Last,
 * a till's identify of one descriptor with and without the offers (coupons, campaigns) it carries,
 * over ten times as many requests, alternating.
 *
 *   npm run bench:latency [-- --requests 20] [--json]
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { loadConfig } from '../service/config.js';
import { startVisage } from '../service/app/startVisage.js';
import { composeFrame, cropFace, demoPhoto, PERSON_A, STRANGERS } from '../service/testSupport/facePhotos.js';
import { benchCommand } from './benchCommand.js';

const opts = benchCommand()
  .option('--requests <n>', 'requests per case', '20')
  .parse()
  .opts<{ requests: string; json?: boolean }>();
const requests = Number(opts.requests);

const BENCH_KEY = randomBytes(24).toString('base64url');
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-bench-'));
await fs.chmod(dataDir, 0o755);
const visage = await startVisage(
  loadConfig({ ...process.env, VISAGE_ADMIN_KEY: BENCH_KEY, RATE_LIMIT_PER_MINUTE: '1000000', PORT: '0', VISAGE_DATA_DIR: dataDir, EMBEDDED_PG_PORT: process.env.EMBEDDED_PG_PORT ?? '54339', LOG_LEVEL: 'warn' }),
  { logger: pino({ level: 'warn' }) },
);
await visage.modelsReady;

const single250 = await sharp(await cropFace(PERSON_A, { width: 400 })).resize(250, 250, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();
const single1920 = await sharp(await cropFace(STRANGERS[0]!, { margin: 1.2, width: 1920 })).jpeg({ quality: 90 }).toBuffer();
const group1920 = await fs.readFile(demoPhoto(1));
// An entrance-camera frame: four people at different distances on a 1920×1080 frame.
const frame4 = await composeFrame(
  [
    { face: PERSON_A, width: 360, left: 80, top: 200 },
    { face: STRANGERS[0]!, width: 300, left: 560, top: 260 },
    { face: STRANGERS[1]!, width: 260, left: 1000, top: 300 },
    { face: STRANGERS[2]!, width: 220, left: 1440, top: 340 },
  ],
  { width: 1920, height: 1080 },
);

async function post(url: string, body: Buffer | string, contentType: string, key = BENCH_KEY) {
  const started = performance.now();
  const res = await fetch(`${visage.url}${url}`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': contentType, authorization: `Bearer ${key}` } });
  const json = (await res.json()) as { id?: string; faces?: unknown[] };
  return { ms: performance.now() - started, status: res.status, json };
}

const member = async () => (await post('/v1/members', JSON.stringify({ consent: { faceRecognition: true, source: 'bench' } }), 'application/json')).json.id!;

function summary(name: string, samples: { ms: number; status: number }[], faces: number) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const at = (q: number) => Number(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!.toFixed(1));
  return { name, faces, requests: ms.length, statuses: [...new Set(samples.map((s) => s.status))].join(','), p50Ms: at(0.5), p90Ms: at(0.9), maxMs: at(1) };
}

async function run(name: string, send: () => Promise<{ ms: number; status: number; json: { faces?: unknown[] } }>) {
  await send(); // warm-up
  const samples = [];
  for (let i = 0; i < requests; i++) samples.push(await send());
  return summary(name, samples, samples[0]!.json.faces?.length ?? 1);
}

// Enrollment: each request enrolls another template of one member. The same bytes twice would be
// answered from the first enrollment (idempotent), so each request gets a photo of its own: the
// JPEG with one more (ignored) byte of padding after its end marker.
let variants = 0;
const variant = (photo: Buffer): Buffer => Buffer.concat([photo, Buffer.alloc(++variants, 0)]);
const enrollee250 = await member();
const enrollee1920 = await member();
// A till's key: its faces are named by recognitions (a row written per face). Liveness off, as the
// operator's POS case above, so the two differ by the recognition alone.
const tillKey = (await post('/v1/keys', JSON.stringify({ role: 'pos', name: 'bench till' }), 'application/json')).json as { key?: string };
const results = [
  await run('enroll 250×250, 1 face', () => post(`/v1/members/${enrollee250}/faces`, variant(single250), 'image/jpeg')),
  await run('enroll 1920 px, 1 face', () => post(`/v1/members/${enrollee1920}/faces`, variant(single1920), 'image/jpeg')),
  await run('identify 250×250, 1 face', () => post('/v1/identify', single250, 'image/jpeg')),
  await run('identify 1920 px, 1 face', () => post('/v1/identify', single1920, 'image/jpeg')),
  await run('identify 1920 px group, 3 faces', () => post('/v1/identify', group1920, 'image/jpeg')),
  // POS: the payer (enrolled above) with the profile a cashier sees.
  await run('POS identify 250×250, maxFaces=1', () => post('/v1/identify?maxFaces=1', single250, 'image/jpeg')),
  await run('till identify, recognitionId', () => post('/v1/identify?maxFaces=1&liveness=off', single250, 'image/jpeg', tillKey.key)),
  await run('camera frame 1920×1080, 4 faces', () => post('/v1/cameras/entrance-1/frames', frame4, 'image/jpeg')),
];

// Offers at recognition: the payer holds three coupons and five campaigns are running; the same
// till identifies the same descriptor with and without offers, alternately (the model's work left
// out, so the difference is the offers' reads alone).
const json = (body: unknown) => JSON.stringify(body);
for (let n = 0; n < 3; n++) {
  await post('/v1/campaigns', json({ name: `coupon ${n}`, trigger: 'purchase', limits: { perMember: { count: 1, period: 'campaign' } }, effect: { coupon: { title: `${5 + n} off`, kind: 'amount_off', value: 5 + n, validDays: 30 } } }), 'application/json');
}
for (let n = 0; n < 2; n++) await post('/v1/campaigns', json({ name: `bonus ${n}`, trigger: 'purchase', conditions: { minAmount: 100 * (n + 1) }, effect: { bonusPoints: 10 } }), 'application/json');
await post(`/v1/members/${enrollee250}/purchases`, json({ transactionId: 'bench:1', amount: 50, currency: 'CNY', items: [{ sku: 'x', category: 'tea', quantity: 1, price: 50 }] }), 'application/json', tillKey.key);
const descriptorRes = await fetch(`${visage.url}/v1/members/${enrollee250}/faces/descriptors`, { headers: { authorization: `Bearer ${BENCH_KEY}` } });
const payer = json({ descriptor: ((await descriptorRes.json()) as { faces: { descriptor: number[] }[] }).faces[0]!.descriptor });
const withOffers: { ms: number; status: number }[] = [];
const withoutOffers: { ms: number; status: number }[] = [];
let offersSeen = 0;
for (let i = 0; i < requests * 10 + 1; i++) {
  const on = await post('/v1/identify?liveness=off', payer, 'application/json', tillKey.key);
  const off = await post('/v1/identify?liveness=off&offers=false', payer, 'application/json', tillKey.key);
  if (i === 0) continue; // warm-up
  offersSeen = (on.json.faces?.[0] as { offers?: { coupons: unknown[] } })?.offers?.coupons.length ?? 0;
  withOffers.push(on);
  withoutOffers.push(off);
}
results.push(summary('till identify descriptor, no offers', withoutOffers, 1), summary(`… with offers, ${offersSeen} coupons`, withOffers, 1));
const backend = visage.pipeline.modelInfo!.backend;
await visage.close();
await fs.rm(dataDir, { recursive: true, force: true });

console.log(`\nbackend ${backend}, ${os.availableParallelism()} cores, ${requests} sequential requests per case\n`);
console.log('case                                status  p50 ms   p90 ms   max ms');
for (const r of results) {
  console.log(`${r.name.padEnd(36)}${r.statuses.padEnd(8)}${String(r.p50Ms).padEnd(9)}${String(r.p90Ms).padEnd(9)}${r.maxMs}`);
}
if (opts.json) console.log(JSON.stringify({ backend, cores: os.availableParallelism(), results }));
