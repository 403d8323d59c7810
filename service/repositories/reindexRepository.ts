import type { DescriptorModel } from '../../models/faceModels.js';
import type { Queryable } from '../db/pool.js';

export interface StaleTemplate {
  id: string;
  label: number;
  memberId: string;
  photoKey: string | null;
  modelName: string;
  modelVersion: string;
}

/** Queries of re-indexing after a model change (kept apart from the everyday ones). */
export class ReindexRepository {
  constructor(private readonly db: Queryable) {}

  /** Templates of other models without a successor of `model`, in label order after `afterLabel`. */
  async stale(model: DescriptorModel, afterLabel: number, limit: number): Promise<StaleTemplate[]> {
    const { rows } = await this.db.query<{ id: string; label: string; member_id: string; photo_key: string | null; model_name: string; model_version: string }>(
      `SELECT o.id, o.label, o.member_id, o.photo_key, o.model_name, o.model_version FROM face_templates o
       WHERE (o.model_name, o.model_version) <> ($1, $2) AND o.label > $3
         AND NOT EXISTS (SELECT 1 FROM face_templates n WHERE n.reindexed_from = o.id AND n.model_name = $1 AND n.model_version = $2)
       ORDER BY o.label LIMIT $4`,
      [model.name, model.version, afterLabel, limit],
    );
    return rows.map((r) => ({ id: r.id, label: Number(r.label), memberId: r.member_id, photoKey: r.photo_key, modelName: r.model_name, modelVersion: r.model_version }));
  }

  async countStale(model: DescriptorModel): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM face_templates o WHERE (o.model_name, o.model_version) <> ($1, $2)
         AND NOT EXISTS (SELECT 1 FROM face_templates n WHERE n.reindexed_from = o.id AND n.model_name = $1 AND n.model_version = $2)`,
      [model.name, model.version],
    );
    return rows[0]!.n;
  }

  async exists(templateId: string, db: Queryable = this.db): Promise<boolean> {
    const { rowCount } = await db.query('SELECT 1 FROM face_templates WHERE id = $1', [templateId]);
    return (rowCount ?? 0) > 0;
  }

  /** Deletes templates of other models that have a successor of `model`; returns how many. */
  async pruneSucceeded(model: DescriptorModel): Promise<number> {
    const { rowCount } = await this.db.query(
      `DELETE FROM face_templates o WHERE (o.model_name, o.model_version) <> ($1, $2)
         AND EXISTS (SELECT 1 FROM face_templates n WHERE n.reindexed_from = o.id AND n.model_name = $1 AND n.model_version = $2)`,
      [model.name, model.version],
    );
    return rowCount ?? 0;
  }

}
