import type { MallCountMetric } from '../../repositories/mallCountsRepository.js';
import type { FootfallRow, SalesRow, StatsPeriod, StatsRepository } from '../../repositories/statsRepository.js';
import { invalidInput } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import { DEFAULT_MALL } from '../recognition/mallPartitions.js';
import type { MallScope, MallService } from './malls.js';

export interface StatsQuery {
  mallId?: string;
  from?: Date;
  to?: Date;
  interval?: 'hour' | 'day';
}

/** The longest period one answer covers, by interval: a year of days, a month of hours. */
const MAX_SPAN_DAYS = { day: 366, hour: 31 } as const;
/** The period when none is given: the last 30 days by day, the last 24 hours by hour. */
const DEFAULT_SPAN_MS = { day: 30 * 86_400_000, hour: 86_400_000 } as const;
const TOP_BRANDS = 10;

const ratio = (part: number, whole: number): number | null => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);

interface Faces {
  faces: number;
  members: number;
  visitors: number;
}

/**
 * The operator's dashboard: a mall's programme in a few numbers over a period, bucketed by the
 * mall's local hours or days. Counts only: no member id or face leaves through here.
 */
export class MallStats {
  constructor(
    private readonly deps: {
      stats: StatsRepository;
      malls: Pick<MallService, 'getMall'>;
      defaultTimeZone: string;
      clock: Clock;
    },
  ) {}

  private async periodOf(query: StatsQuery, scope: MallScope): Promise<StatsPeriod> {
    const mall = await this.deps.malls.getMall(query.mallId ?? scope.mallId ?? DEFAULT_MALL, scope);
    const interval = query.interval ?? 'day';
    const to = query.to ?? this.deps.clock();
    const from = query.from ?? new Date(to.getTime() - DEFAULT_SPAN_MS[interval]);
    if (from >= to) throw invalidInput('from must be before to');
    if (to.getTime() - from.getTime() > MAX_SPAN_DAYS[interval] * 86_400_000) {
      throw invalidInput(`at most ${MAX_SPAN_DAYS[interval]} days by ${interval}`, { maxDays: MAX_SPAN_DAYS[interval] });
    }
    return { mallId: mall.id, from, to, interval, timeZone: mall.timeZone ?? this.deps.defaultTimeZone };
  }

  async dashboard(query: StatsQuery, scope: MallScope) {
    const period = await this.periodOf(query, scope);
    const { stats } = this.deps;
    const [buckets, footfall, counts, returning, sales, topBrands] = await Promise.all([
      stats.buckets(period),
      stats.footfall(period),
      stats.counts(period),
      stats.returningFromDormant(period),
      stats.sales(period),
      stats.topBrands(period, TOP_BRANDS),
    ]);
    const footfallOf = footfallTable(footfall);
    // Each counter per bucket, and over the period under the bucket ''.
    const counted = new Map<string, number>();
    for (const row of counts) {
      for (const key of [`${row.metric}|${row.bucket}`, `${row.metric}|`]) counted.set(key, (counted.get(key) ?? 0) + row.count);
    }
    const count = (metric: MallCountMetric, bucket = '') => counted.get(`${metric}|${bucket}`) ?? 0;
    const membersOf = (bucket?: string) => {
      const joinedMembers = count('joined_member', bucket);
      const joinedVisitors = count('joined_visitor', bucket);
      const converted = count('converted', bucket);
      const leftMembers = count('left_member', bucket);
      const leftVisitors = count('left_visitor', bucket);
      return {
        joinedMembers,
        joinedVisitors,
        converted,
        leftMembers,
        leftVisitors,
        netNewMembers: joinedMembers + converted - leftMembers,
        netNewVisitors: joinedVisitors - converted - leftVisitors,
      };
    };
    const recognitionOf = (bucket?: string) => {
      const tracked = count('faces_tracked', bucket);
      const recognised = count('faces_recognised', bucket);
      return { tracked, recognised, share: ratio(recognised, tracked) };
    };
    const total = membersOf();
    const currencies = [...new Set(sales.map((row) => row.currency))];
    return {
      mallId: period.mallId,
      timeZone: period.timeZone,
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      interval: period.interval,
      buckets,
      footfall: footfallOf(buckets),
      recognition: { ...recognitionOf(), byBucket: buckets.map((bucket) => ({ bucket, ...recognitionOf(bucket) })) },
      members: { ...total, byBucket: buckets.map((bucket) => ({ bucket, ...membersOf(bucket) })) },
      conversion: {
        converted: total.converted,
        ended: total.converted + total.leftVisitors,
        rate: ratio(total.converted, total.converted + total.leftVisitors),
      },
      sales: currencies.map((currency) => {
        const rows = new Map(sales.filter((row) => row.currency === currency).map((row) => [row.bucket, row]));
        const whole = rows.get(null)!;
        const line = ({ sales, memberSales, amount, memberAmount }: SalesRow) => ({
          sales,
          memberSales,
          amount,
          memberAmount,
          memberShareOfSales: ratio(memberSales, sales),
          memberShareOfAmount: ratio(memberAmount, amount),
        });
        const none = { bucket: null, currency, sales: 0, memberSales: 0, amount: 0, memberAmount: 0 };
        return { currency, ...line(whole), byBucket: buckets.map((bucket) => ({ bucket, ...line(rows.get(bucket) ?? none) })) };
      }),
      returningFromDormant: {
        members: returning.find((row) => row.bucket === null)?.members ?? 0,
        byBucket: buckets.map((bucket) => ({ bucket, members: returning.find((row) => row.bucket === bucket)?.members ?? 0 })),
      },
      topBrands,
    };
  }
}

/** Footfall per bucket, per bucket and zone, and summed per zone and over the period (a face once per bucket). */
function footfallTable(rows: FootfallRow[]) {
  const cells = new Map<string, Faces>();
  const add = (key: string, row: FootfallRow) => {
    const cell = cells.get(key) ?? { faces: 0, members: 0, visitors: 0 };
    cell.faces += row.faces;
    if (row.kind === 'member') cell.members += row.faces;
    else cell.visitors += row.faces;
    cells.set(key, cell);
  };
  const zones = new Set<string>();
  for (const row of rows) {
    add(JSON.stringify([row.bucket, row.zone]), row);
    if (row.zone !== '*') {
      zones.add(row.zone);
      add(JSON.stringify([null, row.zone]), row);
    } else add(JSON.stringify([null, '*']), row);
  }
  const cell = (bucket: string | null, zone: string): Faces => cells.get(JSON.stringify([bucket, zone])) ?? { faces: 0, members: 0, visitors: 0 };
  // '' is the cameras without a zone: answered as null.
  const named = (zone: string) => zone || null;
  return (buckets: string[]) => ({
    ...cell(null, '*'),
    byBucket: buckets.map((bucket) => ({ bucket, ...cell(bucket, '*') })),
    byZone: [...zones].map((zone) => ({ zone: named(zone), ...cell(null, zone) })).sort((a, b) => b.faces - a.faces),
    byBucketAndZone: buckets.flatMap((bucket) => [...zones].filter((zone) => cells.has(JSON.stringify([bucket, zone]))).map((zone) => ({ bucket, zone: named(zone), ...cell(bucket, zone) }))),
  });
}

export type Dashboard = Awaited<ReturnType<MallStats['dashboard']>>;
