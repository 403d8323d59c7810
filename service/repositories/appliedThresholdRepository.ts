import type { Queryable } from '../db/pool.js';

/** Notified when an admin applies or withdraws thresholds: every replica reads them again. */
export const THRESHOLD_CHANGES_CHANNEL = 'visage_threshold_changes';

export interface AppliedThresholds {
  /** In the model's own scale. */
  match: number;
  today: number;
  /** The admin key that applied them. */
  appliedBy: string | null;
  appliedAt: string;
}

interface AppliedRow {
  match_threshold: number;
  today_threshold: number;
  applied_by: string | null;
  applied_at: Date;
}

/** The thresholds an admin applied for a face model version (one row per version). */
export class AppliedThresholdRepository {
  constructor(private readonly db: Queryable) {}

  async get(modelVersion: string): Promise<AppliedThresholds | undefined> {
    const { rows } = await this.db.query<AppliedRow>('SELECT * FROM applied_thresholds WHERE model_version = $1', [modelVersion]);
    const row = rows[0];
    return row && { match: row.match_threshold, today: row.today_threshold, appliedBy: row.applied_by, appliedAt: row.applied_at.toISOString() };
  }

  /** Applies thresholds (replacing any) and tells every replica, in one statement. */
  async set(modelVersion: string, thresholds: { match: number; today: number }, appliedBy: string | null): Promise<void> {
    await this.db.query(
      `WITH applied AS (
         INSERT INTO applied_thresholds (model_version, match_threshold, today_threshold, applied_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (model_version) DO UPDATE SET match_threshold = $2, today_threshold = $3, applied_by = $4, applied_at = now()
         RETURNING 1
       )
       SELECT pg_notify($5, $1) FROM applied`,
      [modelVersion, thresholds.match, thresholds.today, appliedBy, THRESHOLD_CHANGES_CHANNEL],
    );
  }

  /** Withdraws them (the configuration's are in force again); false when none were applied. */
  async clear(modelVersion: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `WITH gone AS (DELETE FROM applied_thresholds WHERE model_version = $1 RETURNING 1)
       SELECT pg_notify($2, $1) FROM gone`,
      [modelVersion, THRESHOLD_CHANGES_CHANNEL],
    );
    return rows.length > 0;
  }
}
