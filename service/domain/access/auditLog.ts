import type { Logger } from 'pino';
import type { AuditEntry, AuditFilter, AuditRecord, AuditRepository } from '../../repositories/auditRepository.js';
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

  constructor(
    private readonly repository: AuditRepository,
    private readonly logger: Logger,
    /** Entries are written together at most this long after their request ends (one INSERT per batch, not per request). */
    private readonly flushMs = 100,
  ) {}

  /** Queues an entry; it is written with the next batch. */
  record(entry: AuditEntry): void {
    this.buffer.push(entry);
    if (this.buffer.length >= 200) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what is queued; a failure is logged with the entries, never turned into a failed request. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      try {
        await this.repository.appendMany(batch, auditLink, GENESIS);
      } catch (error) {
        for (const entry of batch) {
          this.logger.error({ err: error, action: entry.action, keyId: entry.keyId, memberId: entry.memberId, outcome: entry.outcome }, 'audit record could not be written');
        }
      }
    });
    return this.flushing;
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
