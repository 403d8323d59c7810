import type { LoyaltyRules } from './loyalty.js';
import type { Queryable } from '../../db/pool.js';
import type { Member, MemberKind, MemberRepository } from '../../repositories/memberRepository.js';
import type { MemberActivity, MemberActivityRepository } from '../../repositories/memberActivityRepository.js';
import type { Clock } from '../shared/clock.js';
import { EXPIRY_NOTICE_DAYS } from '../loyalty/lots.js';
import { deriveProfile, PROFILE_WINDOW_DAYS, type DerivedProfile } from './profile.js';

/** Events read per member and kind for a profile: far more than a year of weekly visits. */
const PROFILE_EVENT_LIMIT = 2_000;

/** What a cashier or the entrance staff see of a member. */
export interface MemberProfile extends Omit<DerivedProfile, 'behaviourTags'> {
  kind: MemberKind;
  pointsBalance: number;
  /** Points expiring within 30 days, by expiry, soonest first. */
  pointsExpiring: { points: number; expiresAt: string }[];
  /** The operator's tags and the behaviour tags, without repeats. */
  tags: string[];
}

export interface MemberCard {
  member: Member;
  profile: MemberProfile;
}

export interface ProfileServiceDeps {
  members: MemberRepository;
  activity: MemberActivityRepository;
  rules: LoyaltyRules;
  clock: Clock;
}

/** Reads a member's events and derives their profile (see profile.ts). */
export class ProfileService {
  constructor(private readonly deps: ProfileServiceDeps) {}

  async profileOf(member: Member, db?: Queryable): Promise<MemberProfile> {
    const now = this.deps.clock();
    return this.profileAt(member, await this.activityUntil(member.id, now, db), now);
  }

  /**
   * The member's profile right after a sighting recorded in `db`'s transaction, and — when the
   * sighting started a visit at `newVisitAt` — whether the member was dormant before it (the same
   * profile without that visit): one read of the member's events for the camera's answer and
   * `visit.started` both.
   */
  async afterSighting(member: Member, newVisitAt: Date | undefined, db: Queryable): Promise<{ profile: MemberProfile; returningFromDormant: boolean }> {
    // A camera's clock may run a little ahead of ours: the visit counts from its own time.
    const now = new Date(Math.max(this.deps.clock().getTime(), newVisitAt?.getTime() ?? 0));
    const activity = await this.activityUntil(member.id, now, db);
    const profile = this.profileAt(member, activity, now);
    if (!newVisitAt) return { profile, returningFromDormant: false };
    const thisVisit = activity.visits.findIndex((at) => at.getTime() === newVisitAt.getTime());
    const before = this.profileAt(member, { ...activity, visits: activity.visits.filter((_, i) => i !== thisVisit) }, now);
    return { profile, returningFromDormant: before.segment === 'dormant' };
  }

  /** The member's events of the profile window that ends `now`. */
  private activityUntil(memberId: string, now: Date, db?: Queryable): Promise<MemberActivity> {
    const since = new Date(now.getTime() - PROFILE_WINDOW_DAYS * 86_400_000);
    const expiringBefore = new Date(now.getTime() + EXPIRY_NOTICE_DAYS * 86_400_000);
    return this.deps.activity.since(memberId, since, PROFILE_EVENT_LIMIT, expiringBefore, db);
  }

  private profileAt(member: Member, { visits, purchases, pointsBalance, pointsExpiring }: MemberActivity, now: Date): MemberProfile {
    const { behaviourTags, ...derived } = deriveProfile(
      { createdAt: new Date(member.createdAt), assignedTier: member.tier, visits, purchases },
      now,
      this.deps.rules,
    );
    return { kind: member.kind, pointsBalance, pointsExpiring, tags: [...new Set([...member.tags, ...behaviourTags])], ...derived };
  }

  /** The member and their profile; undefined when there is no such member (purged a moment ago). */
  async cardOf(memberId: string): Promise<MemberCard | undefined> {
    const member = await this.deps.members.findById(memberId);
    return member && { member, profile: await this.profileOf(member) };
  }
}
