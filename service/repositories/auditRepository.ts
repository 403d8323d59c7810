import type { Queryable } from '../db/pool.js';
import { toPage, type Page, type PageCursor } from './pageCursor.js';

export interface AuditEntry {
  keyId: string | null;
  keyName: string | null;
  role: string | null;
  action: string;
  memberId: string | null;
  /** `ok`, or the error code the request ended with. */
  outcome: string;
  status: number;
  requestId: string | null;
  /** Small, non-biometric facts (e.g. the matched distance, a new key's role). */
  details: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  id: string;
  at: string;
}

export interface AuditFilter {
  memberId?: string;
  from?: Date;
  to?: Date;
  action?: string;
}

interface AuditRow {
  id: string;
  at: Date;
  key_id: string | null;
  key_name: string | null;
  role: string | null;
  action: string;
  member_id: string | null;
  outcome: string;
  status: number;
  request_id: string | null;
  details: Record<string, unknown>;
}

const toRecord = (row: AuditRow): AuditRecord => ({
  id: row.id,
  at: row.at.toISOString(),
  keyId: row.key_id,
  keyName: row.key_name,
  role: row.role,
  action: row.action,
  memberId: row.member_id,
  outcome: row.outcome,
  status: row.status,
  requestId: row.request_id,
  details: row.details,
});

export class AuditRepository {
  constructor(private readonly db: Queryable) {}

  /** Appends entries in one statement (in the order given). */
  async appendMany(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const column = <T>(pick: (e: AuditEntry) => T) => entries.map(pick);
    await this.db.query(
      `INSERT INTO audit_log (key_id, key_name, role, action, member_id, outcome, status, request_id, details)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::int[], $8::text[], $9::jsonb[])`,
      [
        column((e) => e.keyId),
        column((e) => e.keyName),
        column((e) => e.role),
        column((e) => e.action),
        column((e) => e.memberId),
        column((e) => e.outcome),
        column((e) => e.status),
        column((e) => e.requestId),
        column((e) => JSON.stringify(e.details)),
      ],
    );
  }

  /** Newest first. */
  async page(filter: AuditFilter, limit: number, after?: PageCursor): Promise<Page<AuditRecord>> {
    const { rows } = await this.db.query<AuditRow>(
      `SELECT * FROM audit_log
       WHERE ($1::uuid IS NULL OR member_id = $1)
         AND ($2::timestamptz IS NULL OR at >= $2)
         AND ($3::timestamptz IS NULL OR at < $3)
         AND ($4::text IS NULL OR action = $4)
         AND ($5::timestamptz IS NULL OR (at, id) < ($5, $6::bigint))
       ORDER BY at DESC, id DESC LIMIT $7`,
      [filter.memberId ?? null, filter.from ?? null, filter.to ?? null, filter.action ?? null, after?.at ?? null, after?.id ?? null, limit + 1],
    );
    return toPage(rows, limit, toRecord, (row) => ({ at: row.at, id: row.id }));
  }
}
