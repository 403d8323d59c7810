import { withTransaction, type Pool } from '../db/pool.js';
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
  /** When it happened (the request's end), kept through a write delayed by a database outage. */
  at: Date;
}

export interface AuditRecord extends Omit<AuditEntry, 'at'> {
  id: string;
  at: string;
}

/** A record with its links, as the verifier reads it. */
export interface ChainedRow extends Omit<AuditRecord, 'at'> {
  at: Date;
  prevHash: Buffer;
  hash: Buffer;
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

/** Serialises appends across replicas: each batch links to the record before it. */
const CHAIN_LOCK = 0x56495341; // 'VISA'

export type Link = (previous: Buffer, entry: AuditEntry, at: Date) => Buffer;

export class AuditRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Appends entries in one statement (in the order given), each linked to the one before: under a
   * lock held for the transaction, the last record's hash is read and every new record's hash
   * computed by `link` from it, in order.
   */
  async appendMany(entries: AuditEntry[], link: Link, genesis: Buffer): Promise<void> {
    if (entries.length === 0) return;
    await withTransaction(this.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const { rows } = await tx.query<{ hash: Buffer }>('SELECT hash FROM audit_log WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1');
      let previous = rows[0]?.hash ?? genesis;
      const links = entries.map((entry) => {
        const prev = previous;
        previous = link(prev, entry, entry.at);
        return { prev, hash: previous };
      });
      const column = <T>(pick: (e: AuditEntry) => T) => entries.map(pick);
      await tx.query(
        `INSERT INTO audit_log (at, key_id, key_name, role, action, member_id, outcome, status, request_id, details, prev_hash, hash)
         SELECT at, key_id, key_name, role, action, member_id, outcome, status, request_id, details, prev_hash, hash FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::int[], $8::text[], $9::jsonb[], $10::bytea[], $11::bytea[], $12::timestamptz[])
         WITH ORDINALITY AS u(key_id, key_name, role, action, member_id, outcome, status, request_id, details, prev_hash, hash, at, n) ORDER BY n`,
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
          links.map((l) => l.prev),
          links.map((l) => l.hash),
          column((e) => e.at),
        ],
      );
    });
  }

  /** Records written before the chain began. */
  async countUnchained(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE hash IS NULL');
    return rows[0]!.n;
  }

  /** The chained records in id order, a page at a time (verification). */
  async *streamChained(pageSize = 5000): AsyncGenerator<ChainedRow[]> {
    let after = '0';
    for (;;) {
      const { rows } = await this.pool.query<AuditRow & { prev_hash: Buffer; hash: Buffer }>(
        'SELECT * FROM audit_log WHERE hash IS NOT NULL AND id > $1 ORDER BY id LIMIT $2',
        [after, pageSize],
      );
      if (rows.length === 0) return;
      yield rows.map((row) => ({ ...toRecord(row), at: row.at, prevHash: row.prev_hash, hash: row.hash }));
      after = rows[rows.length - 1]!.id;
    }
  }

  /** Newest first. */
  async page(filter: AuditFilter, limit: number, after?: PageCursor): Promise<Page<AuditRecord>> {
    const { rows } = await this.pool.query<AuditRow>(
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
