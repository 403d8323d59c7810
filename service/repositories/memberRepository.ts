import type pg from 'pg';
import { AppError } from '../errors.js';
import { UNIQUE_VIOLATION, type Queryable } from '../db/pool.js';

export type MemberKind = 'member' | 'visitor';

export interface Consent {
  faceRecognition: boolean;
  source: string | null;
  at: string | null;
}

export interface Member {
  id: string;
  kind: MemberKind;
  name: string | null;
  phone: string | null;
  externalIds: Record<string, string>;
  tier: string;
  tags: string[];
  consent: Consent;
  createdAt: string;
  updatedAt: string;
}

export interface NewMember {
  kind?: MemberKind;
  name?: string | null;
  phone?: string | null;
  externalIds?: Record<string, string>;
  tier?: string;
  tags?: string[];
  consent?: { faceRecognition: boolean; source: string };
}

export type MemberPatch = Omit<NewMember, 'kind'>;

interface MemberRow {
  id: string;
  kind: MemberKind;
  name: string | null;
  phone: string | null;
  external_ids: Record<string, string>;
  tier: string;
  tags: string[];
  consent_face_recognition: boolean;
  consent_source: string | null;
  consent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toMember = (row: MemberRow): Member => ({
  id: row.id,
  kind: row.kind,
  name: row.name,
  phone: row.phone,
  externalIds: row.external_ids,
  tier: row.tier,
  tags: row.tags,
  consent: {
    faceRecognition: row.consent_face_recognition,
    source: row.consent_source,
    at: row.consent_at?.toISOString() ?? null,
  },
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

function rethrowConflict(error: unknown): never {
  if ((error as pg.DatabaseError).code === UNIQUE_VIOLATION && (error as pg.DatabaseError).constraint === 'members_phone_key') {
    throw new AppError('PHONE_ALREADY_REGISTERED', 'another member already has this phone number');
  }
  throw error;
}

export class MemberRepository {
  constructor(private readonly db: Queryable) {}

  async create(input: NewMember): Promise<Member> {
    try {
      const { rows } = await this.db.query<MemberRow>(
        `INSERT INTO members (kind, name, phone, external_ids, tier, tags,
                              consent_face_recognition, consent_source, consent_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $7 THEN now() END)
         RETURNING *`,
        [
          input.kind ?? 'member',
          input.name ?? null,
          input.phone ?? null,
          JSON.stringify(input.externalIds ?? {}),
          input.tier ?? 'standard',
          input.tags ?? [],
          input.consent?.faceRecognition ?? false,
          input.consent?.source ?? null,
        ],
      );
      return toMember(rows[0]!);
    } catch (error) {
      rethrowConflict(error);
    }
  }

  async findById(id: string, db: Queryable = this.db): Promise<Member | undefined> {
    const { rows } = await db.query<MemberRow>('SELECT * FROM members WHERE id = $1', [id]);
    return rows[0] && toMember(rows[0]);
  }

  /** Applies the fields present in `patch`; a consent change records a new consent time. */
  async update(id: string, patch: MemberPatch): Promise<Member | undefined> {
    const sets: string[] = [];
    const values: unknown[] = [];
    const set = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (patch.name !== undefined) set('name', patch.name);
    if (patch.phone !== undefined) set('phone', patch.phone);
    if (patch.externalIds !== undefined) set('external_ids', JSON.stringify(patch.externalIds));
    if (patch.tier !== undefined) set('tier', patch.tier);
    if (patch.tags !== undefined) set('tags', patch.tags);
    if (patch.consent !== undefined) {
      set('consent_face_recognition', patch.consent.faceRecognition);
      set('consent_source', patch.consent.source);
      sets.push('consent_at = now()');
    }
    sets.push('updated_at = now()');
    values.push(id);
    try {
      const { rows } = await this.db.query<MemberRow>(
        `UPDATE members SET ${sets.join(', ')} WHERE id = $${values.length} RETURNING *`,
        values,
      );
      return rows[0] && toMember(rows[0]);
    } catch (error) {
      rethrowConflict(error);
    }
  }

  /** Deletes the member row (its templates go with it: ON DELETE CASCADE); returns whether it existed. */
  async delete(id: string, db: Queryable = this.db): Promise<boolean> {
    const result = await db.query('DELETE FROM members WHERE id = $1', [id]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Locks the member row for the rest of the transaction (serialises enroll against purge). */
  async lockForUpdate(id: string, db: Queryable): Promise<Member | undefined> {
    const { rows } = await db.query<MemberRow>('SELECT * FROM members WHERE id = $1 FOR UPDATE', [id]);
    return rows[0] && toMember(rows[0]);
  }
}
