import type { Queryable } from '../db/pool.js';

export interface LedgerEntry {
  memberId: string;
  delta: number;
  reason: 'purchase' | 'adjustment';
  transactionId: string | null;
}

/**
 * The append-only points ledger: entries are added, never changed (a trigger refuses updates); the
 * balance is their sum (read with the member's activity, memberActivityRepository.ts).
 */
export class PointsLedgerRepository {
  async append(entry: LedgerEntry, tx: Queryable): Promise<void> {
    await tx.query('INSERT INTO points_ledger (member_id, delta, reason, transaction_id) VALUES ($1, $2, $3, $4)', [
      entry.memberId,
      entry.delta,
      entry.reason,
      entry.transactionId,
    ]);
  }
}
