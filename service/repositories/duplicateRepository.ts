import type { DescriptorModel } from '../../models/faceModels.js';
import type { Queryable } from '../db/pool.js';
import type { IndexableTemplate } from './faceTemplateRepository.js';
import { DESCRIPTOR_COLUMNS, openRows, type DescriptorRow, type DescriptorSealer } from './sealedDescriptors.js';

export type SuspectStatus = 'pending' | 'dismissed' | 'merged';

/** Two members whose faces look alike: the newer template's member first. */
export interface DuplicateSuspect {
  id: string;
  memberId: string;
  faceId: string;
  otherMemberId: string;
  otherFaceId: string;
  similarity: number;
  status: SuspectStatus;
  foundAt: string;
  decidedAt: string | null;
}

interface SuspectRow {
  id: string;
  member_id: string;
  face_id: string;
  other_member_id: string;
  other_face_id: string;
  similarity: number;
  status: SuspectStatus;
  found_at: Date;
  decided_at: Date | null;
}

const toSuspect = (row: SuspectRow): DuplicateSuspect => ({
  id: row.id,
  memberId: row.member_id,
  faceId: row.face_id,
  otherMemberId: row.other_member_id,
  otherFaceId: row.other_face_id,
  similarity: Number(row.similarity.toFixed(4)),
  status: row.status,
  foundAt: row.found_at.toISOString(),
  decidedAt: row.decided_at?.toISOString() ?? null,
});

/** Sweep lock key: one replica sweeps at a time. */
const SWEEP_LOCK = 7_264_190_211;

/** Suspected double enrollments and the sweep's position. */
export class DuplicateRepository {
  constructor(
    private readonly db: Queryable,
    private readonly sealer: DescriptorSealer,
  ) {}

  /** Takes the sweep's lock for the transaction; false when another replica is sweeping. */
  async lockSweep(tx: Queryable): Promise<boolean> {
    const { rows } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [SWEEP_LOCK]);
    return rows[0]!.locked;
  }

  async position(tx: Queryable): Promise<number> {
    const { rows } = await tx.query<{ last_label: string }>('SELECT last_label FROM duplicate_sweep');
    return Number(rows[0]!.last_label);
  }

  async advance(label: number, tx: Queryable): Promise<void> {
    await tx.query('UPDATE duplicate_sweep SET last_label = greatest(last_label, $1)', [label]);
  }

  /**
   * Templates of one model added after `afterLabel`, in label order, and the last label read (a
   * template that does not open is left out, and still passed: the sweep never sticks on it).
   */
  async templatesAfter(afterLabel: number, model: DescriptorModel, limit: number, tx: Queryable): Promise<{ templates: IndexableTemplate[]; lastLabel: number | undefined }> {
    const { rows } = await tx.query<DescriptorRow & { label: string }>(
      `SELECT id, label, member_id, ${DESCRIPTOR_COLUMNS} FROM face_templates
        WHERE label > $1 AND model_name = $2 AND model_version = $3 ORDER BY label LIMIT $4`,
      [afterLabel, model.name, model.version, limit],
    );
    const templates = (await openRows(this.sealer, rows)).map((r) => ({ id: r.id, label: Number(r.label), memberId: r.member_id, descriptor: r.opened }));
    return { templates, lastLabel: rows.length > 0 ? Number(rows[rows.length - 1]!.label) : undefined };
  }

  /** Records suspicions; a pair already suspected (either way round, whatever its status) is kept as it is. */
  async insert(suspects: Omit<DuplicateSuspect, 'id' | 'status' | 'foundAt' | 'decidedAt'>[], tx: Queryable): Promise<number> {
    let added = 0;
    for (const s of suspects) {
      const result = await tx.query(
        `INSERT INTO duplicate_suspects (member_id, face_id, other_member_id, other_face_id, similarity)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [s.memberId, s.faceId, s.otherMemberId, s.otherFaceId, s.similarity],
      );
      added += result.rowCount ?? 0;
    }
    return added;
  }

  async pending(limit: number): Promise<DuplicateSuspect[]> {
    const { rows } = await this.db.query<SuspectRow>(
      "SELECT * FROM duplicate_suspects WHERE status = 'pending' ORDER BY found_at DESC, id LIMIT $1",
      [limit],
    );
    return rows.map(toSuspect);
  }

  /** Locks a suspicion for the rest of the transaction. */
  async lock(id: string, tx: Queryable): Promise<DuplicateSuspect | undefined> {
    const { rows } = await tx.query<SuspectRow>('SELECT * FROM duplicate_suspects WHERE id = $1 FOR UPDATE', [id]);
    return rows[0] && toSuspect(rows[0]);
  }

  async decide(id: string, status: Exclude<SuspectStatus, 'pending'>, tx: Queryable): Promise<DuplicateSuspect> {
    const { rows } = await tx.query<SuspectRow>('UPDATE duplicate_suspects SET status = $2, decided_at = now() WHERE id = $1 RETURNING *', [id, status]);
    return toSuspect(rows[0]!);
  }

  /** A purged member leaves no suspicion behind, on either side of a pair. */
  async deleteByMember(memberId: string, tx: Queryable): Promise<void> {
    await tx.query('DELETE FROM duplicate_suspects WHERE member_id = $1 OR other_member_id = $1', [memberId]);
  }
}
