import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditEntry } from '../../repositories/auditRepository.js';

/** The hash before the first chained record. */
export const GENESIS = Buffer.alloc(32);

/**
 * One link of the audit chain: SHA-256 over the previous record's hash and this record's
 * canonical JSON (RFC 8785), its time included. Stored with each record, so the form must never
 * change; an edited field, a removed record or one slipped in between breaks the chain there.
 */
export function auditLink(previous: Buffer, entry: AuditEntry, at: Date): Buffer {
  const record = {
    at: at.toISOString(),
    keyId: entry.keyId,
    keyName: entry.keyName,
    role: entry.role,
    action: entry.action,
    memberId: entry.memberId,
    outcome: entry.outcome,
    status: entry.status,
    requestId: entry.requestId,
    details: entry.details,
  };
  return createHash('sha256').update(previous).update(canonicalize(record) ?? '').digest();
}

/** A record as read back for verification. */
export interface ChainedRecord extends AuditEntry {
  id: string;
  at: Date;
  prevHash: Buffer;
  hash: Buffer;
}

export interface ChainReport {
  /** Chained records checked. */
  checked: number;
  /** Records written before the chain began (unchained). */
  unchained: number;
  firstRecordAt: string | null;
  lastRecordAt: string | null;
  /** The first broken link, or null when the whole chain holds. */
  firstBroken: { id: string; at: string; reason: string } | null;
}

/**
 * Walks the chain in order and reports the first record whose link does not hold: its content
 * was changed (its hash no longer matches), or the record before it was removed or another put
 * in between (its previous hash is not the record before's).
 */
export async function verifyChain(records: AsyncIterable<ChainedRecord[]>, unchained: number): Promise<ChainReport> {
  let previous: Buffer | undefined;
  let checked = 0;
  let firstRecordAt: string | null = null;
  let lastRecordAt: string | null = null;
  for await (const page of records) {
    for (const record of page) {
      const at = record.at.toISOString();
      firstRecordAt ??= at;
      lastRecordAt = at;
      const broken = (reason: string): ChainReport => ({ checked, unchained, firstRecordAt, lastRecordAt, firstBroken: { id: record.id, at, reason } });
      if (previous && !record.prevHash.equals(previous)) return broken('its previous hash is not the hash of the record before it: a record was removed or inserted before it');
      if (!previous && !record.prevHash.equals(GENESIS)) return broken('the first chained record does not start from the genesis hash: records before it were removed');
      if (!auditLink(record.prevHash, record, record.at).equals(record.hash)) return broken('its content does not match its hash: the record was changed');
      previous = record.hash;
      checked += 1;
    }
  }
  return { checked, unchained, firstRecordAt, lastRecordAt, firstBroken: null };
}
