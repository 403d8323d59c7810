import type { Queryable } from '../db/pool.js';

/**
 * Folding one member's history into another's (the same person enrolled twice): visits,
 * purchases, refunds, redemptions, coupons and campaign awards move; each lot with points left
 * moves as a new lot of the kept member with the same expiry (the ledger is append-only), mall
 * activity keeps the latest of each, external ids and the phone move where the kept member has
 * none. The faces do not move: the kept member's own are the ones that stay.
 */
export class MemberMergeRepository {
  async moveHistory(fromId: string, toId: string, tx: Queryable): Promise<{ visits: number; purchases: number; points: number }> {
    const visits = await tx.query('UPDATE visits SET member_id = $2 WHERE member_id = $1', [fromId, toId]);
    const purchases = await tx.query('UPDATE purchases SET member_id = $2 WHERE member_id = $1', [fromId, toId]);
    for (const table of ['refunds', 'redemptions', 'coupons', 'campaign_awards']) {
      await tx.query(`UPDATE ${table} SET member_id = $2 WHERE member_id = $1`, [fromId, toId]);
    }
    const { rows } = await tx.query<{ points: string }>(
      `WITH moved AS (
         INSERT INTO points_ledger (member_id, delta, reason, at, expires_at, transaction_id, reference)
         SELECT $2, remaining, 'merge', at, expires_at, transaction_id, reference
           FROM points_lots WHERE member_id = $1 AND remaining > 0
         RETURNING delta)
       SELECT coalesce(sum(delta), 0) AS points FROM moved`,
      [fromId, toId],
    );
    await tx.query(
      `INSERT INTO member_mall_activity (member_id, mall_id, last_at, reason)
       SELECT $2, mall_id, last_at, reason FROM member_mall_activity WHERE member_id = $1
       ON CONFLICT (member_id, mall_id) DO UPDATE SET last_at = greatest(member_mall_activity.last_at, excluded.last_at)`,
      [fromId, toId],
    );
    await tx.query(
      `UPDATE member_external_ids SET member_id = $2
        WHERE member_id = $1 AND kind NOT IN (SELECT kind FROM member_external_ids WHERE member_id = $2)`,
      [fromId, toId],
    );
    // The phone is unique: freed on one row before it is set on the other.
    const { rows: phones } = await tx.query<{ phone: string | null }>('SELECT phone FROM members WHERE id = $1', [fromId]);
    const phone = phones[0]?.phone;
    if (phone) {
      await tx.query('UPDATE members SET phone = NULL, updated_at = now() WHERE id = $1', [fromId]);
      await tx.query('UPDATE members SET phone = $2, updated_at = now() WHERE id = $1 AND phone IS NULL', [toId, phone]);
    }
    return { visits: visits.rowCount ?? 0, purchases: purchases.rowCount ?? 0, points: Number(rows[0]?.points ?? 0) };
  }
}
