/**
 * Webhook delivery against the service running as two replica processes on one (embedded)
 * PostgreSQL, with a real receiver on loopback that verifies every signature:
 * - steady: --events purchases at --rate a second (each commits a purchase.recorded event);
 * - burst: --events purchases from 16 concurrent clients, as fast as the service takes them;
 * - chaos: --events purchases at half the rate while the receiver answers 503 for 5 s and then
 *   replica A is killed with SIGKILL and restarted; every accepted purchase must be delivered;
 * - drain: --events purchases queued behind a paused subscription, then resumed: how fast one
 *   subscription's backlog goes out (its deliveries are sequential, to keep them in order).
 * Latency is from the event's row in the outbox (written just before its transaction commits) to
 * its arrival at the receiver (both on this machine's clock): commit-to-delivery, a little over.
 *
 *   npm run bench:webhooks [-- --events 1000 --rate 100] [--json]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../service/db/embeddedPostgres.js';
import { freePort } from '../service/testSupport/freePort.js';
import { startReplica, type ReplicaProcess } from '../service/testSupport/replicaProcess.js';
import { TEST_ADMIN_KEY } from '../service/testSupport/testVisage.js';
import { WebhookReceiver } from '../service/testSupport/webhookReceiver.js';
import { benchCommand } from './benchCommand.js';

const opts = benchCommand()
  .option('--events <n>', 'events per phase', '1000')
  .option('--rate <n>', 'events a second in the steady phase (chaos: half)', '100')
  .parse()
  .opts<{ events: string; rate: string; json?: boolean }>();
const events = Number(opts.events);
const rate = Number(opts.rate);
const logger = pino({ level: 'warn' });

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-webhook-bench-'));
await fs.chmod(dataDir, 0o755);
const database = await startEmbeddedPostgres(path.join(dataDir, 'pg'), await freePort(), logger);
const replicaEnv = (name: string) => ({ DATABASE_URL: database.connectionString, VISAGE_DATA_DIR: path.join(dataDir, name), RATE_LIMIT_PER_MINUTE: '1000000', INFERENCE_THREADS: '1' });
const replicas: Record<'a' | 'b', ReplicaProcess | undefined> = { a: undefined, b: undefined };
[replicas.a, replicas.b] = await Promise.all([startReplica(replicaEnv('a'), 300_000), startReplica(replicaEnv('b'), 300_000)]);
const sql = new pg.Pool({ connectionString: database.connectionString, max: 2 });

const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
async function post(replica: ReplicaProcess, url: string, body: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${replica.url}${url}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** The replicas up now, in turn (a killed one is skipped until it is back). */
let turn = 0;
function nextReplica(): ReplicaProcess {
  const up = [replicas.a, replicas.b].filter((r): r is ReplicaProcess => r !== undefined);
  return up[turn++ % up.length]!;
}

const memberIds: string[] = [];
for (let n = 0; n < 20; n++) memberIds.push(String((await post(nextReplica(), '/v1/members', { name: `Shopper ${n}`, consent: { faceRecognition: true, source: 'bench' } })).json.id));

const receiver = await WebhookReceiver.start();
const subscribed = await post(replicas.a, '/v1/webhooks', { url: receiver.url, events: ['purchase.recorded'], description: 'bench' });
receiver.secret = String(subscribed.json.secret);

let purchaseNo = 0;
/** One purchase through a replica up now; its transaction id when accepted (201). */
async function purchase(): Promise<string | undefined> {
  const transactionId = `bench-${++purchaseNo}`;
  const memberId = memberIds[purchaseNo % memberIds.length]!;
  const body = { transactionId, amount: 10 + (purchaseNo % 90), currency: 'CNY', items: [{ sku: 'SKU', category: 'food', quantity: 1, price: 10 + (purchaseNo % 90) }] };
  try {
    return (await post(nextReplica(), `/v1/members/${memberId}/purchases`, body)).status === 201 ? transactionId : undefined;
  } catch {
    return undefined; // the replica died under the request: not accepted, so not owed
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function atRate(count: number, perSecond: number, during?: (elapsedMs: number) => Promise<void>): Promise<string[]> {
  const started = performance.now();
  const pending: Promise<string | undefined>[] = [];
  for (let n = 0; n < count; n++) {
    const due = started + (n * 1000) / perSecond;
    if (due > performance.now()) await sleep(due - performance.now());
    await during?.(performance.now() - started);
    pending.push(purchase());
  }
  return (await Promise.all(pending)).filter((id): id is string => id !== undefined);
}

async function concurrently(count: number, clients: number): Promise<string[]> {
  const accepted: string[] = [];
  let left = count;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (left-- > 0) {
        const id = await purchase();
        if (id) accepted.push(id);
      }
    }),
  );
  return accepted;
}

interface Phase {
  phase: string;
  accepted: number;
  delivered: number;
  missing: number;
  duplicates: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  invalidSignatures: number;
}

const quantile = (sorted: number[], q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);

/** Waits for every accepted purchase to arrive (or the deadline), then measures the phase. */
async function measure(phase: string, accepted: string[], deadlineMs: number): Promise<Phase> {
  const wanted = new Set(accepted);
  const arrived = () => receiver.of('purchase.recorded').filter((r) => wanted.has(String(r.event.data.transactionId)));
  const until = Date.now() + deadlineMs;
  while (arrived().length < wanted.size && Date.now() < until) await sleep(100);
  const got = arrived();
  const { rows } = await sql.query<{ id: string; created_ms: number }>('SELECT id, extract(epoch FROM created_at) * 1000 AS created_ms FROM outbox_events WHERE id = ANY($1)', [
    got.map((r) => r.event.id),
  ]);
  const createdAt = new Map(rows.map((row) => [row.id, Number(row.created_ms)]));
  const latencies = got.map((r) => r.at - createdAt.get(r.event.id)!).sort((a, b) => a - b);
  const ids = new Set(got.map((r) => r.webhookId));
  const requests = receiver.received.filter((r) => ids.has(r.webhookId));
  return {
    phase,
    accepted: wanted.size,
    delivered: got.length,
    missing: wanted.size - got.length,
    duplicates: requests.filter((r) => r.status < 300).length - got.length,
    p50Ms: quantile(latencies, 0.5),
    p95Ms: quantile(latencies, 0.95),
    p99Ms: quantile(latencies, 0.99),
    maxMs: Math.round(latencies.at(-1) ?? NaN),
    invalidSignatures: requests.filter((r) => !r.verified).length,
  };
}

const phases: Phase[] = [];
process.stdout.write(`steady: ${events} events at ${rate}/s… `);
phases.push(await measure('steady', await atRate(events, rate), 60_000));
console.log('done');

process.stdout.write(`burst: ${events} events from 16 clients… `);
phases.push(await measure('burst', await concurrently(events, 16), 120_000));
console.log('done');

process.stdout.write(`chaos: ${events} events at ${rate / 2}/s, receiver down 5 s, replica A killed and restarted… `);
let outage = false;
let killed = false;
let restarting: Promise<void> | undefined;
const chaosAccepted = await atRate(events, rate / 2, async (elapsedMs) => {
  if (!outage && elapsedMs > 2000) {
    outage = true;
    receiver.reply = () => ({ status: 503 });
    setTimeout(() => (receiver.reply = () => ({ status: 200 })), 5000);
  }
  if (!killed && elapsedMs > 9000) {
    killed = true;
    const victim = replicas.a!;
    replicas.a = undefined;
    await victim.kill9();
    restarting = startReplica(replicaEnv('a'), 300_000).then((back) => {
      replicas.a = back;
    });
  }
});
await restarting;
// Retries after the outage wait up to WEBHOOK_RETRY_* (5 s, doubling): give them a few minutes.
phases.push(await measure('chaos', chaosAccepted, 300_000));
console.log('done');

process.stdout.write(`drain: ${events} events queued behind a paused subscription, then resumed… `);
const patch = (body: object) => fetch(`${replicas.b!.url}/v1/webhooks/${String(subscribed.json.id)}`, { method: 'PATCH', headers: auth, body: JSON.stringify(body) });
await patch({ paused: true });
const queued = await concurrently(events, 16);
const resumedAt = Date.now();
await patch({ paused: false });
const drain = await measure('drain', queued, 120_000);
const lastArrival = Math.max(...receiver.of('purchase.recorded').filter((r) => queued.includes(String(r.event.data.transactionId))).map((r) => r.at));
const drainPerSecond = Math.round(drain.delivered / ((lastArrival - resumedAt) / 1000));
console.log(`done: ${drainPerSecond} deliveries/s`);

await Promise.all([replicas.a?.stop(), replicas.b?.stop()]);
await receiver.close();
await sql.end();
await database.stop();
await fs.rm(dataDir, { recursive: true, force: true });

console.log(`\n2 replicas (WEBHOOK_WORKERS=4 each), 1 subscription, ${os.availableParallelism()} cores shared by the replicas, PostgreSQL, the receiver and the load\n`);
console.log('phase     accepted  delivered  missing  duplicates  p50 ms  p95 ms  p99 ms  max ms  bad signatures');
for (const p of phases) {
  console.log(
    `${p.phase.padEnd(10)}${String(p.accepted).padEnd(10)}${String(p.delivered).padEnd(11)}${String(p.missing).padEnd(9)}${String(p.duplicates).padEnd(12)}${String(p.p50Ms).padEnd(8)}${String(p.p95Ms).padEnd(8)}${String(p.p99Ms).padEnd(8)}${String(p.maxMs).padEnd(8)}${p.invalidSignatures}`,
  );
}
console.log(`\ndrain: a paused subscription's ${drain.delivered} queued events went out at ${drainPerSecond}/s once resumed (missing ${drain.missing}, duplicates ${drain.duplicates})`);
if (opts.json) console.log(JSON.stringify({ events, rate, cores: os.availableParallelism(), phases, drain: { ...drain, perSecond: drainPerSecond } }));
