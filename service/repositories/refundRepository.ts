import type { Queryable } from '../db/pool.js';
import type { StoredRequest } from './loyaltyRecords.js';
import type { PurchaseItem } from './purchaseRepository.js';

export interface NewRefund {
  refundId: string;
  memberId: string;
  transactionId: string;
  requestHash: string;
  amount: number;
  items: PurchaseItem[];
  pointsReversed: number;
  pointsUnrecoverable: number;
  at: Date;
}

/** Returns: parts of purchases refunded, one row per refund id (the idempotency key). */
export class RefundRepository {
  async find(refundId: string, db: Queryable): Promise<StoredRequest | undefined> {
    const { rows } = await db.query<{ request_hash: string; response: unknown }>('SELECT request_hash, response FROM refunds WHERE refund_id = $1', [refundId]);
    return rows[0] && { requestHash: rows[0].request_hash, response: rows[0].response };
  }

  /** What was refunded of a purchase so far: the amount, and the points reversed or found spent. */
  async refundedOf(transactionId: string, db: Queryable): Promise<{ amount: number; points: number }> {
    const { rows } = await db.query<{ amount: string; points: string }>(
      'SELECT coalesce(sum(amount), 0) AS amount, coalesce(sum(points_reversed + points_unrecoverable), 0) AS points FROM refunds WHERE transaction_id = $1',
      [transactionId],
    );
    return { amount: Number(rows[0]!.amount), points: Number(rows[0]!.points) };
  }

  /** Inserts the refund unless its id is taken; false when it was (a concurrent request committed it). */
  async insertOnce(refund: NewRefund, tx: Queryable): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO refunds (refund_id, member_id, transaction_id, request_hash, amount, items, points_reversed, points_unrecoverable, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (refund_id) DO NOTHING`,
      [refund.refundId, refund.memberId, refund.transactionId, refund.requestHash, refund.amount, JSON.stringify(refund.items), refund.pointsReversed, refund.pointsUnrecoverable, refund.at],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async saveResponse(refundId: string, response: unknown, tx: Queryable): Promise<void> {
    await tx.query('UPDATE refunds SET response = $2 WHERE refund_id = $1', [refundId, JSON.stringify(response)]);
  }
}
