import type { Queryable } from '../db/pool.js';

/** A data key as the keystore holds it: wrapped by the master key named. */
export interface WrappedKey {
  ownerId: string;
  wrapped: Buffer;
  masterKeyId: string;
}

type KeyTable = 'member_keys' | 'snapshot_keys' | 'probe_keys';
/** Keys named by an id of their own (not a member's): an index snapshot's, an hour's probes'. */
export type OwnKeyTable = Exclude<KeyTable, 'member_keys'>;
const OWNER: Record<KeyTable, string> = { member_keys: 'member_id', snapshot_keys: 'id', probe_keys: 'id' };
export const KEY_TABLES: readonly KeyTable[] = ['member_keys', 'snapshot_keys', 'probe_keys'];

/**
 * The keystore's SQL (its own database, KEYSTORE_DATABASE_URL): members' data keys and index
 * snapshots' keys, always wrapped. Deleting a row is the crypto-shredding of what that key sealed.
 */
export class MemberKeyRepository {
  constructor(private readonly db: Queryable) {}

  /** Stores a member's key unless one exists; returns the one that is kept (the first writer's). */
  async insertMemberKey(key: WrappedKey): Promise<WrappedKey> {
    const { rows } = await this.db.query<{ member_id: string; wrapped: Buffer; master_key_id: string }>(
      `WITH inserted AS (
         INSERT INTO member_keys (member_id, wrapped, master_key_id) VALUES ($1, $2, $3)
         ON CONFLICT (member_id) DO NOTHING RETURNING member_id, wrapped, master_key_id)
       SELECT * FROM inserted UNION ALL SELECT member_id, wrapped, master_key_id FROM member_keys WHERE member_id = $1 LIMIT 1`,
      [key.ownerId, key.wrapped, key.masterKeyId],
    );
    return toKey(rows[0]!, 'member_id');
  }

  async memberKeys(memberIds: readonly string[]): Promise<WrappedKey[]> {
    if (memberIds.length === 0) return [];
    const { rows } = await this.db.query<{ member_id: string; wrapped: Buffer; master_key_id: string }>(
      'SELECT member_id, wrapped, master_key_id FROM member_keys WHERE member_id = ANY($1::uuid[])',
      [memberIds],
    );
    return rows.map((row) => toKey(row, 'member_id'));
  }

  /** Destroys a member's key; returns whether there was one. */
  async deleteMemberKey(memberId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM member_keys WHERE member_id = $1', [memberId]);
    return (rowCount ?? 0) > 0;
  }

  async insertOwnKey(table: OwnKeyTable, key: WrappedKey): Promise<void> {
    await this.db.query(`INSERT INTO ${table} (id, wrapped, master_key_id) VALUES ($1, $2, $3)`, [key.ownerId, key.wrapped, key.masterKeyId]);
  }

  async ownKey(table: OwnKeyTable, id: string): Promise<WrappedKey | undefined> {
    const { rows } = await this.db.query<{ id: string; wrapped: Buffer; master_key_id: string }>(`SELECT id, wrapped, master_key_id FROM ${table} WHERE id = $1`, [id]);
    return rows[0] && toKey(rows[0], 'id');
  }

  async deleteOwnKey(table: OwnKeyTable, id: string): Promise<void> {
    await this.db.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
  }

  /** Destroys probe keys made before `before`; returns how many. */
  async deleteProbeKeysBefore(before: Date): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM probe_keys WHERE created_at < $1', [before]);
    return rowCount ?? 0;
  }

  /** One key per master key in use (the start-up check opens each). */
  async samplePerMasterKey(): Promise<(WrappedKey & { table: KeyTable })[]> {
    const sample = async (table: KeyTable) => {
      const owner = OWNER[table];
      const { rows } = await this.db.query<{ owner: string; wrapped: Buffer; master_key_id: string }>(
        `SELECT DISTINCT ON (master_key_id) ${owner} AS owner, wrapped, master_key_id FROM ${table} ORDER BY master_key_id, ${owner}`,
      );
      return rows.map((row) => ({ ...toKey(row, 'owner'), table }));
    };
    return (await Promise.all(KEY_TABLES.map(sample))).flat();
  }

  /** How many keys each master key wraps. */
  async countsByMasterKey(): Promise<Record<string, number>> {
    const { rows } = await this.db.query<{ master_key_id: string; n: number }>(
      `SELECT master_key_id, count(*)::int AS n FROM (${KEY_TABLES.map((table) => `SELECT master_key_id FROM ${table}`).join(' UNION ALL ')}) k GROUP BY master_key_id`,
    );
    return Object.fromEntries(rows.map((row) => [row.master_key_id, row.n]));
  }

  /**
   * Re-wraps up to `limit` keys not wrapped by `currentKeyId`, in one transaction of the caller's
   * (rows locked, others skipped: two rotations, or a rotation beside the service, do not collide).
   */
  async rewrapBatch(tx: Queryable, table: KeyTable, currentKeyId: string, limit: number, rewrap: (key: WrappedKey) => Promise<Buffer>): Promise<number> {
    const owner = OWNER[table];
    const { rows } = await tx.query<{ owner: string; wrapped: Buffer; master_key_id: string }>(
      `SELECT ${owner} AS owner, wrapped, master_key_id FROM ${table} WHERE master_key_id <> $1 ORDER BY ${owner} LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [currentKeyId, limit],
    );
    if (rows.length === 0) return 0;
    const keys = rows.map((row) => toKey(row, 'owner'));
    const rewrapped = await Promise.all(keys.map(rewrap));
    const stamp = table === 'member_keys' ? ', rewrapped_at = now()' : '';
    await tx.query(
      `UPDATE ${table} k SET wrapped = v.wrapped, master_key_id = $1${stamp}
         FROM unnest($2::uuid[], $3::bytea[]) AS v(owner, wrapped) WHERE k.${owner} = v.owner`,
      [currentKeyId, keys.map((key) => key.ownerId), rewrapped],
    );
    return rows.length;
  }
}

function toKey<K extends string>(row: Record<K, string> & { wrapped: Buffer; master_key_id: string }, owner: K): WrappedKey {
  return { ownerId: row[owner], wrapped: row.wrapped, masterKeyId: row.master_key_id };
}
