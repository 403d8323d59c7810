import type { Logger } from 'pino';
import type { AuditEntry, AuditFilter, AuditRecord, AuditRepository } from '../../repositories/auditRepository.js';
import { exponentialBackoff } from '../../shared/backoff.js';
import { isDatabaseUnavailable } from '../errors.js';
import type { Page, PageCursor } from '../../repositories/pageCursor.js';
import { auditLink, GENESIS, verifyChain, type ChainReport } from './auditChain.js';

/**
 * The audit trail of sensitive actions (enroll, purge, POS identify, conversions, key changes):
 * who, what, which member, when, outcome. It holds ids, codes and distances, never photos or
 * descriptors, and it outlives the members it names. Each record is chained to the one before
 * (auditChain.ts), so an edit, a removal or an insertion in SQL shows at `visage audit verify`.
 */
export class AuditLog {
  private buffer: AuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Consecutive flushes the database was not there for (the retry waits longer after each). */
  private outages = 0;

  constructor(
    private readonly repository: AuditRepository,
    private readonly logger: Logger,
    /** Entries are written together at most this long after their request ends (one INSERT per batch, not per request). */
    private readonly flushMs = 100,
    /** Entries held through a database outage, at most: past it the oldest are given up, each logged. */
    private readonly maxHeld = 50_000,
  ) {}

  /** Queues an entry, stamped with the time now; it is written with the next batch. */
  record(entry: Omit<AuditEntry, 'at'>): void {
    this.buffer.push({ ...entry, at: new Date() });
    if (this.buffer.length >= 200 && this.outages === 0) void this.flush();
    else this.schedule(this.flushMs);
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), delayMs);
    this.timer.unref();
  }

  /**
   * Writes what is queued; a failure never fails a request. While the database is unreachable the
   * batch is kept, in order and with its times, and written when it is back (retried after 1 s,
   * doubling to 5 s: a retry costs one refused connection, and the records should land soon after
   * the database does): the record of what was done just before or during an outage is the one an
   * auditor asks for. Any other failure is logged with the entries and not retried.
   */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      try {
        await this.repository.appendMany(batch, auditLink, GENESIS);
        this.outages = 0;
      } catch (error) {
        if (isDatabaseUnavailable(error)) this.holdForRetry(batch, error);
        else this.giveUp(batch, error);
      }
    });
    return this.flushing;
  }

  /** At shutdown: writes what is queued, and logs (with every field) what an outage still holds. */
  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length > 0) this.giveUp(this.buffer.splice(0), new Error('the service stopped while the database was unreachable'));
  }

  private holdForRetry(batch: AuditEntry[], error: unknown): void {
    this.buffer = [...batch, ...this.buffer];
    const excess = this.buffer.length - this.maxHeld;
    if (excess > 0) this.giveUp(this.buffer.splice(0, excess), error);
    this.outages++;
    if (this.outages === 1) this.logger.warn({ err: error, held: this.buffer.length }, 'audit records held until the database is back');
    this.schedule(exponentialBackoff(this.outages - 1, 1_000, 5_000));
  }

  /** The log is then the only record of these: every field goes into it. */
  private giveUp(entries: AuditEntry[], error: unknown): void {
    for (const entry of entries) this.logger.error({ err: error, audit: entry }, 'audit record could not be written');
  }

  /** Checks the whole chain (after writing what is queued) and reports its first broken link. */
  async verify(): Promise<ChainReport> {
    await this.flush();
    return verifyChain(this.repository.streamChained(), await this.repository.countUnchained());
  }

  /** Reads the log (after writing what is queued, so that a reader sees every finished request). */
  async query(filter: AuditFilter, limit: number, after?: PageCursor): Promise<Page<AuditRecord>> {
    await this.flush();
    return this.repository.page(filter, limit, after);
  }
}
