import type { LoyaltyRules } from '../config.js';
import type { Queryable } from '../db/pool.js';
import type { Member, MemberKind, MemberRepository } from '../repositories/memberRepository.js';
import type { PointsLedgerRepository } from '../repositories/pointsLedgerRepository.js';
import type { PurchaseRepository } from '../repositories/purchaseRepository.js';
import type { VisitRepository } from '../repositories/visitRepository.js';
import type { Clock } from './clock.js';
import { deriveProfile, PROFILE_WINDOW_DAYS, type DerivedProfile } from './profile.js';

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
  visits: VisitRepository;
  purchases: PurchaseRepository;
  ledger: PointsLedgerRepository;
  rules: LoyaltyRules;
  clock: Clock;
}

/** Reads a member's events and derives their profile (see profile.ts). */
export class ProfileService {
  constructor(private readonly deps: ProfileServiceDeps) {}

  async profileOf(member: Member, db?: Queryable): Promise<MemberProfile> {
    const now = this.deps.clock();
    const since = new Date(now.getTime() - PROFILE_WINDOW_DAYS * 86_400_000);
    const reads = [
      () => this.deps.visits.timesSince(member.id, since, PROFILE_EVENT_LIMIT, db),
      () => this.deps.purchases.activitySince(member.id, since, PROFILE_EVENT_LIMIT, db),
      () => this.deps.ledger.balance(member.id, db),
    ] as const;
    // On the pool the three reads run side by side; one transaction's client takes them in turn.
    const [visits, purchases, pointsBalance] = db
      ? [await reads[0](), await reads[1](), await reads[2]()]
      : await Promise.all([reads[0](), reads[1](), reads[2]()]);
    const { behaviourTags, ...derived } = deriveProfile(
      { createdAt: new Date(member.createdAt), assignedTier: member.tier, visits, purchases },
      now,
      this.deps.rules,
    );
    return { kind: member.kind, pointsBalance, tags: [...new Set([...member.tags, ...behaviourTags])], ...derived };
  }

  /** The member and their profile; undefined when there is no such member (purged a moment ago). */
  async cardOf(memberId: string): Promise<MemberCard | undefined> {
    const member = await this.deps.members.findById(memberId);
    return member && { member, profile: await this.profileOf(member) };
  }
}
