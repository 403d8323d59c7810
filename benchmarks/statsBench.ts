/**
 * The operator's dashboard at a busy mall's size: GET /v1/stats over a month of one mall with
 * --visits visits and --sales sales a day (10k and 50k by default), seeded straight into the
 * service's (embedded) PostgreSQL, then asked through the API --requests times per shape:
 * a month by day (the dashboard's default), a week by hour, a day by hour. Prints p50 / p95 / max
 * per shape and the rows seeded.
 *
 * With Chromium (Debian's /usr/bin/chromium) it also times the console's dashboard drawing the
 * month: from choosing the period to the figures drawn (the next frame painted), and with
 * --screenshot writes the page as PNG (the README's picture).
 *
 *   npm run bench:stats [-- --days 30 --visits 10000 --sales 50000 --members 60000 --requests 30 --screenshot docs/dashboard.png] [--json]
 */
import pg from 'pg';
import { StatsRepository } from '../service/repositories/statsRepository.js';
import { CHROMIUM, haveChromium, launchChromium, signedInConsole } from '../service/testSupport/browser.js';
import { benchCommand } from './benchCommand.js';
import { startBenchService } from './benchService.js';

const opts = benchCommand()
  .option('--days <n>', 'days of history', '30')
  .option('--visits <n>', 'visits a day', '10000')
  .option('--sales <n>', 'sales a day', '50000')
  .option('--members <n>', 'members (a fifth of them fan-level visitors)', '60000')
  .option('--requests <n>', 'requests per shape', '30')
  .option('--screenshot <path>', "where to write the dashboard's picture (PNG)")
  .parse()
  .opts<{ days: string; visits: string; sales: string; members: string; requests: string; screenshot?: string; json?: boolean }>();
const days = Number(opts.days);
const visitsPerDay = Number(opts.visits);
const salesPerDay = Number(opts.sales);
const memberCount = Number(opts.members);
const requests = Number(opts.requests);
const MALL = 'bench';

const bench = await startBenchService();
const sql = new pg.Pool({ connectionString: bench.databaseUrl, max: 2 });
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

// A failed run still stops its PostgreSQL and removes its data folder.
try {
  const startedSeeding = performance.now();
  const end = new Date();
  const start = new Date(end.getTime() - days * 86_400_000);

  // The mall, its brands (15, five of one group), stores (40) and cameras (8, in 5 zones): reference data, through SQL like the rest.
  await sql.query(`INSERT INTO malls (id, name, time_zone) VALUES ($1, 'Bench mall', 'Asia/Shanghai')`, [MALL]);
  await sql.query(`INSERT INTO brands (id, name, group_id) SELECT 'brand-' || i, 'Brand ' || i, CASE WHEN i % 3 = 0 THEN 'fashion-group' END FROM generate_series(0, 14) i`);
  await sql.query(`INSERT INTO stores (id, mall_id, name, brand) SELECT 'b-store-' || i, $1, 'Store ' || i, 'brand-' || (i % 15) FROM generate_series(1, 40) i`, [MALL]);
  await sql.query(
    `INSERT INTO cameras (id, name, url, enabled, mall_id, zone, position_x, position_y)
     SELECT 'b-cam-' || i, 'Camera ' || i, 'rtsp://10.0.0.1/' || i, false, $1, (ARRAY['entrance', 'floor-1', 'floor-2', 'food-court', 'car-park'])[1 + i % 5], (i % 4) / 4.0 + 0.1, (i % 3) / 3.0 + 0.1
       FROM generate_series(1, 8) i`,
    [MALL],
  );
  await sql.query(
    `INSERT INTO members (kind, name, consent_face_recognition, home_mall_id, created_at)
     SELECT CASE WHEN i % 5 = 0 THEN 'visitor' ELSE 'member' END, 'Bench ' || i, true, $1, $2::timestamptz - make_interval(days => i % 400)
       FROM generate_series(1, $3) i`,
    [MALL, start, memberCount],
  );
  // Visits: members drawn at random, during the mall's opening hours (10:00–22:00 local), at random cameras.
  await sql.query(
    `WITH m AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(kind ORDER BY id) AS kinds FROM members WHERE home_mall_id = $1)
     INSERT INTO visits (member_id, camera_id, mall_id, first_seen_at, last_seen_at, sightings, member_kind, returning_from_dormant)
     SELECT m.ids[s.n], 'b-cam-' || (1 + (random() * 7)::int), $1, s.t, s.t + make_interval(secs => (random() * 900)::int), 1 + (random() * 5)::int, m.kinds[s.n], random() < 0.01
       FROM m, (SELECT (date_trunc('day', $2::timestamptz AT TIME ZONE 'Asia/Shanghai') + make_interval(days => d, hours => 10) + make_interval(secs => (random() * 43200)::int)) AT TIME ZONE 'Asia/Shanghai' AS t,
                       1 + (random() * ($5 - 1))::int AS n
                  FROM generate_series(0, $3 - 1) d, generate_series(1, $4) v) s`,
    [MALL, start, days, visitsPerDay, memberCount],
  );
  // Footfall, as the service counts it with each visit (MallCountsRepository.countVisit), in one pass.
  await sql.query(
    `INSERT INTO footfall (mall_id, granularity, bucket, zone, member_kind, faces)
     SELECT mall_id, granularity, bucket, zone, member_kind, count(*)
       FROM (SELECT DISTINCT ON (v.mall_id, g.granularity, b.bucket, z.zone, v.member_id) v.mall_id, g.granularity, b.bucket, z.zone, v.member_kind
               FROM visits v LEFT JOIN cameras c ON c.id = v.camera_id, (VALUES ('hour'), ('day')) g (granularity),
                    LATERAL (SELECT date_trunc(g.granularity, v.first_seen_at AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai' AS bucket) b,
                    LATERAL (VALUES (coalesce(c.zone, '')), ('*')) z (zone)
              WHERE v.mall_id = $1
              ORDER BY v.mall_id, g.granularity, b.bucket, z.zone, v.member_id, v.first_seen_at) firsts
      GROUP BY 1, 2, 3, 4, 5`,
    [MALL],
  );
  // Sales: a third with a member, across the stores, in opening hours.
  await sql.query(
    `WITH m AS (SELECT array_agg(id) AS ids FROM members WHERE home_mall_id = $1 AND kind = 'member')
     INSERT INTO sales (sale_id, mall_id, store_id, amount, currency, at, member_id)
     SELECT 'bench-' || d || '-' || v, $1, 'b-store-' || (1 + (random() * 39)::int), round((10 + random() * 990)::numeric, 2), 'CNY',
            (date_trunc('day', $2::timestamptz AT TIME ZONE 'Asia/Shanghai') + make_interval(days => d, hours => 10) + make_interval(secs => (random() * 43200)::int)) AT TIME ZONE 'Asia/Shanghai',
            CASE WHEN random() < 1 / 3.0 THEN m.ids[1 + (random() * (cardinality(m.ids) - 1))::int] END
       FROM m, generate_series(0, $3 - 1) d, generate_series(1, $4) v`,
    [MALL, start, days, salesPerDay],
  );
  // The hourly sums the service keeps with each sale (SaleRepository), made here in one pass.
  await sql.query(
    `INSERT INTO sales_hourly (mall_id, hour, store_id, currency, sales, amount, member_sales, member_amount)
     SELECT mall_id, date_trunc('hour', at), coalesce(store_id, ''), currency, count(*), sum(amount),
            count(*) FILTER (WHERE member_id IS NOT NULL), coalesce(sum(amount) FILTER (WHERE member_id IS NOT NULL), 0)
       FROM sales WHERE mall_id = $1 GROUP BY 1, 2, 3, 4`,
    [MALL],
  );
  // The counters: every hour of opening, per camera faces tracked and recognised; members joining, converting and leaving.
  await sql.query(
    `INSERT INTO mall_counts (mall_id, hour, metric, camera_id, count)
     SELECT $1, h, metric, cam, CASE metric WHEN 'faces_tracked' THEN 60 + (random() * 40)::int ELSE 40 + (random() * 20)::int END
       FROM generate_series(date_trunc('hour', $2::timestamptz), $3::timestamptz, interval '1 hour') h,
            unnest(ARRAY['faces_tracked', 'faces_recognised']) metric, (SELECT 'b-cam-' || i AS cam FROM generate_series(1, 8) i) cams
     UNION ALL
     SELECT $1, h, metric, '', (random() * 20)::int
       FROM generate_series(date_trunc('hour', $2::timestamptz), $3::timestamptz, interval '1 hour') h,
            unnest(ARRAY['joined_member', 'joined_visitor', 'converted', 'left_member', 'left_visitor']) metric`,
    [MALL, start, end],
  );
  await sql.query('VACUUM ANALYZE');
  const counted = async (table: string) => Number((await sql.query<{ count: string }>(`SELECT count(*) FROM ${table} WHERE mall_id = $1`, [MALL])).rows[0]!.count);
  const seeded = { visits: await counted('visits'), sales: await counted('sales'), memberSales: Number((await sql.query<{ count: string }>('SELECT count(*) FROM sales WHERE member_id IS NOT NULL')).rows[0]!.count), seedSeconds: (performance.now() - startedSeeding) / 1000 };
  console.log(`seeded ${seeded.visits} visits and ${seeded.sales} sales (${seeded.memberSales} members') over ${days} days in ${seeded.seedSeconds.toFixed(0)} s`);

  const shapes = [
    { name: `${days} days by day`, from: start, interval: 'day' },
    { name: '7 days by hour', from: new Date(end.getTime() - 7 * 86_400_000), interval: 'hour' },
    { name: '1 day by hour', from: new Date(end.getTime() - 86_400_000), interval: 'hour' },
  ];
  const results = [];
  for (const shape of shapes) {
    const url = `/v1/stats?mall=${MALL}&from=${encodeURIComponent(shape.from.toISOString())}&to=${encodeURIComponent(end.toISOString())}&interval=${shape.interval}`;
    const first = await bench.call('GET', url, bench.admin);
    if (first.status !== 200) throw new Error(`GET ${url}: ${first.status} ${JSON.stringify(first.json)}`);
    const times: number[] = [];
    for (let i = 0; i < requests; i++) {
      const began = performance.now();
      const res = await bench.call('GET', url, bench.admin);
      times.push(performance.now() - began);
      if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
    }
    times.sort((a, b) => a - b);
    const row = { shape: shape.name, requests, p50Ms: percentile(times, 50), p95Ms: percentile(times, 95), maxMs: times.at(-1)! };
    results.push(row);
    console.log(`${row.shape.padEnd(18)} p50 ${row.p50Ms.toFixed(1)} ms  p95 ${row.p95Ms.toFixed(1)} ms  max ${row.maxMs.toFixed(1)} ms  (${requests} requests)`);
  }
  // Each figure's statement alone, for the month (median of 5): where the time goes.
  const repository = new StatsRepository(sql);
  const period = { mallId: MALL, from: start, to: end, interval: 'day' as const, timeZone: 'Asia/Shanghai' };
  const figures: Record<string, () => Promise<unknown>> = {
    footfall: () => repository.footfall(period),
    counts: () => repository.counts(period),
    returningFromDormant: () => repository.returningFromDormant(period),
    sales: () => repository.sales(period),
    topBrands: () => repository.topBrands(period, 10),
  };
  const perFigure: Record<string, number> = {};
  for (const [name, run] of Object.entries(figures)) {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const began = performance.now();
      await run();
      times.push(performance.now() - began);
    }
    perFigure[name] = times.sort((a, b) => a - b)[2]!;
  }
  console.log(`per figure, ${days} days by day (median ms): ${Object.entries(perFigure).map(([name, ms]) => `${name} ${ms.toFixed(1)}`).join(', ')}`);
  const render = haveChromium ? await timeDashboard() : undefined;
  if (!render) console.log(`dashboard render not timed: ${CHROMIUM} is missing`);
  if (opts.json) console.log(JSON.stringify({ seeded, results, perFigure, render }));
} finally {
  await sql.end();
  await bench.close();
}

/** The console drawing the month (5 times, switching away and back), and its picture. */
async function timeDashboard() {
  const browser = await launchChromium();
  try {
    const page = await signedInConsole(browser, bench.url, bench.admin);
    await page.locator('#dashboard-body[data-ready]').waitFor();
    await page.selectOption('#stats-mall', MALL);
    await page.locator('#dashboard-body[data-ready]').waitFor();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await page.selectOption('#stats-period', '7d');
      await page.locator('#dashboard-body[data-ready]').waitFor();
      const began = performance.now();
      await page.selectOption('#stats-period', '30d');
      await page.locator('#dashboard-body[data-ready]').waitFor();
      // Drawn means painted: the frame after the figures are in the page.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      times.push(performance.now() - began);
    }
    times.sort((a, b) => a - b);
    const result = { renders: times.length, p50Ms: percentile(times, 50), maxMs: times.at(-1)! };
    console.log(`dashboard in Chromium, ${days} days by day: p50 ${result.p50Ms.toFixed(0)} ms, max ${result.maxMs.toFixed(0)} ms (${times.length} renders: request, answer, drawing, paint)`);
    if (opts.screenshot) {
      await page.screenshot({ path: opts.screenshot, fullPage: true });
      console.log(`screenshot: ${opts.screenshot}`);
    }
    return result;
  } finally {
    await browser.close();
  }
}
