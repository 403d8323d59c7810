import type { LoyaltyRules } from './loyalty.js';
import type { Queryable } from '../../db/pool.js';
import type { Member, MemberKind, MemberRepository } from '../../repositories/memberRepository.js';
import type { MemberActivityRepository } from '../../repositories/memberActivityRepository.js';
import type { Clock } from '../shared/clock.js';
import { deriveProfile, PROFILE_WINDOW_DAYS, type DerivedProfile, type Segment } from './profile.js';

/** Events read per member and kind for a profile: far more than a year of weekly visits. */
const PROFILE_EVENT_LIMIT = 2_000;

/** What a cashier or the entrance staff see of a member. */
export interface MemberProfile extends Omit<DerivedProfile, 'behaviourTags'> {
  kind: MemberKind;
  pointsBalance: number;
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
    const since = new Date(now.getTime() - PROFILE_WINDOW_DAYS * 86_400_000);
    const { visits, purchases, pointsBalance } = await this.deps.activity.since(member.id, since, PROFILE_EVENT_LIMIT, db);
    const { behaviourTags, ...derived } = deriveProfile(
      { createdAt: new Date(member.createdAt), assignedTier: member.tier, visits, purchases },
      now,
      this.deps.rules,
    );
    return { kind: member.kind, pointsBalance, tags: [...new Set([...member.tags, ...behaviourTags])], ...derived };
  }

  /**
   * What `visit.started` says of a member whose visit began at `startedAt` (already recorded in
   * `db`'s transaction): tier and segment with the visit counted, and whether the member was
   * dormant before it — the same profile without that visit.
   */
  async atVisitStart(member: Member, startedAt: Date, db: Queryable): Promise<{ tier: string; segment: Segment; returningFromDormant: boolean }> {
    // A camera's clock may run a little ahead of ours: the visit counts from its own time.
    const now = new Date(Math.max(this.deps.clock().getTime(), startedAt.getTime()));
    const since = new Date(now.getTime() - PROFILE_WINDOW_DAYS * 86_400_000);
    const { visits, purchases } = await this.deps.activity.since(member.id, since, PROFILE_EVENT_LIMIT, db);
    const input = { createdAt: new Date(member.createdAt), assignedTier: member.tier, visits, purchases };
    const withVisit = deriveProfile(input, now, this.deps.rules);
    const thisVisit = visits.findIndex((at) => at.getTime() === startedAt.getTime());
    const before = deriveProfile({ ...input, visits: visits.filter((_, i) => i !== thisVisit) }, now, this.deps.rules);
    return { tier: withVisit.tier, segment: withVisit.segment, returningFromDormant: before.segment === 'dormant' };
  }

  /** The member and their profile; undefined when there is no such member (purged a moment ago). */
  async cardOf(memberId: string): Promise<MemberCard | undefined> {
    const member = await this.deps.members.findById(memberId);
    return member && { member, profile: await this.profileOf(member) };
  }
}
