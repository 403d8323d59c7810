import type { Queryable } from '../db/pool.js';

/** A row as exported: every column but the member's id and the service's own bookkeeping, keys in camelCase. */
export type ExportedRow = Record<string, unknown>;

/**
 * What is held about one member, table by table, for their right of access and portability
 * (GET /v1/members/:id/export). `to_jsonb` takes every column, so a column added later is
 * exported without a change here; left out are the member's id (the document's subject), the
 * digests and cached answers of idempotent requests (derived from what is exported), and
 * descriptors (never leave the service).
 */
const TABLES = {
  visits: { table: 'visits', order: 'first_seen_at' },
  purchases: { table: 'purchases', order: 'at' },
  pointsLedger: { table: 'points_ledger', order: 'id' },
  coupons: { table: 'coupons', order: 'issued_at' },
  redemptions: { table: 'redemptions', order: 'at' },
  refunds: { table: 'refunds', order: 'at' },
  campaignAwards: { table: 'campaign_awards', order: 'at' },
  transfers: { table: 'point_transfers', order: 'at' },
  mallActivity: { table: 'member_mall_activity', order: 'mall_id' },
  recognitions: { table: 'recognitions', order: 'created_at' },
} as const;

export type MemberTables = Record<keyof typeof TABLES, ExportedRow[]>;

const NEVER_EXPORTED = ['member_id', 'request_hash', 'response', 'descriptor'];

const camel = (key: string) => key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
const camelRow = (row: Record<string, unknown>): ExportedRow => Object.fromEntries(Object.entries(row).map(([key, value]) => [camel(key), value]));

export class MemberDataRepository {
  constructor(private readonly db: Queryable) {}

  async tablesOf(memberId: string): Promise<MemberTables> {
    const result: Partial<MemberTables> = {};
    for (const [name, { table, order }] of Object.entries(TABLES) as [keyof typeof TABLES, (typeof TABLES)[keyof typeof TABLES]][]) {
      const { rows } = await this.db.query<{ row: Record<string, unknown> }>(
        `SELECT to_jsonb(t) - $2::text[] AS row FROM ${table} t WHERE member_id = $1 ORDER BY ${order}`,
        [memberId, NEVER_EXPORTED],
      );
      result[name] = rows.map((r) => camelRow(r.row));
    }
    return result as MemberTables;
  }

  /** What the audit log says was done to the member: the action, when, by which role, how it ended. */
  async auditOf(memberId: string): Promise<ExportedRow[]> {
    const { rows } = await this.db.query<{ at: Date; action: string; role: string | null; outcome: string }>(
      'SELECT at, action, role, outcome FROM audit_log WHERE member_id = $1 ORDER BY at, id',
      [memberId],
    );
    return rows.map((row) => ({ at: row.at.toISOString(), action: row.action, role: row.role, outcome: row.outcome }));
  }
}
