import type { Queryable } from '../db/pool.js';

/** What the dashboard counts that no other row keeps (mall_counts' metrics). */
export type MallCountMetric = 'joined_member' | 'joined_visitor' | 'converted' | 'left_member' | 'left_visitor' | 'faces_tracked' | 'faces_recognised';

/**
 * Hourly counters per mall (and camera, for the faces tracked): added to in the transaction of what
 * they count, so a count and its event stand or fall together. Never a member id.
 */
export class MallCountsRepository {
  constructor(private readonly db: Queryable) {}

  async add(mallId: string, at: Date, metric: MallCountMetric, db: Queryable = this.db, cameraId = '', count = 1): Promise<void> {
    await db.query(
      `INSERT INTO mall_counts (mall_id, hour, metric, camera_id, count) VALUES ($1, date_trunc('hour', $2::timestamptz), $3, $4, $5)
       ON CONFLICT (mall_id, metric, hour, camera_id) DO UPDATE SET count = mall_counts.count + excluded.count`,
      [mallId, at, metric, cameraId, count],
    );
  }
}
