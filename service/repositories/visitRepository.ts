import type { Queryable } from '../db/pool.js';
import { historyPage } from './memberHistory.js';
import type { Page, PageCursor } from './pageCursor.js';

export interface Visit {
  id: string;
  memberId: string;
  /** Null once the trail's retention (TRAIL_RETENTION_DAYS) has passed: when stays, where goes. */
  cameraId: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  sightings: number;
}

interface VisitRow {
  id: string;
  member_id: string;
  camera_id: string | null;
  first_seen_at: Date;
  last_seen_at: Date;
  sightings: number;
}

const toVisit = (row: VisitRow): Visit => ({
  id: row.id,
  memberId: row.member_id,
  cameraId: row.camera_id,
  firstSeenAt: row.first_seen_at.toISOString(),
  lastSeenAt: row.last_seen_at.toISOString(),
  sightings: row.sightings,
});

export interface RecordedSighting {
  visit: Visit;
  /** False when the sighting joined a visit already under way at this camera. */
  newVisit: boolean;
}

export class VisitRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Records that `memberId` (a `memberKind`: member or visitor, as they are now) was seen by `cameraId` (in `mallId`) at `at`: it joins the member's latest visit at
   * that camera when within `dedupSeconds` of it, else starts a new visit. Call it inside a
   * transaction holding the member's row lock, so that simultaneous frames cannot both start one.
   */
  async recordSighting(memberId: string, memberKind: string, cameraId: string, mallId: string, at: Date, dedupSeconds: number, tx: Queryable): Promise<RecordedSighting> {
    const { rows: joined } = await tx.query<VisitRow>(
      `UPDATE visits SET last_seen_at = greatest(last_seen_at, $3), first_seen_at = least(first_seen_at, $3), sightings = sightings + 1
       WHERE id = (
         SELECT id FROM visits
         WHERE member_id = $1 AND camera_id = $2
           AND $3::timestamptz BETWEEN first_seen_at - make_interval(secs => $4) AND last_seen_at + make_interval(secs => $4)
         ORDER BY last_seen_at DESC LIMIT 1)
       RETURNING *`,
      [memberId, cameraId, at, dedupSeconds],
    );
    if (joined[0]) return { visit: toVisit(joined[0]), newVisit: false };
    const { rows } = await tx.query<VisitRow>(
      `INSERT INTO visits (member_id, camera_id, mall_id, first_seen_at, last_seen_at, member_kind) VALUES ($1, $2, $4, $3, $3, $5) RETURNING *`,
      [memberId, cameraId, at, mallId, memberKind],
    );
    return { visit: toVisit(rows[0]!), newVisit: true };
  }

  /** Whether the member visited the mall earlier in the local month (in `timeZone`) of this visit. */
  async visitedEarlierThisMonth(visit: Pick<Visit, 'id' | 'memberId' | 'firstSeenAt'>, mallId: string, timeZone: string, db: Queryable): Promise<boolean> {
    const { rows } = await db.query<{ earlier: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM visits WHERE member_id = $1 AND mall_id = $2 AND id <> $3 AND first_seen_at < $4
            AND first_seen_at >= date_trunc('month', $4::timestamptz AT TIME ZONE $5) AT TIME ZONE $5) AS earlier`,
      [visit.memberId, mallId, visit.id, visit.firstSeenAt, timeZone],
    );
    return rows[0]!.earlier;
  }

  /** The member's visits, newest first. */
  page(memberId: string, limit: number, after?: PageCursor): Promise<Page<Visit>> {
    return historyPage<VisitRow, Visit>(this.db, { table: 'visits', time: 'first_seen_at', key: 'id', keyType: 'uuid' }, memberId, limit, after, toVisit);
  }

  /** Marks a new visit as the one that brought the member back from dormancy (the dashboard counts them). */
  async markReturningFromDormant(visitId: string, memberId: string, tx: Queryable): Promise<void> {
    await tx.query('UPDATE visits SET returning_from_dormant = true WHERE member_id = $1 AND id = $2', [memberId, visitId]);
  }

  /**
   * The member's sightings on one local day, in the order they began, each with its mall: the day
   * is the mall's (its time zone, else `defaultTimeZone`). Only visits whose camera is still known
   * (within the trail's retention); `mallId` narrows them to one mall.
   */
  async trailOf(memberId: string, date: string, defaultTimeZone: string, mallId: string | null): Promise<(Visit & { mallId: string })[]> {
    const { rows } = await this.db.query<VisitRow & { mall_id: string }>(
      `SELECT v.id, v.member_id, v.camera_id, v.first_seen_at, v.last_seen_at, v.sightings, v.mall_id
         FROM visits v JOIN malls m ON m.id = v.mall_id
        WHERE v.member_id = $1 AND v.camera_id IS NOT NULL AND ($4::text IS NULL OR v.mall_id = $4)
          -- A day's bounds in each mall's zone, compared with the index's column as it is.
          AND v.first_seen_at >= ($2::date)::timestamp AT TIME ZONE coalesce(m.time_zone, $3)
          AND v.first_seen_at < ($2::date + 1)::timestamp AT TIME ZONE coalesce(m.time_zone, $3)
        ORDER BY v.first_seen_at, v.id`,
      [memberId, date, defaultTimeZone, mallId],
    );
    return rows.map((row) => ({ ...toVisit(row), mallId: row.mall_id }));
  }

  /** Forgets where visits that ended before `before` were (their camera); returns how many. */
  async forgetTrailsBefore(before: Date): Promise<number> {
    const { rowCount } = await this.db.query('UPDATE visits SET camera_id = NULL WHERE camera_id IS NOT NULL AND first_seen_at < $1 AND last_seen_at < $1', [before]);
    return rowCount ?? 0;
  }

  async countByMember(memberId: string, db: Queryable = this.db): Promise<number> {
    const { rows } = await db.query<{ count: string }>('SELECT count(*) FROM visits WHERE member_id = $1', [memberId]);
    return Number(rows[0]!.count);
  }
}
