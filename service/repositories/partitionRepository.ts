import type { Queryable } from '../db/pool.js';

/** A member in a mall's partition. */
export interface MallMember {
  mallId: string;
  memberId: string;
}

export type ActivityReason = 'visit' | 'purchase' | 'second_factor';

/**
 * Who is in each mall's partitions: those seen today (a visit since the mall's local midnight) and
 * regulars (home members, and members active at the mall within the regular window), read from
 * visits, members and member_mall_activity.
 */
export class PartitionRepository {
  constructor(private readonly db: Queryable) {}

  /** The malls and the time zone each reads its day in (its own, else `defaultTimeZone`). */
  async mallTimeZones(defaultTimeZone: string): Promise<{ mallId: string; timeZone: string }[]> {
    const { rows } = await this.db.query<{ id: string; tz: string }>('SELECT id, coalesce(time_zone, $1) AS tz FROM malls ORDER BY id', [defaultTimeZone]);
    return rows.map((row) => ({ mallId: row.id, timeZone: row.tz }));
  }

  /** Members with a visit at each mall since that mall's local midnight of the day `now` falls in. */
  async seenToday(now: Date, defaultTimeZone: string): Promise<MallMember[]> {
    const { rows } = await this.db.query<{ mall_id: string; member_id: string }>(
      `SELECT DISTINCT v.mall_id, v.member_id
         FROM visits v JOIN malls m ON m.id = v.mall_id
        WHERE v.last_seen_at >= (date_trunc('day', $1::timestamptz AT TIME ZONE coalesce(m.time_zone, $2)) AT TIME ZONE coalesce(m.time_zone, $2))
          AND v.first_seen_at <= $1`,
      [now, defaultTimeZone],
    );
    return rows.map((row) => ({ mallId: row.mall_id, memberId: row.member_id }));
  }

  /**
   * Regulars: members whose home is the mall, and members active there since `activeSince`. With
   * `changedSince`, only what changed after it (new members, moved homes, new activity).
   */
  async regulars(activeSince: Date, changedSince?: Date): Promise<MallMember[]> {
    const { rows } = await this.db.query<{ mall_id: string; member_id: string }>(
      `SELECT home_mall_id AS mall_id, id AS member_id FROM members WHERE $2::timestamptz IS NULL OR updated_at >= $2 OR created_at >= $2
       UNION
       SELECT mall_id, member_id FROM member_mall_activity WHERE last_at >= greatest($1, coalesce($2, $1))`,
      [activeSince, changedSince ?? null],
    );
    return rows.map((row) => ({ mallId: row.mall_id, memberId: row.member_id }));
  }

  /** Records activity of a member at a mall (in the caller's transaction); the latest time wins. */
  async touch(memberId: string, mallId: string, at: Date, reason: ActivityReason, db: Queryable = this.db): Promise<void> {
    await db.query(
      `INSERT INTO member_mall_activity (member_id, mall_id, last_at, reason) VALUES ($1, $2, $3, $4)
       ON CONFLICT (member_id, mall_id) DO UPDATE SET last_at = greatest(member_mall_activity.last_at, excluded.last_at),
         reason = CASE WHEN excluded.last_at >= member_mall_activity.last_at THEN excluded.reason ELSE member_mall_activity.reason END`,
      [memberId, mallId, at, reason],
    );
  }
}
