import type { Queryable } from '../db/pool.js';
import type { CouponKind } from './loyaltyRecords.js';

export interface Coupon {
  id: string;
  memberId: string;
  campaignId: string;
  title: string;
  kind: CouponKind;
  value: number;
  minSpend: number;
  categories: string[];
  /** Null: usable in every mall of the group. */
  mallId: string | null;
  issuedAt: string;
  expiresAt: string;
  usedAt: string | null;
  usedTransactionId: string | null;
}

interface CouponRow {
  id: string;
  member_id: string;
  campaign_id: string;
  title: string;
  kind: CouponKind;
  value: string;
  min_spend: string;
  categories: string[];
  mall_id: string | null;
  issued_at: Date;
  expires_at: Date;
  used_at: Date | null;
  used_transaction_id: string | null;
}

const toCoupon = (row: CouponRow): Coupon => ({
  id: row.id,
  memberId: row.member_id,
  campaignId: row.campaign_id,
  title: row.title,
  kind: row.kind,
  value: Number(row.value),
  minSpend: Number(row.min_spend),
  categories: row.categories,
  mallId: row.mall_id,
  issuedAt: row.issued_at.toISOString(),
  expiresAt: row.expires_at.toISOString(),
  usedAt: row.used_at?.toISOString() ?? null,
  usedTransactionId: row.used_transaction_id,
});

export class CouponRepository {
  constructor(private readonly db: Queryable) {}

  async insert(coupon: Omit<Coupon, 'usedAt' | 'usedTransactionId' | 'issuedAt' | 'expiresAt'> & { issuedAt: Date; expiresAt: Date }, tx: Queryable): Promise<void> {
    await tx.query(
      `INSERT INTO coupons (id, member_id, campaign_id, title, kind, value, min_spend, categories, mall_id, issued_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [coupon.id, coupon.memberId, coupon.campaignId, coupon.title, coupon.kind, coupon.value, coupon.minSpend, coupon.categories, coupon.mallId, coupon.issuedAt, coupon.expiresAt],
    );
  }

  /** The member's coupons, soonest expiry first; only unused, unexpired ones usable in `mallId` when `usableIn` is given. */
  async ofMember(memberId: string, usableIn?: { mallId: string; at: Date }, db: Queryable = this.db): Promise<Coupon[]> {
    const { rows } = await db.query<CouponRow>(
      `SELECT * FROM coupons WHERE member_id = $1
         AND ($2::text IS NULL OR (used_at IS NULL AND expires_at > $3 AND (mall_id IS NULL OR mall_id = $2)))
       ORDER BY expires_at, id`,
      [memberId, usableIn?.mallId ?? null, usableIn?.at ?? null],
    );
    return rows.map(toCoupon);
  }

  /** The coupons named, locked for the purchase's transaction (any member's: the caller checks). */
  async lock(ids: readonly string[], tx: Queryable): Promise<Coupon[]> {
    const { rows } = await tx.query<CouponRow>('SELECT * FROM coupons WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [ids]);
    return rows.map(toCoupon);
  }

  async markUsed(id: string, at: Date, transactionId: string, tx: Queryable): Promise<void> {
    await tx.query('UPDATE coupons SET used_at = $2, used_transaction_id = $3 WHERE id = $1 AND used_at IS NULL', [id, at, transactionId]);
  }
}
