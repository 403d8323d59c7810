import type { Queryable } from '../db/pool.js';
import type { PurchaseActivity, PurchaseItem } from './purchaseRepository.js';

/** What a member's profile is derived from, read in one round trip. */
export interface MemberActivity {
  visits: Date[];
  purchases: PurchaseActivity[];
  pointsBalance: number;
}

/**
 * A member's recent visits, purchases and points balance in one query: identification at the
 * till reads this for every answer, and one round trip instead of three keeps that answer fast.
 */
export class MemberActivityRepository {
  constructor(private readonly db: Queryable) {}

  async since(memberId: string, since: Date, limit: number, db: Queryable = this.db): Promise<MemberActivity> {
    const { rows } = await db.query<{ visits: string[] | null; purchases: { at: string; amount: string; items: PurchaseItem[] }[] | null; balance: string }>(
      `SELECT
         (SELECT array_agg(first_seen_at ORDER BY first_seen_at DESC) FROM (
            SELECT first_seen_at FROM visits WHERE member_id = $1 AND first_seen_at >= $2 ORDER BY first_seen_at DESC LIMIT $3) v) AS visits,
         (SELECT json_agg(json_build_object('at', at, 'amount', amount, 'items', items) ORDER BY at DESC) FROM (
            SELECT at, amount, items FROM purchases WHERE member_id = $1 AND at >= $2 ORDER BY at DESC LIMIT $3) p) AS purchases,
         (SELECT coalesce(sum(delta), 0) FROM points_ledger WHERE member_id = $1) AS balance`,
      [memberId, since, limit],
    );
    const row = rows[0]!;
    return {
      visits: (row.visits ?? []).map((at) => new Date(at)),
      purchases: (row.purchases ?? []).map((p) => ({ at: new Date(p.at), amount: Number(p.amount), items: p.items })),
      pointsBalance: Number(row.balance),
    };
  }
}
