import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { invalidInput } from '../errors.js';
import type { StoredRequest } from '../../repositories/loyaltyRecords.js';

/**
 * The digest of an idempotent request (a purchase, a redemption, a refund) that tells a replay
 * from a conflicting reuse of its id: SHA-256 of its canonical JSON (RFC 8785: keys sorted, no
 * whitespace, absent fields left out). Stored with each row, so the form must never change.
 */
export function requestDigest(request: Record<string, unknown>): string {
  let json: string | undefined;
  try {
    json = canonicalize(request);
  } catch {
    json = undefined; // a lone UTF-16 surrogate in a text field: not text any receipt can hold
  }
  if (json === undefined) throw invalidInput('the request holds text that is not valid Unicode');
  return createHash('sha256').update(json).digest('hex');
}


/**
 * The stored answer when this id was seen before with the same request; `conflict` when it was
 * seen with another (a different member, amount, …); undefined when it is new.
 */
export function replayOf<T>(stored: StoredRequest | undefined, requestHash: string, conflict: () => Error): { receipt: T; replayed: true } | undefined {
  if (!stored) return undefined;
  if (stored.requestHash !== requestHash) throw conflict();
  return { receipt: stored.response as T, replayed: true };
}
