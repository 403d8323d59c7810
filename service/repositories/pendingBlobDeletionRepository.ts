import { withTransaction, type Pool, type Queryable } from '../db/pool.js';

/**
 * Blob prefixes a committed purge still has to erase from the blob store. The row is written in
 * the purge's transaction and removed once the store confirms, so a store outage delays the
 * erasure (the sweeper retries) but never forgets it.
 */
export class PendingBlobDeletionRepository {
  constructor(private readonly db: Pool) {}

  async add(prefix: string, db: Queryable = this.db): Promise<void> {
    await db.query('INSERT INTO pending_blob_deletions (prefix) VALUES ($1) ON CONFLICT (prefix) DO NOTHING', [prefix]);
  }

  /** Removes the entry; false when there was none (it was already erased, or never owed). */
  async remove(prefix: string, db: Queryable = this.db): Promise<boolean> {
    const { rowCount } = await db.query('DELETE FROM pending_blob_deletions WHERE prefix = $1', [prefix]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * Runs `erase` while holding the entry's row lock, then removes the entry, in one transaction.
   * An enrollment cancelling the same entry (remove in its own transaction) waits for the lock and
   * then finds the entry gone, so it knows its photo was erased. False when the entry is younger
   * than `graceSeconds`, already gone, or held by another sweeper.
   */
  async eraseClaimed(prefix: string, graceSeconds: number, erase: () => Promise<unknown>): Promise<boolean> {
    return withTransaction(this.db, async (tx) => {
      const { rowCount } = await tx.query(
        `SELECT 1 FROM pending_blob_deletions WHERE prefix = $1 AND requested_at <= now() - make_interval(secs => $2) FOR UPDATE SKIP LOCKED`,
        [prefix, graceSeconds],
      );
      if (!rowCount) return false;
      await erase();
      await tx.query('DELETE FROM pending_blob_deletions WHERE prefix = $1', [prefix]);
      return true;
    });
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
