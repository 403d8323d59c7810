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

/**
 * Adds what the statement's CTE `changed` wrote to the dashboard's hourly sums (sales_hourly), in
 * the same statement: `changed` has the sale's mall_id, at, store_id, currency, amount, and
 * `sale_delta` (1: a new sale, 0: an existing one) and `member_delta` (1: it is a member's now,
 * −1: no longer, 0: neither). Every write of a sale goes through here, so the sums never drift.
 */
const ROLL_UP = `
  INSERT INTO sales_hourly (mall_id, hour, store_id, currency, sales, amount, member_sales, member_amount)
  SELECT mall_id, date_trunc('hour', at), coalesce(store_id, ''), currency,
         sum(sale_delta), sum(amount * sale_delta), sum(member_delta), sum(amount * member_delta)
    FROM changed GROUP BY 1, 2, 3, 4
  ON CONFLICT (mall_id, hour, store_id, currency) DO UPDATE SET
    sales = sales_hourly.sales + excluded.sales, amount = sales_hourly.amount + excluded.amount,
    member_sales = sales_hourly.member_sales + excluded.member_sales, member_amount = sales_hourly.member_amount + excluded.member_amount`;

/** Every sale of every till, a member's or not, one row per sale id; and their hourly sums. */
export class SaleRepository {
  /** The sale with this id, locked for the caller's transaction. */
  async lock(saleId: string, tx: Queryable): Promise<Sale | undefined> {
    const { rows } = await tx.query<SaleRow>('SELECT * FROM sales WHERE sale_id = $1 FOR UPDATE', [saleId]);
    return rows[0] && toSale(rows[0]);
  }

  /** Inserts the sale (its mall: the store's when the store is registered); undefined when the id was taken meanwhile. */
  async insertOnce(sale: Omit<Sale, 'mallId' | 'at'> & { at: Date; fallbackMallId: string }, tx: Queryable): Promise<Sale | undefined> {
    const { rows } = await tx.query<SaleRow>(
      `WITH changed AS (
         INSERT INTO sales (sale_id, mall_id, store_id, amount, currency, at, member_id)
         VALUES ($1, coalesce((SELECT mall_id FROM stores WHERE id = $2), $7), $2, $3, $4, $5, $6)
         ON CONFLICT (sale_id) DO NOTHING RETURNING *, 1 AS sale_delta, (member_id IS NOT NULL)::int AS member_delta),
       rolled AS (${ROLL_UP})
       SELECT sale_id, mall_id, store_id, amount, currency, at, member_id FROM changed`,
      [sale.saleId, sale.storeId, sale.amount, sale.currency, sale.at, sale.memberId, sale.fallbackMallId],
    );
    return rows[0] && toSale(rows[0]);
  }

  /** Names the member of a sale reported without one (the member's purchase came second). */
  async attachMember(saleId: string, memberId: string, tx: Queryable): Promise<void> {
    await tx.query(
      `WITH changed AS (UPDATE sales SET member_id = $2 WHERE sale_id = $1 AND member_id IS NULL RETURNING *, 0 AS sale_delta, 1 AS member_delta)
       ${ROLL_UP}`,
      [saleId, memberId],
    );
  }

  /**
   * A member's purchase as a sale, in the purchase's transaction: a new row, or the till's own
   * report of the same sale given the member. Never a second row for one sale.
   */
  async recordPurchase(sale: { saleId: string; mallId: string; storeId: string | null; amount: number; currency: string; at: Date; memberId: string }, tx: Queryable): Promise<void> {
    await tx.query(
      `WITH changed AS (
         INSERT INTO sales (sale_id, mall_id, store_id, amount, currency, at, member_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (sale_id) DO UPDATE SET member_id = excluded.member_id WHERE sales.member_id IS NULL
         -- xmax is 0 for a row this statement inserted; otherwise it gave the till's sale its member.
         RETURNING *, (xmax = 0)::int AS sale_delta, 1 AS member_delta)
       ${ROLL_UP}`,
      [sale.saleId, sale.mallId, sale.storeId, sale.amount, sale.currency, sale.at, sale.memberId],
    );
  }

  /** A purged member's sales stay as anonymous ones (the totals do not change; the member is gone from them). */
  async forgetMember(memberId: string, tx: Queryable): Promise<void> {
    await tx.query(`WITH changed AS (UPDATE sales SET member_id = NULL WHERE member_id = $1 RETURNING *, 0 AS sale_delta, -1 AS member_delta) ${ROLL_UP}`, [memberId]);
  }
}
