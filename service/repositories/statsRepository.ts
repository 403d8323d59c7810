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
  bucket: string;
  /** '*': over every zone; '': cameras with no zone. */
  zone: string;
  kind: 'member' | 'visitor';
  faces: number;
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
}

const periodParams = (p: StatsPeriod) => [p.mallId, p.from, p.to, p.interval, p.timeZone];
/** Where the period's figures start: the start of the bucket `from` falls in (every bucket is whole), as an instant. */
const PERIOD_START = `date_trunc($4, $2::timestamptz AT TIME ZONE $5) AT TIME ZONE $5`;

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
   * Footfall per bucket: faces once per bucket in each zone ('' none) and over all zones ('*'),
   * by what they were (member or visitor), as counted with each new visit (MallCountsRepository.countVisit).
   */
  async footfall(period: StatsPeriod): Promise<FootfallRow[]> {
    const { rows } = await this.db.query<{ bucket: string; zone: string; member_kind: 'member' | 'visitor'; faces: string }>(
      `SELECT to_char(bucket AT TIME ZONE $5, 'YYYY-MM-DD"T"HH24:MI') AS bucket, zone, member_kind, faces
         FROM footfall
        WHERE mall_id = $1 AND granularity = $4 AND bucket >= ${PERIOD_START} AND bucket < $3`,
      periodParams(period),
    );
    return rows.map((row) => ({ bucket: row.bucket, zone: row.zone, kind: row.member_kind, faces: Number(row.faces) }));
  }

  /** The counters (members joined, converted and left; faces tracked and recognised) per bucket. */
  async counts(period: StatsPeriod): Promise<CountRow[]> {
    const { rows } = await this.db.query<{ bucket: string; metric: MallCountMetric; count: string }>(
      `SELECT ${BUCKET('hour')} AS bucket, metric, sum(count) AS count
         FROM mall_counts WHERE mall_id = $1 AND hour >= ${PERIOD_START} AND hour < $3
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
                 FROM visits WHERE mall_id = $1 AND first_seen_at >= ${PERIOD_START} AND first_seen_at < $3 AND returning_from_dormant) back
        GROUP BY ROLLUP (bucket)`,
      periodParams(period),
    );
    return rows.map((row) => ({ bucket: row.by_bucket ? null : row.bucket, members: Number(row.members) }));
  }

  /**
   * Sales and members' sales (those with a member now) per bucket and currency, and over the
   * period, from the hourly sums (sales_hourly) kept with each sale.
   */
  async sales(period: StatsPeriod): Promise<SalesRow[]> {
    const { rows } = await this.db.query<{ bucket: string | null; by_bucket: number; currency: string; sales: string; member_sales: string; amount: string; member_amount: string }>(
      `SELECT bucket, GROUPING(bucket) AS by_bucket, currency,
              sum(sales) AS sales, sum(member_sales) AS member_sales, sum(amount) AS amount, sum(member_amount) AS member_amount
         FROM (SELECT ${BUCKET('hour')} AS bucket, currency, sales, member_sales, amount, member_amount
                 FROM sales_hourly WHERE mall_id = $1 AND hour >= ${PERIOD_START} AND hour < $3) period
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
    const { rows } = await this.db.query<{ brand: string; currency: string; member_spend: string; member_sales: string }>(
      `SELECT st.brand, h.currency, sum(h.member_amount) AS member_spend, sum(h.member_sales) AS member_sales
         FROM sales_hourly h JOIN stores st ON st.id = h.store_id
        WHERE h.mall_id = $1 AND h.hour >= ${PERIOD_START} AND h.hour < $3 AND st.brand IS NOT NULL
        GROUP BY st.brand, h.currency HAVING sum(h.member_sales) > 0 ORDER BY member_spend DESC, st.brand LIMIT $6`,
      [...periodParams(period), limit],
    );
    return rows.map((row) => ({ brand: row.brand, currency: row.currency, memberSpend: Number(row.member_spend), memberSales: Number(row.member_sales) }));
  }
}
