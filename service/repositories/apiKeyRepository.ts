import type { Queryable } from '../db/pool.js';

export const ROLES = ['camera', 'pos', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  keyPrefix: string;
  /** The mall and store the key is bound to (a till's key is bound to its store); null: the whole group. */
  mallId: string | null;
  storeId: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** What authentication needs: the key's record and its digest to compare. */
export interface StoredKey extends ApiKey {
  digest: Buffer;
}

interface KeyRow {
  id: string;
  name: string;
  role: Role;
  key_digest: Buffer;
  key_prefix: string;
  mall_id: string | null;
  store_id: string | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const toKey = (row: KeyRow): StoredKey => ({
  id: row.id,
  name: row.name,
  role: row.role,
  keyPrefix: row.key_prefix,
  mallId: row.mall_id,
  storeId: row.store_id,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at?.toISOString() ?? null,
  revokedAt: row.revoked_at?.toISOString() ?? null,
  digest: row.key_digest,
});

export class ApiKeyRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts the key; a key whose digest exists already is returned as stored (never revived). */
  async insert(key: { name: string; role: Role; digest: Buffer; keyPrefix: string; expiresAt: Date | null; mallId?: string | null; storeId?: string | null }): Promise<StoredKey> {
    const { rows } = await this.db.query<KeyRow>(
      `INSERT INTO api_keys (name, role, key_digest, key_prefix, expires_at, mall_id, store_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (key_digest) DO NOTHING RETURNING *`,
      [key.name, key.role, key.digest, key.keyPrefix, key.expiresAt, key.mallId ?? null, key.storeId ?? null],
    );
    return rows[0] ? toKey(rows[0]) : (await this.findByDigest(key.digest))!;
  }

  async findByDigest(digest: Buffer): Promise<StoredKey | undefined> {
    const { rows } = await this.db.query<KeyRow>('SELECT * FROM api_keys WHERE key_digest = $1', [digest]);
    return rows[0] && toKey(rows[0]);
  }

  async list(): Promise<ApiKey[]> {
    const { rows } = await this.db.query<KeyRow>('SELECT * FROM api_keys ORDER BY created_at DESC, id');
    return rows.map((row) => {
      const { digest: _digest, ...key } = toKey(row);
      return key;
    });
  }

  /** Marks the key revoked; returns it, or undefined when there is no such key. */
  async revoke(id: string): Promise<StoredKey | undefined> {
    const { rows } = await this.db.query<KeyRow>(
      'UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *',
      [id],
    );
    return rows[0] && toKey(rows[0]);
  }

  async countActiveAdmins(now: Date): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1)`,
      [now],
    );
    return rows[0]!.n;
  }
}
