import { withTransaction, type Pool, type Queryable } from '../../db/pool.js';
import { CampaignEngine } from '../loyalty/campaignEngine.js';
import type { CampaignTrigger } from '../loyalty/campaignRules.js';
import { memberNotFound, trailNotKept } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import { localDate } from '../../shared/timeZones.js';
import type { Camera, CameraRepository } from '../../repositories/cameraRepository.js';
import type { MallCountsRepository } from '../../repositories/mallCountsRepository.js';
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
  /** The dashboard's footfall, counted with each new visit. */
  counts: Pick<MallCountsRepository, 'countVisit'>;
  /** What a trail names of each camera. */
  cameras: Pick<CameraRepository, 'findMany'>;
  /** Days a trail is kept (TRAIL_RETENTION_DAYS); 0: none beyond the dedup window. */
  trailRetentionDays: number;
  /** A mall's day when it has no time zone of its own (MALL_TIMEZONE). */
  defaultTimeZone: string;
  clock: Clock;
}

/** One stop of a member's path through a mall: a camera's sightings of them, first to last. */
export interface TrailStop {
  visitId: string;
  mallId: string;
  cameraId: string;
  /** Null when the camera has been removed since. */
  camera: Pick<Camera, 'name' | 'zone' | 'position'> | null;
  firstSeenAt: string;
  lastSeenAt: string;
  dwellSeconds: number;
  sightings: number;
}

const DAY_MS = 86_400_000;

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
      const sighting = await this.deps.visits.recordSighting(memberId, member.kind, cameraId, mallId, at, this.deps.dedupSeconds, tx);
      // A visit makes the member a regular of the mall (REGULAR_DAYS), in the same transaction.
      await this.deps.activity.touch(memberId, mallId, at, 'visit', tx);
      const { visit, newVisit } = sighting;
      const { profile, returningFromDormant } = await this.deps.profiles.afterSighting(member, newVisit ? new Date(visit.firstSeenAt) : undefined, tx);
      if (newVisit) {
        const { tier, segment } = profile;
        if (returningFromDormant) await this.deps.visits.markReturningFromDormant(visit.id, memberId, tx);
        await this.deps.counts.countVisit({ id: visit.id, memberId, memberKind: member.kind, cameraId, mallId, at }, this.deps.defaultTimeZone, tx);
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

  /**
   * The member's path on one local day (each mall's own), stop by stop in the order they began;
   * `mallId` limits it to one mall (a mall-bound key sees its own mall's part).
   */
  async trail(memberId: string, date: string | undefined, mallId: string | null): Promise<{ date: string; stops: TrailStop[] }> {
    if (this.deps.trailRetentionDays === 0) throw trailNotKept();
    if (!(await this.deps.members.findById(memberId))) throw memberNotFound(memberId);
    const day = date ?? localDate(this.deps.clock(), this.deps.defaultTimeZone);
    const visits = await this.deps.visits.trailOf(memberId, day, this.deps.defaultTimeZone, mallId);
    const cameras = new Map((await this.deps.cameras.findMany([...new Set(visits.map((v) => v.cameraId!))])).map((c) => [c.id, c]));
    const stops = visits.map((visit) => {
      const camera = cameras.get(visit.cameraId!);
      return {
        visitId: visit.id,
        mallId: visit.mallId,
        cameraId: visit.cameraId!,
        camera: camera ? { name: camera.name, zone: camera.zone, position: camera.position } : null,
        firstSeenAt: visit.firstSeenAt,
        lastSeenAt: visit.lastSeenAt,
        dwellSeconds: Math.round((Date.parse(visit.lastSeenAt) - Date.parse(visit.firstSeenAt)) / 1000),
        sightings: visit.sightings,
      };
    });
    return { date: day, stops };
  }

  /**
   * Forgets where members were once the trail's retention has passed (the camera of each visit;
   * its time stays for the profile). Kept at least the dedup window, which needs the camera to
   * join sightings into a visit.
   */
  forgetOldTrails(): Promise<number> {
    const keptMs = Math.max(this.deps.trailRetentionDays * DAY_MS, this.deps.dedupSeconds * 1000);
    return this.deps.visits.forgetTrailsBefore(new Date(this.deps.clock().getTime() - keptMs));
  }

  async history(memberId: string, limit: number, after?: PageCursor): Promise<Page<Visit>> {
    if (!(await this.deps.members.findById(memberId))) throw memberNotFound(memberId);
    return this.deps.visits.page(memberId, limit, after);
  }
}

