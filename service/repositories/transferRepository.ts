import type { Queryable } from '../db/pool.js';
import type { StoredRequest } from './loyaltyRecords.js';

export interface NewTransfer {
  transferId: string;
  memberId: string;
  partnerId: string;
  direction: 'out' | 'in';
  points: number;
  pointsOut: number;
  pointsIn: number;
  rate: number;
  requestHash: string;
  at: Date;
}

/** Points moved to or from partner programmes, one row per transfer id (the idempotency key). */
export class TransferRepository {
  async find(transferId: string, db: Queryable): Promise<StoredRequest | undefined> {
    const { rows } = await db.query<{ request_hash: string; response: unknown }>('SELECT request_hash, response FROM point_transfers WHERE transfer_id = $1', [transferId]);
    return rows[0] && { requestHash: rows[0].request_hash, response: rows[0].response };
  }

  /** False when the id was taken meanwhile (a concurrent request committed it). */
  async insertOnce(transfer: NewTransfer, tx: Queryable): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO point_transfers (transfer_id, member_id, partner_id, direction, points, points_out, points_in, rate, request_hash, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (transfer_id) DO NOTHING`,
      [transfer.transferId, transfer.memberId, transfer.partnerId, transfer.direction, transfer.points, transfer.pointsOut, transfer.pointsIn, transfer.rate, transfer.requestHash, transfer.at],
    );
    return (rowCount ?? 0) > 0;
  }

  async saveResponse(transferId: string, response: unknown, tx: Queryable): Promise<void> {
    await tx.query('UPDATE point_transfers SET response = $2 WHERE transfer_id = $1', [transferId, JSON.stringify(response)]);
  }
}
