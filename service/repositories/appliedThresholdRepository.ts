import type { ThresholdFit } from '../../models/faceModels.js';
import type { Queryable } from '../db/pool.js';

/** Notified when an admin applies or withdraws thresholds: every replica reads them again. */
export const THRESHOLD_CHANGES_CHANNEL = 'visage_threshold_changes';

export interface AppliedThresholds {
  /** In the model's own scale. */
  match: number;
  today: number;
  /** Null for thresholds applied before fits were recorded (a floor under LFW's size rule, as then). */
  fittedFor: ThresholdFit | null;
  /** The admin key that applied them. */
  appliedBy: string | null;
  appliedAt: string;
}

interface AppliedRow {
  match_threshold: number;
  today_threshold: number;
  applied_by: string | null;
  applied_at: Date;
  fitted_templates: number | null;
  fitted_target_fpir: number | null;
}

/** The thresholds an admin applied for a face model version (one row per version). */
export class AppliedThresholdRepository {
  constructor(private readonly db: Queryable) {}

  async get(modelVersion: string): Promise<AppliedThresholds | undefined> {
    const { rows } = await this.db.query<AppliedRow>('SELECT * FROM applied_thresholds WHERE model_version = $1', [modelVersion]);
    const row = rows[0];
    if (!row) return undefined;
    const fittedFor = row.fitted_templates === null || row.fitted_target_fpir === null ? null : { templates: row.fitted_templates, targetFpir: row.fitted_target_fpir };
    return { match: row.match_threshold, today: row.today_threshold, fittedFor, appliedBy: row.applied_by, appliedAt: row.applied_at.toISOString() };
  }

  /** Applies thresholds (replacing any) and tells every replica, in one statement. */
  async set(modelVersion: string, thresholds: { match: number; today: number; fittedFor: ThresholdFit }, appliedBy: string | null): Promise<void> {
    const { match, today, fittedFor } = thresholds;
    await this.db.query(
      `WITH applied AS (
         INSERT INTO applied_thresholds (model_version, match_threshold, today_threshold, applied_by, fitted_templates, fitted_target_fpir)
         VALUES ($1, $2, $3, $4, $6, $7)
         ON CONFLICT (model_version) DO UPDATE
           SET match_threshold = $2, today_threshold = $3, applied_by = $4, applied_at = now(), fitted_templates = $6, fitted_target_fpir = $7
         RETURNING 1
       )
       SELECT pg_notify($5, $1) FROM applied`,
      [modelVersion, match, today, appliedBy, THRESHOLD_CHANGES_CHANNEL, fittedFor.templates, fittedFor.targetFpir],
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
