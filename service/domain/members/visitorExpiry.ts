import type { Logger } from 'pino';
import type { MemberRepository } from '../../repositories/memberRepository.js';
import type { Clock } from '../shared/clock.js';
import type { MemberService } from './memberService.js';

/** Expired visitors purged per pass; the next pass takes the rest. */
const BATCH = 100;

/**
 * Purges anonymous visitors whose time ran out without converting. Expiry is a real purge (the
 * same path as DELETE): templates, events, photos and index entries all go.
 */
export class VisitorExpiry {
  constructor(
    private readonly members: MemberRepository,
    private readonly memberService: MemberService,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Purges every expired visitor; returns how many. */
  async sweep(): Promise<number> {
    let purged = 0;
    for (;;) {
      const ids = await this.members.expiredVisitorIds(this.clock(), BATCH);
      const before = purged;
      for (const id of ids) {
        await this.memberService.purge(id).then(
          () => (purged += 1),
          (error: unknown) => this.logger.warn({ err: error, memberId: id }, 'expired visitor purge failed'),
        );
      }
      // A full batch that purged nothing would come back the same: leave it to the next pass.
      if (ids.length < BATCH || purged === before) break;
    }
    if (purged > 0) this.logger.info({ purged }, 'expired visitors purged');
    return purged;
  }
}
