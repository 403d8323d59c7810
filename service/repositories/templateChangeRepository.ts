import { servedMemberSql, type ServedScope } from './servedScope.js';
import type { DescriptorModel } from '../../models/faceModels.js';
import type { Queryable } from '../db/pool.js';
import type { DescriptorSealer } from './sealedDescriptors.js';

export const TEMPLATE_CHANGES_CHANNEL = 'visage_template_changes';

/** One change, ready to apply: an add carries the descriptor when the template (of this model) still exists. */
export interface TemplateChange {
  seq: number;
  op: 'add' | 'remove';
  templateId: string;
  memberId: string;
  label: number;
  /** Null for removes, and for adds whose template is gone again or was made by another model. */
  descriptor: number[] | null;
}

export interface ChangeLogState {
  instanceId: string;
  /** Changes up to here were compacted away. */
  horizon: number;
  /** The newest change. */
  latest: number;
}

/** The template change log (written by a trigger on face_templates) that keeps replicas in sync. */
export class TemplateChangeRepository {
  constructor(
    private readonly db: Queryable,
    private readonly sealer: DescriptorSealer,
  ) {}

  async state(): Promise<ChangeLogState> {
    const { rows } = await this.db.query<{ instance_id: string; change_horizon: string; latest: string | null }>(
      'SELECT instance_id, change_horizon, (SELECT max(seq) FROM template_changes) AS latest FROM visage_instance',
    );
    const row = rows[0]!;
    return { instanceId: row.instance_id, horizon: Number(row.change_horizon), latest: Number(row.latest ?? row.change_horizon) };
  }

  /**
   * Changes after `seq`, in order; an add carries its descriptor when the template is of `model`
   * (and, with a `scope`, of a member the replica serves: the others' adds are passed over).
   */
  async changesSince(seq: number, limit: number, model: DescriptorModel, scope?: ServedScope): Promise<TemplateChange[]> {
    const served = scope ? `AND ${servedMemberSql('c.member_id', 5, 6)}` : '';
    const { rows } = await this.db.query<{ seq: string; op: 'add' | 'remove'; template_id: string; member_id: string; label: string; wanted: boolean; descriptor: number[] | null; descriptor_sealed: Buffer | null }>(
      `SELECT c.seq, c.op, c.template_id, c.member_id, c.label, wanted,
              CASE WHEN wanted THEN t.descriptor END AS descriptor, CASE WHEN wanted THEN t.descriptor_sealed END AS descriptor_sealed
       FROM template_changes c LEFT JOIN face_templates t ON t.id = c.template_id,
            LATERAL (SELECT coalesce(c.op = 'add' AND t.model_name = $3 AND t.model_version = $4 ${served}, false) AS wanted) w
       WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`,
      scope ? [seq, limit, model.name, model.version, scope.mallIds, scope.activeSince] : [seq, limit, model.name, model.version],
    );
    // An add whose descriptor does not open (its member's key destroyed) is passed over like a template that is gone.
    const opened = await this.sealer.open(
      rows.map((r) => ({ memberId: r.member_id, templateId: r.template_id, plain: r.descriptor, sealed: r.descriptor_sealed })),
    );
    return rows.map((r, i) => ({
      seq: Number(r.seq),
      op: r.op,
      templateId: r.template_id,
      memberId: r.member_id,
      label: Number(r.label),
      descriptor: opened[i] ?? null,
    }));
  }

  /** Drops changes older than `olderThan` (keeping the newest), and moves the horizon past them. */
  async compact(olderThan: Date): Promise<number> {
    const { rows } = await this.db.query<{ removed: string }>(
      `WITH gone AS (
         DELETE FROM template_changes
         WHERE created_at < $1 AND seq < (SELECT max(seq) FROM template_changes)
         RETURNING seq),
       moved AS (
         UPDATE visage_instance SET change_horizon = greatest(change_horizon, (SELECT max(seq) FROM gone))
         WHERE EXISTS (SELECT 1 FROM gone))
       SELECT count(*) AS removed FROM gone`,
      [olderThan],
    );
    return Number(rows[0]!.removed);
  }
}
