import type { Queryable } from '../db/pool.js';
import type { PurchaseActivity, PurchaseItem } from './purchaseRepository.js';

/** What a member's profile is derived from, read in one round trip. */
export interface MemberActivity {
  visits: Date[];
  purchases: PurchaseActivity[];
  pointsBalance: number;
  /** Points of lots expiring before `expiringBefore`, summed by expiry, soonest first. */
  pointsExpiring: { points: number; expiresAt: string }[];
}

/**
 * A member's recent visits, purchases and points balance in one query: identification at the
 * till reads this for every answer, and one round trip instead of three keeps that answer fast.
 */
export class MemberActivityRepository {
  constructor(private readonly db: Queryable) {}

  async since(memberId: string, since: Date, limit: number, expiringBefore: Date, db: Queryable = this.db): Promise<MemberActivity> {
    const { rows } = await db.query<{
      visits: string[] | null;
      purchases: { at: string; amount: string; items: PurchaseItem[]; brand: string | null; brand_group: string | null }[] | null;
      balance: string;
      expiring: { points: string; expires_at: string }[] | null;
    }>(
      `SELECT
         (SELECT array_agg(first_seen_at ORDER BY first_seen_at DESC) FROM (
            SELECT first_seen_at FROM visits WHERE member_id = $1 AND first_seen_at >= $2 ORDER BY first_seen_at DESC LIMIT $3) v) AS visits,
         -- Spend is net of refunds (tiers count what the member kept).
         (SELECT json_agg(json_build_object('at', at, 'amount', amount, 'items', items, 'brand', brand, 'brand_group', brand_group) ORDER BY at DESC) FROM (
            SELECT p.at, p.amount - coalesce((SELECT sum(r.amount) FROM refunds r WHERE r.transaction_id = p.transaction_id), 0) AS amount, p.items,
                   (SELECT s.brand FROM stores s WHERE s.id = p.store_id) AS brand,
                   (SELECT b.group_id FROM stores s JOIN brands b ON b.id = s.brand WHERE s.id = p.store_id) AS brand_group
              FROM purchases p WHERE p.member_id = $1 AND p.at >= $2 ORDER BY p.at DESC LIMIT $3) p) AS purchases,
         (SELECT coalesce(sum(delta), 0) FROM points_ledger WHERE member_id = $1) AS balance,
         (SELECT json_agg(json_build_object('points', points, 'expires_at', expires_at) ORDER BY expires_at) FROM (
            SELECT expires_at, sum(remaining) AS points FROM points_lots
             WHERE member_id = $1 AND expires_at <= $4 GROUP BY expires_at) e WHERE points > 0) AS expiring`,
      [memberId, since, limit, expiringBefore],
    );
    const row = rows[0]!;
    return {
      visits: (row.visits ?? []).map((at) => new Date(at)),
      purchases: (row.purchases ?? []).map((p) => ({ at: new Date(p.at), amount: Number(p.amount), items: p.items, brand: p.brand, brandGroup: p.brand_group })),
      pointsBalance: Number(row.balance),
      pointsExpiring: (row.expiring ?? []).map((e) => ({ points: Number(e.points), expiresAt: new Date(e.expires_at).toISOString() })),
    };
  }
}
