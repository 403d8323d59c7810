import type { Logger } from 'pino';
import type { AuditEntry, AuditFilter, AuditRecord, AuditRepository } from '../repositories/auditRepository.js';
import type { Page, PageCursor } from '../repositories/pageCursor.js';

/**
 * The audit trail of sensitive actions (enroll, purge, POS identify, conversions, key changes):
 * who, what, which member, when, outcome. It holds ids, codes and distances, never photos or
 * descriptors, and it outlives the members it names.
 */
export class AuditLog {
  constructor(
    private readonly repository: AuditRepository,
    private readonly logger: Logger,
  ) {}

  /** Appends an entry; a failure is logged, never turned into a failed request after the fact. */
  async record(entry: AuditEntry): Promise<void> {
    try {
      await this.repository.append(entry);
    } catch (error) {
      this.logger.error({ err: error, action: entry.action, memberId: entry.memberId, outcome: entry.outcome }, 'audit record could not be written');
    }
  }

  query(filter: AuditFilter, limit: number, after?: PageCursor): Promise<Page<AuditRecord>> {
    return this.repository.page(filter, limit, after);
  }
}
