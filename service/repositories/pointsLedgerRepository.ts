import type { Queryable } from '../db/pool.js';

/** What adds points: each credit is a lot (it may expire). */
export type CreditReason = 'purchase' | 'campaign' | 'merge' | 'adjustment' | 'transfer';
/** What takes points away: each debit draws from one lot. */
export type DebitReason = 'redemption' | 'refund' | 'expiry' | 'transfer';

export interface Credit {
  memberId: string;
  points: number;
  reason: CreditReason;
  /** When the points were earned (a purchase's own time). */
  at: Date;
  /** Null: never. */
  expiresAt: Date | null;
  transactionId?: string | null;
  /** The campaign (or other cause) that made it. */
  reference?: string | null;
}

/** A lot with what is left of it. */
export interface Lot {
  lotId: string;
  reason: CreditReason;
  /** Points credited. */
  points: number;
  remaining: number;
  at: string;
  expiresAt: string | null;
  transactionId: string | null;
}

/** Points taken from one lot. */
export interface Draw {
  lotId: string;
  points: number;
}

/** A member's points by where they came from and went: balance = earned − spent − expired − reversed − transferred out. */
export interface PointsTotals {
  earned: number;
  spent: number;
  expired: number;
  reversed: number;
  /** Sent to partner programmes (points received from them are earned). */
  transferredOut: number;
  balance: number;
}

interface LotRow {
  id: string;
  reason: CreditReason;
  points: number;
  remaining: string;
  at: Date;
  expires_at: Date | null;
  transaction_id: string | null;
}

const toLot = (row: LotRow): Lot => ({
  lotId: row.id,
  reason: row.reason,
  points: row.points,
  remaining: Number(row.remaining),
  at: row.at.toISOString(),
  expiresAt: row.expires_at?.toISOString() ?? null,
  transactionId: row.transaction_id,
});

/** The columns of a lot (the view points_lots: each credit with what is left of it). */
const LOT = 'id, reason, points, remaining, at, expires_at, transaction_id';

/**
 * The append-only points ledger: entries are added, never changed (a trigger refuses updates).
 * Credits are lots; debits name the lot they draw from. Callers hold the member's row lock, so
 * what is left of a lot cannot change between reading it and drawing from it.
 */
export class PointsLedgerRepository {
  constructor(private readonly db: Queryable) {}

  /** Adds a lot; returns its id. */
  async credit(credit: Credit, tx: Queryable): Promise<string> {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO points_ledger (member_id, delta, reason, transaction_id, at, expires_at, reference)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [credit.memberId, credit.points, credit.reason, credit.transactionId ?? null, credit.at, credit.expiresAt, credit.reference ?? null],
    );
    return rows[0]!.id;
  }

  /** Takes points from lots, one entry per lot drawn from. */
  async debit(
    memberId: string,
    draws: readonly Draw[],
    entry: { reason: DebitReason; at: Date; reference?: string | null; transactionId?: string | null },
    tx: Queryable,
  ): Promise<void> {
    if (draws.length === 0) return;
    await tx.query(
      `INSERT INTO points_ledger (member_id, delta, reason, lot_id, at, reference, transaction_id)
       SELECT $1, -d.points, $2, d.lot_id, $3, $4, $5 FROM unnest($6::bigint[], $7::int[]) AS d(lot_id, points)`,
      [memberId, entry.reason, entry.at, entry.reference ?? null, entry.transactionId ?? null, draws.map((d) => d.lotId), draws.map((d) => d.points)],
    );
  }

  /** The lots with points left, oldest first (the order they are spent in). */
  async openLots(memberId: string, db: Queryable = this.db): Promise<Lot[]> {
    const { rows } = await db.query<LotRow>(`SELECT ${LOT} FROM points_lots WHERE member_id = $1 AND remaining > 0 ORDER BY at, id`, [memberId]);
    return rows.map(toLot);
  }

  /** Open lots expired by `now`. */
  async dueLots(memberId: string, now: Date, db: Queryable): Promise<Lot[]> {
    const { rows } = await db.query<LotRow>(`SELECT ${LOT} FROM points_lots WHERE member_id = $1 AND expires_at <= $2 AND remaining > 0 ORDER BY at, id`, [
      memberId,
      now,
    ]);
    return rows.map(toLot);
  }

  /** Members who hold a lot expired by `now` with points left. */
  async membersWithDueLots(now: Date, limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ member_id: string }>(
      'SELECT DISTINCT member_id FROM points_lots WHERE expires_at <= $1 AND remaining > 0 LIMIT $2',
      [now, limit],
    );
    return rows.map((row) => row.member_id);
  }

  /** Open lots expiring in (now, until] not announced yet. */
  async lotsToAnnounce(now: Date, until: Date, limit: number): Promise<(Lot & { memberId: string })[]> {
    const { rows } = await this.db.query<LotRow & { member_id: string }>(
      `SELECT member_id, ${LOT} FROM points_lots l
        WHERE expires_at > $1 AND expires_at <= $2 AND remaining > 0
          AND NOT EXISTS (SELECT 1 FROM points_expiry_notices n WHERE n.member_id = l.member_id AND n.lot_id = l.id)
        ORDER BY expires_at, id LIMIT $3`,
      [now, until, limit],
    );
    return rows.map((row) => ({ ...toLot(row), memberId: row.member_id }));
  }

  /** Records that a lot's expiry was announced; false when it already was (another replica). */
  async markAnnounced(memberId: string, lotId: string, at: Date, tx: Queryable): Promise<boolean> {
    const result = await tx.query('INSERT INTO points_expiry_notices (member_id, lot_id, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [memberId, lotId, at]);
    return (result.rowCount ?? 0) > 0;
  }

  /** The member's lots of a purchase (its points and its campaigns' bonus), with what is left. */
  async lotsOfTransaction(memberId: string, transactionId: string, db: Queryable): Promise<Lot[]> {
    const { rows } = await db.query<LotRow>(`SELECT ${LOT} FROM points_lots WHERE member_id = $1 AND transaction_id = $2 AND remaining > 0 ORDER BY at, id`, [
      memberId,
      transactionId,
    ]);
    return rows.map(toLot);
  }

  async balance(memberId: string, db: Queryable = this.db): Promise<number> {
    const { rows } = await db.query<{ balance: string }>('SELECT coalesce(sum(delta), 0) AS balance FROM points_ledger WHERE member_id = $1', [memberId]);
    return Number(rows[0]!.balance);
  }

  async totals(memberId: string, db: Queryable = this.db): Promise<PointsTotals> {
    const { rows } = await db.query<Record<keyof PointsTotals, string>>(
      `SELECT coalesce(sum(delta) FILTER (WHERE delta > 0), 0) AS earned,
              coalesce(-sum(delta) FILTER (WHERE reason = 'redemption'), 0) AS spent,
              coalesce(-sum(delta) FILTER (WHERE reason = 'expiry'), 0) AS expired,
              coalesce(-sum(delta) FILTER (WHERE reason = 'refund'), 0) AS reversed,
              coalesce(-sum(delta) FILTER (WHERE reason = 'transfer' AND delta < 0), 0) AS "transferredOut",
              coalesce(sum(delta), 0) AS balance
         FROM points_ledger WHERE member_id = $1`,
      [memberId],
    );
    const row = rows[0]!;
    return {
      earned: Number(row.earned),
      spent: Number(row.spent),
      expired: Number(row.expired),
      reversed: Number(row.reversed),
      transferredOut: Number(row.transferredOut),
      balance: Number(row.balance),
    };
  }

  /**
   * The ledger's invariant over every member: balance = earned − spent − expired − reversed −
   * transferred out, no
   * balance below zero, no lot drawn past what it held. Returns the members it fails for (none).
   */
  async invariantViolations(): Promise<{ members: number; violations: { memberId: string; problem: string }[] }> {
    const { rows } = await this.db.query<{ members: string; violations: { memberId: string; problem: string }[] | null }>(
      `WITH totals AS (
         SELECT member_id,
                coalesce(sum(delta) FILTER (WHERE delta > 0), 0) AS earned,
                coalesce(-sum(delta) FILTER (WHERE reason = 'redemption'), 0) AS spent,
                coalesce(-sum(delta) FILTER (WHERE reason = 'expiry'), 0) AS expired,
                coalesce(-sum(delta) FILTER (WHERE reason = 'refund'), 0) AS reversed,
                coalesce(-sum(delta) FILTER (WHERE reason = 'transfer' AND delta < 0), 0) AS transferred_out,
                sum(delta) AS balance
           FROM points_ledger GROUP BY member_id),
       overdrawn AS (SELECT member_id FROM points_lots WHERE remaining < 0),
       problems AS (
         SELECT member_id, 'balance is not earned - spent - expired - reversed - transferred out' AS problem FROM totals
          WHERE balance <> earned - spent - expired - reversed - transferred_out
         UNION ALL SELECT member_id, 'balance below zero' FROM totals WHERE balance < 0
         UNION ALL SELECT DISTINCT member_id, 'a lot drawn past what it held' FROM overdrawn)
       SELECT (SELECT count(*) FROM totals) AS members,
              (SELECT json_agg(json_build_object('memberId', member_id, 'problem', problem)) FROM problems) AS violations`,
    );
    return { members: Number(rows[0]!.members), violations: rows[0]!.violations ?? [] };
  }
}
