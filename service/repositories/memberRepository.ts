import type pg from 'pg';
import { FOREIGN_KEY_VIOLATION, UNIQUE_VIOLATION, type Queryable } from '../db/pool.js';
import { toPage, type Page, type PageCursor } from './pageCursor.js';

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
  /** Visitors only: when they are purged unless converted. */
  expiresAt: string | null;
  /** The mall where the member enrolled, or one an operator set. */
  homeMallId: string;
  /** 'MM-DD' or 'YYYY-MM-DD' (the year is the member's to give). */
  birthday: string | null;
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
  /** `textVersion`: the version of the consent text shown (kept in the consent records). */
  consent?: { faceRecognition: boolean; source: string; textVersion?: string };
  expiresAt?: Date;
  homeMallId?: string;
  birthday?: string | null;
}

export type MemberPatch = Omit<NewMember, 'kind' | 'expiresAt'>;

/** One way to find a member: by phone, or by an external identifier of a kind. */
export type MemberLookup = { phone: string } | { kind: string; value: string } | { namePrefix: string };

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
  expires_at: Date | null;
  home_mall_id: string;
  birthday: string | null;
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
  expiresAt: row.expires_at?.toISOString() ?? null,
  homeMallId: row.home_mall_id,
  birthday: row.birthday,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** Members with their external ids gathered from member_external_ids. */
const SELECT_MEMBERS = `
  SELECT m.*, coalesce((SELECT jsonb_object_agg(e.kind, e.value) FROM member_external_ids e WHERE e.member_id = m.id), '{}'::jsonb) AS external_ids
  FROM members m`;

/** A write refused by a constraint the caller can name to the user: the domain raises its error. */
export class MemberConflict extends Error {
  constructor(readonly conflict: 'phone' | 'external_id' | 'home_mall') {
    super(`member write refused: ${conflict}`);
  }
}

/** A unique or foreign-key violation a member write can meet, as a MemberConflict; anything else as it was. */
function conflictOf(error: unknown): unknown {
  const { code, constraint } = error as pg.DatabaseError;
  if (code === UNIQUE_VIOLATION && constraint === 'members_phone_key') return new MemberConflict('phone');
  if (code === UNIQUE_VIOLATION && constraint === 'member_external_ids_pkey') return new MemberConflict('external_id');
  if (code === FOREIGN_KEY_VIOLATION && constraint === 'members_home_mall_id_fkey') return new MemberConflict('home_mall');
  return error;
}

export class MemberRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts the member and its external ids; run it in a transaction (`db`) when ids are given. */
  async create(input: NewMember, db: Queryable = this.db): Promise<Member> {
    try {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO members (kind, name, phone, tier, tags, consent_face_recognition, consent_source, consent_at, expires_at, home_mall_id, birthday)
         VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $6 THEN now() END, $8, $9, $10)
         RETURNING id`,
        [
          input.kind ?? 'member',
          input.name ?? null,
          input.phone ?? null,
          input.tier ?? 'standard',
          input.tags ?? [],
          input.consent?.faceRecognition ?? false,
          input.consent?.source ?? null,
          input.expiresAt ?? null,
          input.homeMallId ?? 'default',
          input.birthday ?? null,
        ],
      );
      const id = rows[0]!.id;
      if (input.externalIds) await this.replaceExternalIds(id, input.externalIds, db);
      return (await this.findById(id, db))!;
    } catch (error) {
      throw conflictOf(error);
    }
  }

  private async replaceExternalIds(id: string, externalIds: Record<string, string>, db: Queryable): Promise<void> {
    await db.query('DELETE FROM member_external_ids WHERE member_id = $1', [id]);
    const entries = Object.entries(externalIds);
    if (entries.length === 0) return;
    await db.query(
      `INSERT INTO member_external_ids (kind, value, member_id)
       SELECT kind, value, $3 FROM unnest($1::text[], $2::text[]) AS t (kind, value)`,
      [entries.map(([kind]) => kind), entries.map(([, value]) => value), id],
    );
  }

  /**
   * Members (not visitors) whose birthday is the local date of `now` in their home mall's time zone
   * (else `defaultTimeZone`); a 29 February birthday counts on 28 February in other years.
   */
  async withBirthdayToday(now: Date, defaultTimeZone: string): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM (
         SELECT m.id, right(m.birthday, 5) AS born, ($1::timestamptz AT TIME ZONE coalesce(ml.time_zone, $2))::date AS today
           FROM members m LEFT JOIN malls ml ON ml.id = m.home_mall_id
          WHERE m.birthday IS NOT NULL AND m.kind = 'member') b
        WHERE born = to_char(today, 'MM-DD')
           OR (born = '02-29' AND to_char(today, 'MM-DD') = '02-28' AND to_char(today + 1, 'MM-DD') = '03-01')`,
      [now, defaultTimeZone],
    );
    return rows.map((row) => row.id);
  }

  async findById(id: string, db: Queryable = this.db): Promise<Member | undefined> {
    const { rows } = await db.query<MemberRow>(`${SELECT_MEMBERS} WHERE m.id = $1`, [id]);
    return rows[0] && toMember(rows[0]);
  }

  /** Several members by id, in one query (absent ones are left out). */
  async findByIds(ids: readonly string[]): Promise<Member[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<MemberRow>(`${SELECT_MEMBERS} WHERE m.id = ANY($1::uuid[])`, [ids]);
    return rows.map(toMember);
  }

  /** Members found by phone, by an external id of a kind, or by the start of their name. */
  async find(lookup: MemberLookup, limit: number): Promise<Member[]> {
    let where: string;
    let values: unknown[];
    if ('phone' in lookup) [where, values] = ['m.phone = $1', [lookup.phone]];
    else if ('kind' in lookup) {
      [where, values] = ['m.id = (SELECT member_id FROM member_external_ids WHERE kind = $1 AND value = $2)', [lookup.kind, lookup.value]];
    } else {
      const escaped = lookup.namePrefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
      [where, values] = ["lower(m.name) LIKE $1 || '%'", [escaped]];
    }
    const { rows } = await this.db.query<MemberRow>(`${SELECT_MEMBERS} WHERE ${where} ORDER BY m.created_at DESC, m.id LIMIT ${limit}`, values);
    return rows.map(toMember);
  }

  /** Applies the fields present in `patch` (external ids: the whole set); a consent change records a new consent time. */
  async update(id: string, patch: MemberPatch & { kind?: MemberKind; expiresAt?: null; convertedAt?: Date }, db: Queryable = this.db): Promise<Member | undefined> {
    const sets: string[] = [];
    const values: unknown[] = [];
    const set = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (patch.kind !== undefined) set('kind', patch.kind);
    if (patch.expiresAt !== undefined) set('expires_at', patch.expiresAt);
    if (patch.convertedAt !== undefined) set('converted_at', patch.convertedAt);
    if (patch.name !== undefined) set('name', patch.name);
    if (patch.phone !== undefined) set('phone', patch.phone);
    if (patch.tier !== undefined) set('tier', patch.tier);
    if (patch.tags !== undefined) set('tags', patch.tags);
    if (patch.homeMallId !== undefined) set('home_mall_id', patch.homeMallId);
    if (patch.birthday !== undefined) set('birthday', patch.birthday);
    if (patch.consent !== undefined) {
      set('consent_face_recognition', patch.consent.faceRecognition);
      set('consent_source', patch.consent.source);
      sets.push('consent_at = now()');
    }
    sets.push('updated_at = now()');
    values.push(id);
    try {
      const result = await db.query(`UPDATE members SET ${sets.join(', ')} WHERE id = $${values.length}`, values);
      if (result.rowCount === 0) return undefined;
      if (patch.externalIds !== undefined) await this.replaceExternalIds(id, patch.externalIds, db);
      return this.findById(id, db);
    } catch (error) {
      throw conflictOf(error);
    }
  }

  /** Deletes the member row (templates, ids and events go with it: ON DELETE CASCADE); returns whether it existed. */
  async delete(id: string, db: Queryable = this.db): Promise<boolean> {
    const result = await db.query('DELETE FROM members WHERE id = $1', [id]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Locks the member row for the rest of the transaction (serialises enroll, events and purge). */
  async lockForUpdate(id: string, db: Queryable): Promise<Member | undefined> {
    const { rows } = await db.query<MemberRow>(`${SELECT_MEMBERS} WHERE m.id = $1 FOR UPDATE OF m`, [id]);
    return rows[0] && toMember(rows[0]);
  }

  /** Every member, newest first, a page at a time. */
  async page(limit: number, after?: PageCursor): Promise<Page<Member>> {
    const { rows } = await this.db.query<MemberRow>(
      `${SELECT_MEMBERS} WHERE ($1::timestamptz IS NULL OR (m.created_at, m.id) < ($1, $2::uuid))
       ORDER BY m.created_at DESC, m.id DESC LIMIT $3`,
      [after?.at ?? null, after?.id ?? null, limit + 1],
    );
    return toPage(rows, limit, toMember, (row) => ({ at: row.created_at, id: row.id }));
  }

  /** Ids of visitors whose time ran out. */
  async expiredVisitorIds(now: Date, limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM members WHERE kind = 'visitor' AND expires_at <= $1 ORDER BY expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => row.id);
  }
}
