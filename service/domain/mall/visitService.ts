import { withTransaction, type Pool, type Queryable } from '../../db/pool.js';
import { CampaignEngine } from '../loyalty/campaignEngine.js';
import type { CampaignTrigger } from '../loyalty/campaignRules.js';
import { memberNotFound } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import type { MemberCard, MemberProfile, ProfileService } from '../members/profileService.js';
import type { MemberRepository } from '../../repositories/memberRepository.js';
import type { Page, PageCursor } from '../../repositories/pageCursor.js';
import type { PartitionRepository } from '../../repositories/partitionRepository.js';
import type { RecordedSighting, Visit, VisitRepository } from '../../repositories/visitRepository.js';

export interface VisitServiceDeps {
  pool: Pool;
  members: MemberRepository;
  visits: VisitRepository;
  /** Where members are active (a mall's regulars). */
  activity: PartitionRepository;
  profiles: ProfileService;
  outbox: Outbox;
  /** Campaigns a new visit may trigger (visit, returning_from_dormant, first_visit_of_month). */
  campaigns: Pick<CampaignEngine, 'apply'>;
  /** Sightings of one member at one camera closer together than this are one visit. */
  dedupSeconds: number;
}

/** Visits: members seen by the entrance cameras. */
export class VisitService {
  constructor(private readonly deps: VisitServiceDeps) {}

  /**
   * Records a sighting, with the member's card as it stands after it; a new visit is reported as
   * `visit.started`. Undefined when the member no longer exists (purged while the frame ran).
   */
  recordSighting(memberId: string, cameraId: string, mallId: string, at: Date): Promise<(RecordedSighting & { card: MemberCard }) | undefined> {
    return withTransaction(this.deps.pool, async (tx) => {
      // The row lock serialises simultaneous frames of one member (one visit, not two) and a purge.
      const member = await this.deps.members.lockForUpdate(memberId, tx);
      if (!member) return undefined;
      const sighting = await this.deps.visits.recordSighting(memberId, cameraId, mallId, at, this.deps.dedupSeconds, tx);
      // A visit makes the member a regular of the mall (REGULAR_DAYS), in the same transaction.
      await this.deps.activity.touch(memberId, mallId, at, 'visit', tx);
      const { visit, newVisit } = sighting;
      const { profile, returningFromDormant } = await this.deps.profiles.afterSighting(member, newVisit ? new Date(visit.firstSeenAt) : undefined, tx);
      if (newVisit) {
        const { tier, segment } = profile;
        await this.deps.outbox.record(tx, 'visit.started', { memberId, kind: member.kind, visitId: visit.id, cameraId, tier, segment, returningFromDormant }, at);
        // Members' campaigns only: an anonymous visitor has no programme yet.
        if (member.kind === 'member') await this.visitCampaigns(visit, mallId, profile, returningFromDormant, tx);
      }
      return { ...sighting, card: { member, profile } };
    });
  }

  /** The campaigns a new visit triggers, in its transaction. */
  private async visitCampaigns(visit: Visit, mallId: string, profile: MemberProfile, returningFromDormant: boolean, tx: Queryable): Promise<void> {
    const { campaigns } = this.deps;
    const at = new Date(visit.firstSeenAt);
    const event = (trigger: CampaignTrigger) => CampaignEngine.eventOf(trigger, visit.memberId, profile, { mallId, at });
    await campaigns.apply(event('visit'), tx);
    if (returningFromDormant) await campaigns.apply(event('returning_from_dormant'), tx);
    await campaigns.apply(event('first_visit_of_month'), tx, async (timeZone) => !(await this.deps.visits.visitedEarlierThisMonth(visit, mallId, timeZone, tx)));
  }

  async history(memberId: string, limit: number, after?: PageCursor): Promise<Page<Visit>> {
    if (!(await this.deps.members.findById(memberId))) throw memberNotFound(memberId);
    return this.deps.visits.page(memberId, limit, after);
  }
}
