/**
 * The till's loyalty loop under load, against the service running as its own process on a real
 * (embedded) PostgreSQL: --tills concurrent tills, each looping identify → then one of redeem
 * points (with the recognition), purchase (using a coupon from the offers, with the
 * recognition), refund part of an earlier purchase, or a deliberate second use of a coupon or a
 * recognition already spent — for --seconds. Shoppers are drawn from a small set of regulars so
 * that tills meet the same member at once (the races the ledger must survive).
 *
 * It prints latency per operation, every answer by status and code, the double spends it finds
 * (a coupon used in two purchases, a recognition spent twice) and, at the end, the ledger's
 * invariant over every member: balance = earned − spent − expired − reversed, never negative.
 *
 *   npm run bench:loyalty [-- --tills 50 --seconds 300 --members 2000 --shoppers 200 --think-ms 3000] [--json]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../service/db/embeddedPostgres.js';
import { migrate } from '../service/db/migrate.js';
import { createPool } from '../service/db/pool.js';
import { PointsLedgerRepository } from '../service/repositories/pointsLedgerRepository.js';
import { freePort } from '../service/testSupport/freePort.js';
import { startReplica } from '../service/testSupport/replicaProcess.js';
import { TEST_ADMIN_KEY } from '../service/testSupport/testVisage.js';
import { benchCommand } from './benchCommand.js';
import { seedGallery } from './seedGallery.js';
import { benchModel } from './benchModel.js';
import { DescriptorShape, seededRandom } from './syntheticFaces.js';

const opts = benchCommand()
  .option('--tills <n>', 'concurrent tills', '50')
  .option('--seconds <n>', 'how long they run', '300')
  .option('--members <n>', 'members in the gallery (synthetic templates)', '2000')
  .option('--shoppers <n>', 'members the tills serve (few, so tills meet the same member at once)', '200')
  .option('--think-ms <n>', "a till's mean pause between operations (a real till: a checkout a minute)", '3000')
  .parse()
  .opts<{ tills: string; seconds: string; members: string; shoppers: string; thinkMs: string; json?: boolean }>();
const tills = Number(opts.tills);
const seconds = Number(opts.seconds);
const memberCount = Number(opts.members);
const shopperCount = Math.min(Number(opts.shoppers), memberCount);
const thinkMs = Number(opts.thinkMs);
const logger = pino({ level: 'warn' });

// A gallery of synthetic members (one template each), written to PostgreSQL before the service starts.
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-loyalty-bench-'));
await fs.chmod(dataDir, 0o755);
const database = await startEmbeddedPostgres(path.join(dataDir, 'pg'), await freePort(), logger);
await migrate(database.connectionString, logger);
const pool = createPool(database.connectionString);
const model = benchModel();
const shape = DescriptorShape.of(model.key);
const gallery = shape.gallery(memberCount, 1);
const memberIds = await seedGallery(pool, model, gallery);

// Each shopper's face as tills see it: a few probes near their template, made (and serialised) now,
// so the load generator spends its share of the two cores on requests, not on making them.
const probeRandom = seededRandom(7);
const probes = Array.from({ length: shopperCount }, (_, shopper) =>
  Array.from({ length: 8 }, () => JSON.stringify({ descriptor: Array.from(shape.probeNear(gallery.descriptors[shopper]!, probeRandom)) })),
);

const service = await startReplica(
  { DATABASE_URL: database.connectionString, VISAGE_DATA_DIR: path.join(dataDir, 'service'), RATE_LIMIT_PER_MINUTE: '1000000', FACE_MODEL: model.key, LIVENESS_DEFAULT_POS: 'off' },
  600_000,
);

/** What the bench reads of the answers. */
interface Body {
  error?: { code: string };
  key?: string;
  faces?: {
    match: { memberId: string } | null;
    recognitionId?: string;
    profile?: { pointsBalance: number };
    offers?: { coupons: { id: string; minSpend: number }[] };
  }[];
}

interface Answer {
  status: number;
  body: Body | undefined;
  ms: number;
}

/** `body`: JSON (a string is sent as it is: already serialised). */
async function call(key: string, method: string, url: string, body?: unknown): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(`${service.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Body) : undefined, ms: performance.now() - started };
}
const admin = (method: string, url: string, body?: unknown) => call(TEST_ADMIN_KEY, method, url, body);

// The programme: a coupon for every purchase over 50 (three a day at most), double points on shoes.
const campaigns = [
  { name: 'Five off', trigger: 'purchase', conditions: { minAmount: 50 }, limits: { perMember: { count: 3, period: 'day' } }, effect: { coupon: { title: '5 off', kind: 'amount_off', value: 5, validDays: 30, minSpend: 20 } } },
  { name: 'Double shoes', trigger: 'purchase', conditions: { categories: ['shoes'] }, effect: { pointsMultiplier: 2 } },
  { name: 'Big basket', trigger: 'purchase', conditions: { minAmount: 400 }, limits: { total: 500 }, effect: { bonusPoints: 50 } },
];
for (const campaign of campaigns) if ((await admin('POST', '/v1/campaigns', campaign)).status !== 201) throw new Error(`campaign ${campaign.name} refused`);
await admin('POST', '/v1/stores', { id: 'store-1', mallId: 'default', name: 'Store' });
const keys: string[] = [];
for (let n = 0; n < tills; n++) keys.push((await admin('POST', '/v1/keys', { role: 'pos', name: `till ${n}`, storeId: 'store-1' })).body!.key!);

type Operation = 'identify' | 'purchase' | 'redeem' | 'refund' | 'double-spend';
const latencies = new Map<Operation, number[]>();
const outcomes = new Map<string, number>();
const note = (op: Operation, answer: Answer) => {
  (latencies.get(op) ?? latencies.set(op, []).get(op)!).push(answer.ms);
  const label = `${op} ${answer.status}${answer.body?.error ? ` ${answer.body.error.code}` : ''}`;
  outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
};
/** Double spends the service let through (it must be none): the second use of a spent coupon or recognition succeeding. */
let doubleSpends = 0;
let misidentified = 0;
const deadline = Date.now() + seconds * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function till(n: number): Promise<void> {
  const key = keys[n]!;
  const random = seededRandom(1000 + n);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random.uniform() * list.length)]!;
  const purchases: { memberId: string; transactionId: string; amount: number; refunded: number }[] = [];
  const spent: { memberId: string; transactionId: string; coupon?: string; recognitionId: string }[] = [];
  let sequence = 0;
  while (Date.now() < deadline) {
    await sleep(thinkMs * (0.5 + random.uniform()));
    const roll = random.uniform();
    // A second try of something spent is made on that same shopper; everything else on anyone.
    const retry = roll >= 0.9 && spent.length ? pick(spent) : undefined;
    const shopper = retry ? memberIds.indexOf(retry.memberId) : Math.floor(random.uniform() * shopperCount);
    const memberId = memberIds[shopper]!;
    const identified = await call(key, 'POST', '/v1/identify', pick(probes[shopper]!));
    note('identify', identified);
    const face = identified.body?.faces?.[0];
    if (!face?.match || !face.recognitionId) continue;
    if (face.match.memberId !== memberId) {
      misidentified += 1;
      continue;
    }
    const id = `till-${n}:${++sequence}`;
    if (roll < 0.4) {
      const amount = Math.round((10 + random.uniform() * 490) * 100) / 100;
      const coupon = face.offers?.coupons.find((c) => c.minSpend <= amount)?.id;
      const category = random.uniform() < 0.3 ? 'shoes' : 'tea';
      const body = { transactionId: id, amount, currency: 'CNY', items: [{ sku: 'x', category, quantity: 1, price: amount }], ...(coupon ? { coupons: [coupon], recognitionId: face.recognitionId } : {}) };
      const paid = await call(key, 'POST', `/v1/members/${memberId}/purchases`, body);
      note('purchase', paid);
      if (paid.status === 201) {
        purchases.push({ memberId, transactionId: id, amount, refunded: 0 });
        if (coupon) spent.push({ memberId, transactionId: id, coupon, recognitionId: face.recognitionId });
      }
    } else if (roll < 0.75) {
      const balance = face.profile?.pointsBalance ?? 0;
      const points = Math.max(1, Math.floor(random.uniform() * Math.min(balance + 20, 300)));
      const redeemed = await call(key, 'POST', `/v1/members/${memberId}/redemptions`, { redemptionId: id, points, recognitionId: face.recognitionId });
      note('redeem', redeemed);
      if (redeemed.status === 201) spent.push({ memberId, transactionId: id, recognitionId: face.recognitionId });
    } else if (roll < 0.9) {
      const earlier = purchases.filter((p) => p.amount - p.refunded >= 1);
      if (earlier.length === 0) continue;
      const target = pick(earlier);
      const amount = Math.round(Math.min(target.amount - target.refunded, 1 + random.uniform() * target.amount) * 100) / 100;
      const refunded = await call(key, 'POST', `/v1/members/${target.memberId}/purchases/${encodeURIComponent(target.transactionId)}/refunds`, { refundId: `${id}:refund`, amount });
      note('refund', refunded);
      if (refunded.status === 201) target.refunded = Math.round((target.refunded + amount) * 100) / 100;
    } else {
      // A till that tries again what it already spent on this shopper: a coupon in a new purchase
      // (with a fresh recognition), or a spent recognition in a new redemption.
      const used = retry;
      if (!used) continue;
      const again = used.coupon
        ? await call(key, 'POST', `/v1/members/${used.memberId}/purchases`, { transactionId: id, amount: 30, currency: 'CNY', items: [{ sku: 'x', category: 'tea', quantity: 1, price: 30 }], coupons: [used.coupon], recognitionId: face.recognitionId })
        : await call(key, 'POST', `/v1/members/${used.memberId}/redemptions`, { redemptionId: id, points: 1, recognitionId: used.recognitionId });
      note('double-spend', again);
      if (again.status < 300) doubleSpends += 1;
    }
  }
}

console.log(`${tills} tills for ${seconds} s over ${memberCount} members (${shopperCount} shopping), think ${thinkMs} ms…`);
const started = performance.now();
await Promise.all(Array.from({ length: tills }, (_, n) => till(n)));
const elapsed = (performance.now() - started) / 1000;

// What the database says: no coupon in two purchases, no recognition spent twice, and the ledger's invariant.
const check = createPool(database.connectionString);
const couponTwice = (
  await check.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT c->>'couponId' AS coupon FROM purchases, json_array_elements(response->'coupons') c GROUP BY 1 HAVING count(*) > 1) twice`,
  )
).rows[0]!.n;
const recognitionTwice = (
  await check.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT recognition_id FROM redemptions WHERE recognition_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) twice`,
  )
).rows[0]!.n;
const couponsUsed = (await check.query<{ n: number }>('SELECT count(*)::int AS n FROM coupons WHERE used_at IS NOT NULL')).rows[0]!.n;
const invariant = await new PointsLedgerRepository(check).invariantViolations();
const totals = (
  await check.query<Record<string, string>>(
    `SELECT sum(delta) FILTER (WHERE delta > 0) AS earned, -sum(delta) FILTER (WHERE reason = 'redemption') AS spent,
            -sum(delta) FILTER (WHERE reason = 'refund') AS reversed, -sum(delta) FILTER (WHERE reason = 'expiry') AS expired, sum(delta) AS balance FROM points_ledger`,
  )
).rows[0]!;
await check.end();
await pool.end();
await service.stop();
await database.stop();
await fs.rm(dataDir, { recursive: true, force: true });

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1)) : null;
};
const operations = [...latencies].map(([op, ms]) => ({ op, requests: ms.length, perSecond: Number((ms.length / elapsed).toFixed(1)), p50Ms: quantile(ms, 0.5), p99Ms: quantile(ms, 0.99), maxMs: quantile(ms, 1) }));
console.log(`\n${os.availableParallelism()} cores, ${elapsed.toFixed(0)} s\n`);
console.log('operation      requests  per s    p50 ms   p99 ms   max ms');
for (const o of operations) console.log(`${o.op.padEnd(15)}${String(o.requests).padEnd(10)}${String(o.perSecond).padEnd(9)}${String(o.p50Ms).padEnd(9)}${String(o.p99Ms).padEnd(9)}${o.maxMs}`);
console.log('\nanswers:');
for (const [label, count] of [...outcomes].sort()) console.log(`  ${label.padEnd(40)} ${count}`);
console.log(`\nmisidentified shoppers (a till shown another member): ${misidentified}`);
console.log(`double spends let through: ${doubleSpends}; coupons in two purchases: ${couponTwice}; recognitions in two redemptions: ${recognitionTwice}; coupons used: ${couponsUsed}`);
console.log(`points: earned ${totals.earned}, spent ${totals.spent}, reversed ${totals.reversed}, expired ${totals.expired ?? 0}, balance ${totals.balance}`);
console.log(
  `ledger invariant (balance = earned − spent − expired − reversed, ≥ 0, no lot overdrawn) over ${invariant.members} members: ${invariant.violations.length === 0 ? 'holds' : `FAILS for ${invariant.violations.length}`}`,
);
if (opts.json) console.log(JSON.stringify({ cores: os.availableParallelism(), seconds: elapsed, tills, operations, outcomes: Object.fromEntries(outcomes), misidentified, doubleSpends, couponTwice, recognitionTwice, couponsUsed, totals, invariant }));
if (doubleSpends + couponTwice + recognitionTwice > 0 || invariant.violations.length > 0) process.exitCode = 1;
