import type { Queryable } from '../db/pool.js';

export interface LedgerEntry {
  memberId: string;
  delta: number;
  reason: 'purchase' | 'adjustment';
  transactionId: string | null;
}

/** The append-only points ledger: entries are added, never changed; the balance is their sum. */
export class PointsLedgerRepository {
  constructor(private readonly db: Queryable) {}

  async append(entry: LedgerEntry, tx: Queryable): Promise<void> {
    await tx.query('INSERT INTO points_ledger (member_id, delta, reason, transaction_id) VALUES ($1, $2, $3, $4)', [
      entry.memberId,
      entry.delta,
      entry.reason,
      entry.transactionId,
    ]);
  }

  async balance(memberId: string, db: Queryable = this.db): Promise<number> {
    const { rows } = await db.query<{ balance: string }>('SELECT coalesce(sum(delta), 0) AS balance FROM points_ledger WHERE member_id = $1', [memberId]);
    return Number(rows[0]!.balance);
  }
}
