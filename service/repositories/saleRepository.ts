import type { Queryable } from '../db/pool.js';

export interface Sale {
  saleId: string;
  mallId: string;
  storeId: string | null;
  amount: number;
  currency: string;
  at: string;
  memberId: string | null;
}

interface SaleRow {
  sale_id: string;
  mall_id: string;
  store_id: string | null;
  amount: string;
  currency: string;
  at: Date;
  member_id: string | null;
}

const toSale = (row: SaleRow): Sale => ({
  saleId: row.sale_id,
  mallId: row.mall_id,
  storeId: row.store_id,
  amount: Number(row.amount),
  currency: row.currency,
  at: row.at.toISOString(),
  memberId: row.member_id,
});

/** Every sale of every till, a member's or not, one row per sale id. */
export class SaleRepository {
  /** The sale with this id, locked for the caller's transaction. */
  async lock(saleId: string, tx: Queryable): Promise<Sale | undefined> {
    const { rows } = await tx.query<SaleRow>('SELECT * FROM sales WHERE sale_id = $1 FOR UPDATE', [saleId]);
    return rows[0] && toSale(rows[0]);
  }

  /** Inserts the sale (its mall: the store's when the store is registered); undefined when the id was taken meanwhile. */
  async insertOnce(sale: Omit<Sale, 'mallId' | 'at'> & { at: Date; fallbackMallId: string }, tx: Queryable): Promise<Sale | undefined> {
    const { rows } = await tx.query<SaleRow>(
      `INSERT INTO sales (sale_id, mall_id, store_id, amount, currency, at, member_id)
       VALUES ($1, coalesce((SELECT mall_id FROM stores WHERE id = $2), $7), $2, $3, $4, $5, $6)
       ON CONFLICT (sale_id) DO NOTHING RETURNING *`,
      [sale.saleId, sale.storeId, sale.amount, sale.currency, sale.at, sale.memberId, sale.fallbackMallId],
    );
    return rows[0] && toSale(rows[0]);
  }

  /** Names the member of a sale reported without one (the member's purchase came second). */
  async attachMember(saleId: string, memberId: string, tx: Queryable): Promise<void> {
    await tx.query('UPDATE sales SET member_id = $2 WHERE sale_id = $1 AND member_id IS NULL', [saleId, memberId]);
  }

  /**
   * A member's purchase as a sale, in the purchase's transaction: a new row, or the till's own
   * report of the same sale given the member. Never a second row for one sale.
   */
  async recordPurchase(sale: { saleId: string; mallId: string; storeId: string | null; amount: number; currency: string; at: Date; memberId: string }, tx: Queryable): Promise<void> {
    await tx.query(
      `INSERT INTO sales (sale_id, mall_id, store_id, amount, currency, at, member_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (sale_id) DO UPDATE SET member_id = excluded.member_id WHERE sales.member_id IS NULL`,
      [sale.saleId, sale.mallId, sale.storeId, sale.amount, sale.currency, sale.at, sale.memberId],
    );
  }

  /** A purged member's sales stay as anonymous ones (the totals do not change; the member is gone from them). */
  async forgetMember(memberId: string, tx: Queryable): Promise<void> {
    await tx.query('UPDATE sales SET member_id = NULL WHERE member_id = $1', [memberId]);
  }
}
