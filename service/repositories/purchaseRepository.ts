import type { Queryable } from '../db/pool.js';
import { historyPage } from './memberHistory.js';
import type { Page, PageCursor } from './pageCursor.js';

export interface PurchaseItem {
  sku: string;
  category: string;
  quantity: number;
  price: number;
}

export interface Purchase {
  transactionId: string;
  memberId: string;
  amount: number;
  currency: string;
  items: PurchaseItem[];
  storeId: string | null;
  at: string;
  points: number;
}

export interface NewPurchase extends Omit<Purchase, 'at'> {
  at: Date;
  /** Digest of the request as sent: tells a replay from a conflicting reuse of the id. */
  requestHash: string;
}

/** What a purchase row holds about the request that made it. */
export interface StoredPurchase {
  memberId: string;
  requestHash: string;
  response: unknown;
}

/** What profile derivation needs of a purchase. */
export interface PurchaseActivity {
  at: Date;
  amount: number;
  items: PurchaseItem[];
  /** The brand of the store it was made at (stores.brand), when the store is registered with one. */
  brand?: string | null;
  /** The group of that brand (brands.group_id). */
  brandGroup?: string | null;
}

interface PurchaseRow {
  transaction_id: string;
  member_id: string;
  amount: string; // numeric arrives as a string
  currency: string;
  items: PurchaseItem[];
  store_id: string | null;
  at: Date;
  points: number;
}

const toPurchase = (row: PurchaseRow): Purchase => ({
  transactionId: row.transaction_id,
  memberId: row.member_id,
  amount: Number(row.amount),
  currency: row.currency,
  items: row.items,
  storeId: row.store_id,
  at: row.at.toISOString(),
  points: row.points,
});

export class PurchaseRepository {
  constructor(private readonly db: Queryable) {}

  async findByTransaction(transactionId: string, db: Queryable = this.db): Promise<StoredPurchase | undefined> {
    const { rows } = await db.query<{ member_id: string; request_hash: string; response: unknown }>(
      'SELECT member_id, request_hash, response FROM purchases WHERE transaction_id = $1',
      [transactionId],
    );
    return rows[0] && { memberId: rows[0].member_id, requestHash: rows[0].request_hash, response: rows[0].response };
  }

  /** The member's purchase of this transaction id: what a refund needs of it. */
  async findOfMember(memberId: string, transactionId: string, db: Queryable): Promise<{ amount: number; points: number; at: Date } | undefined> {
    const { rows } = await db.query<{ amount: string; points: number; at: Date }>(
      'SELECT amount, points, at FROM purchases WHERE transaction_id = $1 AND member_id = $2',
      [transactionId, memberId],
    );
    return rows[0] && { amount: Number(rows[0].amount), points: rows[0].points, at: rows[0].at };
  }

  /**
   * Inserts the purchase unless its transaction id is taken; returns the mall it happened in (the
   * store's, else `fallbackMallId`), or undefined when the id was taken.
   */
  async insertOnce(purchase: NewPurchase, fallbackMallId: string, tx: Queryable): Promise<string | undefined> {
    const result = await tx.query<{ mall_id: string }>(
      `INSERT INTO purchases (transaction_id, member_id, request_hash, amount, currency, items, store_id, at, points, mall_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce((SELECT mall_id FROM stores WHERE id = $7), $10))
       ON CONFLICT (transaction_id) DO NOTHING RETURNING mall_id`,
      [
        purchase.transactionId,
        purchase.memberId,
        purchase.requestHash,
        purchase.amount,
        purchase.currency,
        JSON.stringify(purchase.items),
        purchase.storeId,
        purchase.at,
        purchase.points,
        fallbackMallId,
      ],
    );
    return result.rows[0]?.mall_id;
  }

  /** The points a purchase earned, once its campaigns have added theirs (what a refund reverses in proportion). */
  async setPoints(transactionId: string, points: number, tx: Queryable): Promise<void> {
    await tx.query('UPDATE purchases SET points = $2 WHERE transaction_id = $1', [transactionId, points]);
  }

  async saveResponse(transactionId: string, response: unknown, tx: Queryable): Promise<void> {
    await tx.query('UPDATE purchases SET response = $2 WHERE transaction_id = $1', [transactionId, JSON.stringify(response)]);
  }

  /** The member's purchases, newest first. */
  page(memberId: string, limit: number, after?: PageCursor): Promise<Page<Purchase>> {
    return historyPage<PurchaseRow, Purchase>(this.db, { table: 'purchases', time: 'at', key: 'transaction_id', keyType: 'text' }, memberId, limit, after, toPurchase);
  }

  async countByMember(memberId: string, db: Queryable = this.db): Promise<number> {
    const { rows } = await db.query<{ count: string }>('SELECT count(*) FROM purchases WHERE member_id = $1', [memberId]);
    return Number(rows[0]!.count);
  }
}
