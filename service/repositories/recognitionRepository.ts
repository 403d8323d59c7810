import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/pool.js';
import type { ProbeSealer } from './sealedDescriptors.js';

/** A face as a till saw it, named by a single-use id (RECOGNITION_TTL_SECONDS). */
export interface Recognition {
  id: string;
  keyId: string;
  mallId: string;
  storeId: string | null;
  /** The member the face was matched to (by identify or a second factor); null while unknown. */
  memberId: string | null;
  via: string | null;
  /** The face's descriptor while the recognition is live; null once expired. */
  descriptor: number[] | null;
  modelName: string;
  liveness: boolean | null;
  secondFactorTries: number;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface NewRecognition {
  keyId: string;
  mallId: string;
  storeId: string | null;
  memberId: string | null;
  via: string | null;
  descriptor: ArrayLike<number>;
  modelName: string;
  liveness: boolean | null;
  expiresAt: Date;
}

interface RecognitionRow {
  id: string;
  key_id: string;
  mall_id: string;
  store_id: string | null;
  member_id: string | null;
  via: string | null;
  descriptor: number[] | null;
  descriptor_sealed: Buffer | null;
  probe_key_id: string | null;
  model_name: string;
  liveness: boolean | null;
  second_factor_tries: number;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

const toRecognition = (row: RecognitionRow, descriptor: number[] | null): Recognition => ({
  id: row.id,
  keyId: row.key_id,
  mallId: row.mall_id,
  storeId: row.store_id,
  memberId: row.member_id,
  via: row.via,
  descriptor,
  modelName: row.model_name,
  liveness: row.liveness,
  secondFactorTries: row.second_factor_tries,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  usedAt: row.used_at,
});

const FORGET = 'descriptor = NULL, descriptor_sealed = NULL, probe_key_id = NULL';
const HELD = '(descriptor IS NOT NULL OR descriptor_sealed IS NOT NULL)';

/**
 * Recognitions. Their descriptors (probes) are sealed under the hour's probe key, destroyed once
 * every probe it sealed has expired: a WAL archive's copy of a till's probe stops opening within
 * about two hours, whoever's face it was (README "Privacy").
 */
export class RecognitionRepository {
  constructor(
    private readonly db: Queryable,
    private readonly sealer: ProbeSealer,
  ) {}

  /**
   * Records the faces of one identification (one statement) in the caller's transaction `tx`,
   * whose commit then does not wait for the WAL flush: every till identify writes recognitions,
   * and a flush each was its largest cost. A crash can lose the last moment's recognitions, never
   * anything else: a lost one is unknown (the till identifies the face again), never usable.
   */
  async insertMany(recognitions: NewRecognition[], tx: Queryable): Promise<string[]> {
    if (recognitions.length === 0) return [];
    await tx.query('SET LOCAL synchronous_commit = off');
    const ids = recognitions.map(() => randomUUID());
    const probes = await Promise.all(recognitions.map((r, i) => this.sealer.seal(ids[i]!, r.descriptor)));
    const values: unknown[] = [];
    const tuples = recognitions.map((r, i) => {
      values.push(ids[i], r.keyId, r.mallId, r.storeId, r.memberId, r.via, probes[i]!.sealed, probes[i]!.keyId, r.modelName, r.liveness, r.expiresAt);
      const at = values.length - 11;
      return `(${Array.from({ length: 11 }, (_, k) => `$${at + k + 1}`).join(', ')})`;
    });
    await tx.query(
      `INSERT INTO recognitions (id, key_id, mall_id, store_id, member_id, via, descriptor_sealed, probe_key_id, model_name, liveness, expires_at) VALUES ${tuples.join(', ')}`,
      values,
    );
    return ids;
  }

  /** Reads a recognition and locks it for the rest of the transaction (one second factor at a time). */
  async lock(id: string, db: Queryable): Promise<Recognition | undefined> {
    const { rows } = await db.query<RecognitionRow>('SELECT * FROM recognitions WHERE id = $1 FOR UPDATE', [id]);
    const row = rows[0];
    if (!row) return undefined;
    // A probe whose key is gone (older than any live recognition) reads as expired: no descriptor.
    const descriptor = row.descriptor_sealed && row.probe_key_id ? ((await this.sealer.open(row.id, row.probe_key_id, row.descriptor_sealed)) ?? null) : row.descriptor;
    return toRecognition(row, descriptor);
  }

  async countTry(id: string, db: Queryable): Promise<void> {
    await db.query('UPDATE recognitions SET second_factor_tries = second_factor_tries + 1 WHERE id = $1', [id]);
  }

  /** Spends the recognition (single use): what it was used for, and when. */
  async markUsed(id: string, at: Date, usedFor: string, db: Queryable): Promise<void> {
    await db.query('UPDATE recognitions SET used_at = $2, used_for = $3 WHERE id = $1', [id, at, usedFor]);
  }

  /** The member a second factor found: the recognition now names them. */
  async attachMember(id: string, memberId: string, via: string, db: Queryable): Promise<void> {
    await db.query('UPDATE recognitions SET member_id = $2, via = $3, second_factor_tries = second_factor_tries + 1 WHERE id = $1', [id, memberId, via]);
  }

  /** Drops the descriptors of a member's live recognitions (their consent to face recognition withdrawn). */
  async forgetDescriptorsOf(memberId: string, tx: Queryable = this.db): Promise<void> {
    await tx.query(`UPDATE recognitions SET ${FORGET} WHERE member_id = $1 AND ${HELD}`, [memberId]);
  }

  /**
   * Forgets the descriptors of expired recognitions, and the rows themselves `keepSeconds` after
   * they expired (until then a late use is told "expired", not "unknown").
   */
  async sweep(now: Date, keepSeconds: number): Promise<{ forgotten: number; deleted: number }> {
    const forgotten = await this.db.query(`UPDATE recognitions SET ${FORGET} WHERE expires_at <= $1 AND ${HELD}`, [now]);
    const deleted = await this.db.query('DELETE FROM recognitions WHERE expires_at <= $1::timestamptz - make_interval(secs => $2)', [now, keepSeconds]);
    return { forgotten: forgotten.rowCount ?? 0, deleted: deleted.rowCount ?? 0 };
  }
}
