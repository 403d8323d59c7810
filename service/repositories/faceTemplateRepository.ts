import type { Box } from '../../models/types.js';
import type { DescriptorModel } from '../../models/faceModels.js';
import { servedMemberSql, type ServedScope } from './servedScope.js';
import type { Queryable } from '../db/pool.js';
import { DESCRIPTOR_COLUMNS, openRows, type DescriptorRow, type DescriptorSealer } from './sealedDescriptors.js';

/** `enrolled`: from a photo given to enroll; `adaptive`: learnt from a clear recognition at a till. */
export type TemplateKind = 'enrolled' | 'adaptive';

export interface FaceTemplate {
  id: string;
  label: number;
  kind: TemplateKind;
  memberId: string;
  modelName: string;
  modelVersion: string;
  box: Box;
  quality: Record<string, unknown>;
  photoKey: string | null;
  createdAt: string;
}

export interface NewFaceTemplate {
  id: string;
  memberId: string;
  descriptor: ArrayLike<number>;
  modelName: string;
  modelVersion: string;
  box: Box;
  quality: object;
  photoKey: string | null;
  /** Set when this template recomputes another (re-indexing after a model change). */
  reindexedFrom?: string;
  /** SHA-256 of the uploaded photo (enrollment is idempotent per member and photo). */
  photoDigest?: Buffer;
  /** Unset: `enrolled`, or, for a recomputed template, the kind of the one it recomputes. */
  kind?: TemplateKind;
  /** Unset: the database's clock (an adaptive template is dated by the service's, which its once-a-day rule reads). */
  createdAt?: Date;
}

/** What the index needs of a template. */
export interface IndexableTemplate {
  id: string;
  label: number;
  memberId: string;
  descriptor: number[];
}

interface TemplateRow {
  id: string;
  label: string; // bigint arrives as a string
  kind: TemplateKind;
  member_id: string;
  model_name: string;
  model_version: string;
  box: Box;
  quality: Record<string, unknown>;
  photo_key: string | null;
  created_at: Date;
}

const toTemplate = (row: TemplateRow): FaceTemplate => ({
  id: row.id,
  label: Number(row.label),
  kind: row.kind,
  memberId: row.member_id,
  modelName: row.model_name,
  modelVersion: row.model_version,
  box: row.box,
  quality: row.quality,
  photoKey: row.photo_key,
  createdAt: row.created_at.toISOString(),
});

const METADATA_COLUMNS = 'id, label, kind, member_id, model_name, model_version, box, quality, photo_key, created_at';

const toIndexable = (row: DescriptorRow & { label: string; opened: number[] }): IndexableTemplate => ({
  id: row.id,
  label: Number(row.label),
  memberId: row.member_id,
  descriptor: row.opened,
});

/**
 * Face templates. Descriptors are written sealed under the member's data key and opened where they
 * are read (the `sealer`, README "Privacy"); a row that does not open is reported and left out.
 */
export class FaceTemplateRepository {
  constructor(
    private readonly db: Queryable,
    private readonly sealer: DescriptorSealer,
  ) {}

  async insert(template: NewFaceTemplate, db: Queryable = this.db): Promise<FaceTemplate> {
    // Photos are sealed by the blob store that keeps them (service/blob/sealedBlobStore.ts).
    const { rows } = await db.query<TemplateRow>(
      `INSERT INTO face_templates (id, member_id, descriptor_sealed, model_name, model_version, box, quality, photo_key, reindexed_from, photo_digest, kind, created_at, photo_sealed)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
               COALESCE($11, (SELECT kind FROM face_templates WHERE id = $9), 'enrolled'), COALESCE($12, now()), true)
       RETURNING ${METADATA_COLUMNS}`,
      [
        template.id,
        template.memberId,
        await this.sealer.seal(template.memberId, template.id, template.descriptor),
        template.modelName,
        template.modelVersion,
        JSON.stringify(template.box),
        JSON.stringify(template.quality),
        template.photoKey,
        template.reindexedFrom ?? null,
        template.photoDigest ?? null,
        template.kind ?? null,
        template.createdAt ?? null,
      ],
    );
    return toTemplate(rows[0]!);
  }

  /** A member's adaptive templates of a model, oldest first (the one to replace comes first). */
  async adaptiveOf(memberId: string, model: DescriptorModel, db: Queryable = this.db): Promise<FaceTemplate[]> {
    const { rows } = await db.query<TemplateRow>(
      `SELECT ${METADATA_COLUMNS} FROM face_templates
       WHERE member_id = $1 AND kind = 'adaptive' AND model_name = $2 AND model_version = $3 ORDER BY created_at, label`,
      [memberId, model.name, model.version],
    );
    return rows.map(toTemplate);
  }

  /** The descriptors of a member's enrolled templates of a model (what an adaptive one must still match). */
  async enrolledDescriptors(memberId: string, model: DescriptorModel, db: Queryable = this.db): Promise<number[][]> {
    const { rows } = await db.query<DescriptorRow>(
      `SELECT id, member_id, ${DESCRIPTOR_COLUMNS} FROM face_templates WHERE member_id = $1 AND kind = 'enrolled' AND model_name = $2 AND model_version = $3`,
      [memberId, model.name, model.version],
    );
    return (await openRows(this.sealer, rows)).map((row) => row.opened);
  }

  /** The member's template made from this very photo, if any. */
  async findByDigest(memberId: string, digest: Buffer, db: Queryable = this.db): Promise<FaceTemplate | undefined> {
    const { rows } = await db.query<TemplateRow>(`SELECT ${METADATA_COLUMNS} FROM face_templates WHERE member_id = $1 AND photo_digest = $2`, [memberId, digest]);
    return rows[0] && toTemplate(rows[0]);
  }

  async listByMember(memberId: string, db: Queryable = this.db): Promise<FaceTemplate[]> {
    const { rows } = await db.query<TemplateRow>(
      `SELECT ${METADATA_COLUMNS} FROM face_templates WHERE member_id = $1 ORDER BY created_at, label`,
      [memberId],
    );
    return rows.map(toTemplate);
  }

  async findOne(memberId: string, templateId: string): Promise<FaceTemplate | undefined> {
    const { rows } = await this.db.query<TemplateRow>(`SELECT ${METADATA_COLUMNS} FROM face_templates WHERE member_id = $1 AND id = $2`, [memberId, templateId]);
    return rows[0] && toTemplate(rows[0]);
  }

  async listByMemberWithDescriptors(memberId: string): Promise<(FaceTemplate & { descriptor: number[] })[]> {
    const { rows } = await this.db.query<TemplateRow & DescriptorRow>(
      `SELECT ${METADATA_COLUMNS}, ${DESCRIPTOR_COLUMNS} FROM face_templates WHERE member_id = $1 ORDER BY created_at, label`,
      [memberId],
    );
    return (await openRows(this.sealer, rows)).map((row) => ({ ...toTemplate(row), descriptor: row.opened }));
  }

  async deleteOne(memberId: string, templateId: string, db: Queryable = this.db): Promise<FaceTemplate | undefined> {
    const { rows } = await db.query<TemplateRow>(
      `DELETE FROM face_templates WHERE member_id = $1 AND id = $2 RETURNING ${METADATA_COLUMNS}`,
      [memberId, templateId],
    );
    return rows[0] && toTemplate(rows[0]);
  }

  async deleteByMember(memberId: string, db: Queryable = this.db): Promise<FaceTemplate[]> {
    const { rows } = await db.query<TemplateRow>(
      `DELETE FROM face_templates WHERE member_id = $1 RETURNING ${METADATA_COLUMNS}`,
      [memberId],
    );
    return rows.map(toTemplate);
  }

  /** Whether another template (e.g. a re-indexed copy) still uses this photo. */
  async photoShared(photoKey: string, exceptTemplateId: string, db: Queryable = this.db): Promise<boolean> {
    const { rowCount } = await db.query('SELECT 1 FROM face_templates WHERE photo_key = $1 AND id <> $2 LIMIT 1', [photoKey, exceptTemplateId]);
    return (rowCount ?? 0) > 0;
  }

  /** The templates (with descriptors) of one model of some members (a replica loading members who joined its malls). */
  async forMembers(memberIds: readonly string[], model: DescriptorModel): Promise<IndexableTemplate[]> {
    if (memberIds.length === 0) return [];
    const { rows } = await this.db.query<DescriptorRow & { label: string }>(
      `SELECT id, label, member_id, ${DESCRIPTOR_COLUMNS} FROM face_templates WHERE member_id = ANY($1::uuid[]) AND model_name = $2 AND model_version = $3`,
      [memberIds, model.name, model.version],
    );
    return (await openRows(this.sealer, rows)).map(toIndexable);
  }

  /**
   * Templates an older version stored in the clear (a plain descriptor, or a photo not yet
   * sealed), locked for the caller's transaction; others running the same upgrade skip them.
   */
  async lockUnsealed(limit: number, tx: Queryable): Promise<{ id: string; memberId: string; descriptor: number[] | null; photoKey: string | null; photoSealed: boolean }[]> {
    const { rows } = await tx.query<{ id: string; member_id: string; descriptor: number[] | null; photo_key: string | null; photo_sealed: boolean }>(
      `SELECT id, member_id, descriptor, photo_key, photo_sealed FROM face_templates
        WHERE descriptor IS NOT NULL OR NOT photo_sealed ORDER BY label LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, memberId: r.member_id, descriptor: r.descriptor, photoKey: r.photo_key, photoSealed: r.photo_sealed }));
  }

  /** Replaces a plain descriptor with its sealed form, and records the photo sealed. */
  async markSealed(template: { id: string; memberId: string; descriptor: number[] | null }, tx: Queryable): Promise<void> {
    const sealed = template.descriptor ? await this.sealer.seal(template.memberId, template.id, template.descriptor) : null;
    await tx.query(
      `UPDATE face_templates SET descriptor_sealed = coalesce($2, descriptor_sealed), descriptor = CASE WHEN $2::bytea IS NULL THEN descriptor END, photo_sealed = true
        WHERE id = $1`,
      [template.id, sealed],
    );
  }

  /** How many templates still hold something in the clear (the upgrade's progress). */
  async countUnsealed(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM face_templates WHERE descriptor IS NOT NULL OR NOT photo_sealed');
    return rows[0]!.n;
  }

  /** How many templates of one model the whole group has (the group partition's size, for a replica that does not hold it). */
  async countOfModel(model: DescriptorModel): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM face_templates WHERE model_name = $1 AND model_version = $2', [model.name, model.version]);
    return rows[0]!.n;
  }

  /** Every template of one model, with descriptors (the group-wide search of a replica that does not hold the group; only while it is small). */
  async allOfModel(model: DescriptorModel): Promise<IndexableTemplate[]> {
    const { rows } = await this.db.query<DescriptorRow & { label: string }>(
      `SELECT id, label, member_id, ${DESCRIPTOR_COLUMNS} FROM face_templates WHERE model_name = $1 AND model_version = $2`,
      [model.name, model.version],
    );
    return (await openRows(this.sealer, rows)).map(toIndexable);
  }

  /**
   * The templates (with descriptors) of one model of the members a second factor names: those
   * whose phone ends in `last4` (through the index on the digits), or the one with `phone`.
   */
  async forSecondFactor(factor: { last4: string } | { phone: string }, model: DescriptorModel, db: Queryable = this.db): Promise<IndexableTemplate[]> {
    // A whole number is compared by its digits ("+86 138…" and "86138…" are one phone), found through the last four's index.
    const digits = 'phone' in factor ? factor.phone.replace(/\D/g, '') : '';
    const [where, value] =
      'last4' in factor ? ['m.phone_last4 = $1', factor.last4] : [`m.phone_last4 = right($1, 4) AND regexp_replace(m.phone, '[^0-9]', '', 'g') = $1`, digits];
    const { rows } = await db.query<DescriptorRow & { label: string }>(
      `SELECT t.id, t.label, t.member_id, t.descriptor, t.descriptor_sealed FROM face_templates t JOIN members m ON m.id = t.member_id
        WHERE ${where} AND t.model_name = $2 AND t.model_version = $3`,
      [value, model.name, model.version],
    );
    return (await openRows(this.sealer, rows)).map(toIndexable);
  }

  /**
   * Every template of one model with its descriptor (of the served members only, with a
   * `scope`), in label order, a page at a time (keyset pagination).
   */
  async *streamForIndex(model: DescriptorModel, scope?: ServedScope, pageSize = 5000): AsyncGenerator<IndexableTemplate[]> {
    let after = -1;
    const served = scope ? `AND ${servedMemberSql('member_id', 5, 6)}` : '';
    for (;;) {
      const { rows } = await this.db.query<DescriptorRow & { label: string }>(
        `SELECT id, label, member_id, ${DESCRIPTOR_COLUMNS} FROM face_templates
         WHERE label > $1 AND model_name = $3 AND model_version = $4 ${served} ORDER BY label LIMIT $2`,
        scope ? [after, pageSize, model.name, model.version, scope.mallIds, scope.activeSince] : [after, pageSize, model.name, model.version],
      );
      if (rows.length === 0) return;
      yield (await openRows(this.sealer, rows)).map(toIndexable);
      after = Number(rows[rows.length - 1]!.label);
    }
  }
}

/** A template of another descriptor model, waiting to be recomputed. */
