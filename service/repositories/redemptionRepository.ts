import type { Queryable } from '../db/pool.js';
import type { StoredRequest } from './loyaltyRecords.js';

export interface NewRedemption {
  redemptionId: string;
  memberId: string;
  requestHash: string;
  points: number;
  storeId: string | null;
  recognitionId: string | null;
  at: Date;
}

/** Points spent at tills, one row per redemption id (the idempotency key). */
export class RedemptionRepository {
  async find(redemptionId: string, db: Queryable): Promise<StoredRequest | undefined> {
    const { rows } = await db.query<{ request_hash: string; response: unknown }>('SELECT request_hash, response FROM redemptions WHERE redemption_id = $1', [redemptionId]);
    return rows[0] && { requestHash: rows[0].request_hash, response: rows[0].response };
  }

  /**
   * Inserts the redemption unless its id is taken; returns its mall (the store's, else
   * `fallbackMallId`), or undefined when the id was taken (a concurrent request committed it).
   */
  async insertOnce(redemption: NewRedemption, fallbackMallId: string, tx: Queryable): Promise<string | undefined> {
    const { rows } = await tx.query<{ mall_id: string }>(
      `INSERT INTO redemptions (redemption_id, member_id, request_hash, points, store_id, recognition_id, at, mall_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce((SELECT mall_id FROM stores WHERE id = $5), $8))
       ON CONFLICT (redemption_id) DO NOTHING RETURNING mall_id`,
      [redemption.redemptionId, redemption.memberId, redemption.requestHash, redemption.points, redemption.storeId, redemption.recognitionId, redemption.at, fallbackMallId],
    );
    return rows[0]?.mall_id;
  }

  async saveResponse(redemptionId: string, response: unknown, tx: Queryable): Promise<void> {
    await tx.query('UPDATE redemptions SET response = $2 WHERE redemption_id = $1', [redemptionId, JSON.stringify(response)]);
  }
}
