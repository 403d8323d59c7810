import type { Queryable } from '../db/pool.js';
import type { MallCountMetric } from './mallCountsRepository.js';

/**
 * A period of one mall, cut into buckets of the mall's local calendar (hours or days in its time
 * zone). Every figure below is one SQL statement over that period; README "The dashboard's
 * figures" states each definition in words.
 */
export interface StatsPeriod {
  mallId: string;
  from: Date;
  to: Date;
  interval: 'hour' | 'day';
  timeZone: string;
}

/** A bucket's start as the mall's wall clock reads it ('2026-12-07T10:00'): the key every figure shares. */
const BUCKET = (column: string) => `to_char(date_trunc($4, ${column} AT TIME ZONE $5), 'YYYY-MM-DD"T"HH24:MI')`;

export interface FootfallRow {
  /** Null in the rows summed over the period. */
  bucket: string | null;
  /** Null in the rows over every zone; '' for cameras with no zone (or forgotten, past the trail's retention). */
  zone: string | null;
  faces: number;
  members: number;
  visitors: number;
}

export interface CountRow {
  bucket: string;
  metric: MallCountMetric;
  count: number;
}

export interface SalesRow {
  /** Null in the rows summed over the period. */
  bucket: string | null;
  currency: string;
  sales: number;
  memberSales: number;
  amount: number;
  memberAmount: number;
}

export interface BrandSpendRow {
  brand: string;
  currency: string;
  memberSpend: number;
  memberSales: number;
  members: number;
}

const periodParams = (p: StatsPeriod) => [p.mallId, p.from, p.to, p.interval, p.timeZone];

/** The dashboard's reads: counts only, never a member id. */
export class StatsRepository {
  constructor(private readonly db: Queryable) {}

  /** Every bucket of the period, in order (charts show the empty ones too). */
  async buckets(period: StatsPeriod): Promise<string[]> {
    const { rows } = await this.db.query<{ bucket: string }>(
      `SELECT to_char(b, 'YYYY-MM-DD"T"HH24:MI') AS bucket
         FROM generate_series(date_trunc($3, $1::timestamptz AT TIME ZONE $4), date_trunc($3, ($2::timestamptz - interval '1 microsecond') AT TIME ZONE $4), ('1 ' || $3)::interval) b`,
      [period.from, period.to, period.interval, period.timeZone],
    );
    return rows.map((row) => row.bucket);
  }

  /**
   * Distinct faces (members and fan-level visitors, as they were at the visit) whose visit began in
   * each bucket and zone, in each bucket over every zone, in each zone over the period, and over the
   * period. A camera's zone is the one it has now; `zones` maps the mall's cameras to them.
   */
  async footfall(period: StatsPeriod, zones: Map<string, string | null>): Promise<FootfallRow[]> {
    const { rows } = await this.db.query<{ bucket: string | null; zone: string | null; by_bucket: number; by_zone: number; faces: string; members: string; visitors: string }>(
      `WITH seen AS (
         SELECT ${BUCKET('v.first_seen_at')} AS bucket, coalesce(z.zone, '') AS zone, v.member_id, v.member_kind
           FROM visits v LEFT JOIN unnest($6::text[], $7::text[]) AS z (camera_id, zone) ON z.camera_id = v.camera_id
          WHERE v.mall_id = $1 AND v.first_seen_at >= $2 AND v.first_seen_at < $3)
       SELECT bucket, zone, GROUPING(bucket) AS by_bucket, GROUPING(zone) AS by_zone,
              count(DISTINCT member_id) AS faces,
              count(DISTINCT member_id) FILTER (WHERE member_kind = 'member') AS members,
              count(DISTINCT member_id) FILTER (WHERE member_kind = 'visitor') AS visitors
         FROM seen GROUP BY GROUPING SETS ((bucket, zone), (bucket), (zone), ())`,
      [...periodParams(period), [...zones.keys()], [...zones.values()]],
    );
    return rows.map((row) => ({
      bucket: row.by_bucket ? null : row.bucket,
      zone: row.by_zone ? null : row.zone,
      faces: Number(row.faces),
      members: Number(row.members),
      visitors: Number(row.visitors),
    }));
  }

  /** The counters (members joined, converted and left; faces tracked and recognised) per bucket. */
  async counts(period: StatsPeriod): Promise<CountRow[]> {
    const { rows } = await this.db.query<{ bucket: string; metric: MallCountMetric; count: string }>(
      `SELECT ${BUCKET('hour')} AS bucket, metric, sum(count) AS count
         FROM mall_counts WHERE mall_id = $1 AND hour >= date_trunc('hour', $2::timestamptz) AND hour < $3
        GROUP BY 1, 2`,
      periodParams(period),
    );
    return rows.map((row) => ({ bucket: row.bucket, metric: row.metric, count: Number(row.count) }));
  }

  /** Distinct members whose visit in the bucket brought them back from dormancy; the bucket null: over the period. */
  async returningFromDormant(period: StatsPeriod): Promise<{ bucket: string | null; members: number }[]> {
    const { rows } = await this.db.query<{ bucket: string | null; by_bucket: number; members: string }>(
      `SELECT bucket, GROUPING(bucket) AS by_bucket, count(DISTINCT member_id) AS members
         FROM (SELECT ${BUCKET('first_seen_at')} AS bucket, member_id
                 FROM visits WHERE mall_id = $1 AND first_seen_at >= $2 AND first_seen_at < $3 AND returning_from_dormant) back
        GROUP BY ROLLUP (bucket)`,
      periodParams(period),
    );
    return rows.map((row) => ({ bucket: row.by_bucket ? null : row.bucket, members: Number(row.members) }));
  }

  /** Sales and members' sales (a member attached when it was recorded, still a member) per bucket and currency, and over the period. */
  async sales(period: StatsPeriod): Promise<SalesRow[]> {
    const { rows } = await this.db.query<{ bucket: string | null; by_bucket: number; currency: string; sales: string; member_sales: string; amount: string; member_amount: string | null }>(
      `SELECT bucket, GROUPING(bucket) AS by_bucket, currency,
              count(*) AS sales, count(*) FILTER (WHERE member_id IS NOT NULL) AS member_sales,
              sum(amount) AS amount, coalesce(sum(amount) FILTER (WHERE member_id IS NOT NULL), 0) AS member_amount
         FROM (SELECT ${BUCKET('at')} AS bucket, currency, amount, member_id FROM sales WHERE mall_id = $1 AND at >= $2 AND at < $3) period
        GROUP BY currency, ROLLUP (bucket)`,
      periodParams(period),
    );
    return rows.map((row) => ({
      bucket: row.by_bucket ? null : row.bucket,
      currency: row.currency,
      sales: Number(row.sales),
      memberSales: Number(row.member_sales),
      amount: Number(row.amount),
      memberAmount: Number(row.member_amount),
    }));
  }

  /** Members' spend per brand (of the store the sale was made in) over the period, highest first. */
  async topBrands(period: StatsPeriod, limit: number): Promise<BrandSpendRow[]> {
    const { rows } = await this.db.query<{ brand: string; currency: string; member_spend: string; member_sales: string; members: string }>(
      `SELECT st.brand, s.currency, sum(s.amount) AS member_spend, count(*) AS member_sales, count(DISTINCT s.member_id) AS members
         FROM sales s JOIN stores st ON st.id = s.store_id
        WHERE s.mall_id = $1 AND s.at >= $2 AND s.at < $3 AND s.member_id IS NOT NULL AND st.brand IS NOT NULL
        GROUP BY st.brand, s.currency ORDER BY member_spend DESC, st.brand LIMIT $4`,
      [period.mallId, period.from, period.to, limit],
    );
    return rows.map((row) => ({ brand: row.brand, currency: row.currency, memberSpend: Number(row.member_spend), memberSales: Number(row.member_sales), members: Number(row.members) }));
  }
}
