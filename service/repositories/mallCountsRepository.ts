import type { Queryable } from '../db/pool.js';

/** What the dashboard counts that no other row keeps (mall_counts' metrics). */
export type MallCountMetric = 'joined_member' | 'joined_visitor' | 'converted' | 'left_member' | 'left_visitor' | 'faces_tracked' | 'faces_recognised';

/**
 * The dashboard's counts, kept as things happen: hourly counters per mall (and camera, for the
 * faces tracked) and footfall. Added to in the transaction of what they count, so a count and its
 * event stand or fall together. Never a member id.
 */
export class MallCountsRepository {
  constructor(private readonly db: Queryable) {}

  /** Adds one to `metric` in `at`'s hour (per camera for the faces tracked and recognised, else over the mall). */
  async add(count: { mallId: string; at: Date; metric: MallCountMetric; cameraId?: string }, db: Queryable = this.db): Promise<void> {
    await db.query(
      `INSERT INTO mall_counts (mall_id, hour, metric, camera_id, count) VALUES ($1, date_trunc('hour', $2::timestamptz), $3, $4, 1)
       ON CONFLICT (mall_id, metric, hour, camera_id) DO UPDATE SET count = mall_counts.count + 1`,
      [count.mallId, count.at, count.metric, count.cameraId ?? ''],
    );
  }

  /**
   * Counts a new visit in the mall's footfall: the face once per local hour and day (the mall's
   * time zone, else `defaultTimeZone`), in its camera's zone and over all zones ('*'), unless
   * another visit of the member already counted it there. Call it in the visit's transaction,
   * under the member's row lock (two visits of one member never race).
   */
  async countVisit(visit: { id: string; memberId: string; memberKind: string; cameraId: string; mallId: string; at: Date }, defaultTimeZone: string, tx: Queryable): Promise<void> {
    await tx.query(
      `WITH v AS (
         SELECT coalesce((SELECT zone FROM cameras WHERE id = $6), '') AS zone, coalesce((SELECT time_zone FROM malls WHERE id = $2), $7) AS tz),
       cells AS (
         SELECT g.granularity, z.zone,
                date_trunc(g.granularity, $3::timestamptz AT TIME ZONE v.tz) AT TIME ZONE v.tz AS bucket,
                (date_trunc(g.granularity, $3::timestamptz AT TIME ZONE v.tz) + ('1 ' || g.granularity)::interval) AT TIME ZONE v.tz AS bucket_end
           FROM v, (VALUES ('hour'), ('day')) g (granularity), LATERAL (VALUES (v.zone), ('*')) z (zone))
       INSERT INTO footfall (mall_id, granularity, bucket, zone, member_kind, faces)
       SELECT $2, c.granularity, c.bucket, c.zone, $4, 1 FROM cells c
        WHERE NOT EXISTS (
          SELECT 1 FROM visits o LEFT JOIN cameras oc ON oc.id = o.camera_id
           WHERE o.member_id = $1 AND o.mall_id = $2 AND o.id <> $5 AND o.first_seen_at >= c.bucket AND o.first_seen_at < c.bucket_end
             AND (c.zone = '*' OR coalesce(oc.zone, '') = c.zone))
       ON CONFLICT (mall_id, granularity, bucket, zone, member_kind) DO UPDATE SET faces = footfall.faces + 1`,
      [visit.memberId, visit.mallId, visit.at, visit.memberKind, visit.id, visit.cameraId, defaultTimeZone],
    );
  }
}
