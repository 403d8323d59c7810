import type { Queryable } from '../db/pool.js';

/**
 * Blob prefixes a committed purge still has to erase from the blob store. The row is written in
 * the purge's transaction and removed once the store confirms, so a store outage delays the
 * erasure (the sweeper retries) but never forgets it.
 */
export class PendingBlobDeletionRepository {
  constructor(private readonly db: Queryable) {}

  async add(prefix: string, db: Queryable = this.db): Promise<void> {
    await db.query('INSERT INTO pending_blob_deletions (prefix) VALUES ($1) ON CONFLICT (prefix) DO NOTHING', [prefix]);
  }

  async remove(prefix: string, db: Queryable = this.db): Promise<void> {
    await db.query('DELETE FROM pending_blob_deletions WHERE prefix = $1', [prefix]);
  }

  /** Pending erasures recorded at least `graceSeconds` ago, oldest first. */
  async list(limit = 100, graceSeconds = 0): Promise<string[]> {
    const { rows } = await this.db.query<{ prefix: string }>(
      `SELECT prefix FROM pending_blob_deletions WHERE requested_at <= now() - make_interval(secs => $2)
       ORDER BY requested_at LIMIT $1`,
      [limit, graceSeconds],
    );
    return rows.map((r) => r.prefix);
  }
}
