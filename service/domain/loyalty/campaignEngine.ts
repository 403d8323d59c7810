import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { withTransaction, type Pool, type Queryable } from '../../db/pool.js';
import type { Outbox } from '../events/outbox.js';
import type { LoyaltyRules } from '../members/loyalty.js';
import type { MemberProfile, ProfileService } from '../members/profileService.js';
import type { MallPartitions } from '../recognition/mallPartitions.js';
import type { Segment } from '../members/profile.js';
import type { Clock } from '../shared/clock.js';
import type { CampaignRepository } from '../../repositories/campaignRepository.js';
import type { CouponRepository } from '../../repositories/couponRepository.js';
import type { MallRepository } from '../../repositories/mallRepository.js';
import type { Member, MemberRepository } from '../../repositories/memberRepository.js';
import type { PointsLedgerRepository } from '../../repositories/pointsLedgerRepository.js';
import type { PurchaseItem } from '../../repositories/purchaseRepository.js';
import { localClock } from '../../shared/timeZones.js';
import { conditionsMet, limitsOf, NO_BRAND, wantsBrand, type Campaign, type CampaignTrigger, type StoreBrand, type TriggerContext } from './campaignRules.js';
import { lotExpiry } from './lots.js';

const DAY_MS = 86_400_000;

/** Something that happened to a member that campaigns may answer. */
export interface TriggerEvent {
  trigger: CampaignTrigger;
  memberId: string;
  mallId: string;
  storeId: string | null;
  at: Date;
  tier: string;
  segment: Segment;
  /** Purchases: the amount, the basket, the points it earned before campaigns, its transaction id. */
  amount?: number;
  items?: PurchaseItem[];
  basePoints?: number;
  transactionId?: string;
}

export interface IssuedCoupon {
  couponId: string;
  campaignId: string;
  title: string;
  expiresAt: string;
}

export interface CampaignOutcome {
  /** Points the campaigns added (bonus and multiplier), each a lot of its own. */
  points: number;
  coupons: IssuedCoupon[];
  applied: { campaignId: string; name: string; points: number; couponId: string | null }[];
}

export interface CampaignEngineDeps {
  pool: Pool;
  campaigns: CampaignRepository;
  coupons: CouponRepository;
  ledger: PointsLedgerRepository;
  members: MemberRepository;
  malls: MallRepository;
  /** The served malls' time zones, as last read. */
  partitions: Pick<MallPartitions, 'timeZoneOf'>;
  profiles: ProfileService;
  outbox: Outbox;
  rules: LoyaltyRules;
  clock: Clock;
  logger: Logger;
}

/**
 * Applies campaigns to what happens, inside the transaction of the change that triggered them (a
 * purchase, a visit, an enrollment; the daily birthday pass): its points, coupons and events are
 * committed with it or not at all. The caller holds the member's row lock, so per-member limits
 * count what is committed; a total limit is taken from the campaign's budget row.
 */
export class CampaignEngine {
  constructor(private readonly deps: CampaignEngineDeps) {}

  /**
   * The mall's time zone (its own, else MALL_TIMEZONE): as the partitions last read it for a mall
   * served here (a change reaches them within PARTITIONS_REFRESH_SECONDS), else from PostgreSQL —
   * in the caller's transaction when there is one, never a second connection while it waits.
   */
  /** A store's brand (stores.brand) and its group; nulls without a store or a brand. */
  async brandOf(storeId: string | null): Promise<StoreBrand> {
    const store = storeId ? await this.deps.malls.findStore(storeId) : undefined;
    return store ? { brand: store.brand, brandGroup: store.brandGroup } : NO_BRAND;
  }

  async timeZoneOf(mallId: string, db?: Queryable): Promise<string> {
    return this.deps.partitions.timeZoneOf(mallId) ?? (await this.deps.malls.findMall(mallId, db))?.timeZone ?? this.deps.rules.timeZone;
  }

  /**
   * Applies the mall's active campaigns of the event's trigger. `when`: a further test of the
   * event (in the mall's time zone), asked only when some campaign could apply: its query is not
   * paid by the many events that trigger nothing.
   */
  async apply(event: TriggerEvent, tx: Queryable, when?: (timeZone: string) => Promise<boolean>): Promise<CampaignOutcome> {
    const outcome: CampaignOutcome = { points: 0, coupons: [], applied: [] };
    const campaigns = await this.deps.campaigns.active(event.trigger, event.mallId, tx);
    if (campaigns.length === 0) return outcome;
    const timeZone = await this.timeZoneOf(event.mallId, tx);
    if (when && !(await when(timeZone))) return outcome;
    const brand = wantsBrand(campaigns) ? await this.brandOf(event.storeId) : NO_BRAND;
    const ctx: TriggerContext = { ...event, ...brand, ...localClock(event.at, timeZone) };
    for (const campaign of campaigns) {
      if (!conditionsMet(campaign.conditions, ctx)) continue;
      if (!(await this.withinLimits(campaign, event, timeZone, tx))) continue;
      outcome.applied.push(await this.award(campaign, event, tx, outcome));
    }
    return outcome;
  }

  private async withinLimits(campaign: Campaign, event: TriggerEvent, timeZone: string, tx: Queryable): Promise<boolean> {
    const { perMember, total } = limitsOf(campaign);
    if (perMember) {
      const awarded = await this.deps.campaigns.awardsInPeriod(campaign.id, event.memberId, perMember.period, event.at, timeZone, tx);
      if (awarded >= perMember.count) return false;
    }
    // Last: a budget taken is not given back within this transaction.
    return total === undefined || this.deps.campaigns.takeFromTotal(campaign.id, total, tx);
  }

  private async award(campaign: Campaign, event: TriggerEvent, tx: Queryable, outcome: CampaignOutcome): Promise<CampaignOutcome['applied'][number]> {
    const { effect } = campaign;
    let points = 0;
    let couponId: string | null = null;
    if ('bonusPoints' in effect) points = effect.bonusPoints;
    if ('pointsMultiplier' in effect) points = Math.floor((event.basePoints ?? 0) * (effect.pointsMultiplier - 1) + 1e-9);
    if (points > 0) {
      await this.deps.ledger.credit(
        {
          memberId: event.memberId,
          points,
          reason: 'campaign',
          at: event.at,
          expiresAt: lotExpiry(event.at, this.deps.rules.pointsExpireMonths),
          transactionId: event.transactionId ?? null,
          reference: campaign.id,
        },
        tx,
      );
      outcome.points += points;
    }
    if ('coupon' in effect) {
      const template = effect.coupon;
      couponId = randomUUID();
      const expiresAt = new Date(event.at.getTime() + template.validDays * DAY_MS);
      await this.deps.coupons.insert(
        {
          id: couponId,
          memberId: event.memberId,
          campaignId: campaign.id,
          title: template.title,
          kind: template.kind,
          value: template.value,
          minSpend: template.minSpend ?? 0,
          categories: template.categories ?? [],
          mallId: campaign.mallId,
          issuedAt: event.at,
          expiresAt,
        },
        tx,
      );
      const issued = { couponId, campaignId: campaign.id, title: template.title, expiresAt: expiresAt.toISOString() };
      outcome.coupons.push(issued);
      await this.deps.outbox.record(tx, 'coupon.issued', { memberId: event.memberId, ...issued }, event.at);
    }
    await this.deps.campaigns.recordAward({ campaignId: campaign.id, memberId: event.memberId, at: event.at, points, couponId }, tx);
    return { campaignId: campaign.id, name: campaign.name, points, couponId };
  }

  /** The trigger event of a member's card (tier and segment as they stand now). */
  static eventOf(trigger: CampaignTrigger, memberId: string, profile: Pick<MemberProfile, 'tier' | 'segment'>, place: { mallId: string; storeId?: string | null; at: Date }): TriggerEvent {
    return { trigger, memberId, mallId: place.mallId, storeId: place.storeId ?? null, at: place.at, tier: profile.tier, segment: profile.segment };
  }

  /** The enrollment campaigns of a member whose first face was just stored (in that transaction). */
  async onFirstFace(member: Member, tx: Queryable): Promise<void> {
    const profile = await this.deps.profiles.profileOf(member, tx);
    await this.apply(CampaignEngine.eventOf('enrollment', member.id, profile, { mallId: member.homeMallId, at: this.deps.clock() }), tx);
  }

  /**
   * The daily birthday pass: members whose birthday is today in their home mall's time zone get
   * the birthday campaigns (once a year unless a campaign says otherwise). Returns the awards.
   */
  async birthdays(): Promise<number> {
    const now = this.deps.clock();
    let awards = 0;
    for (const memberId of await this.deps.members.withBirthdayToday(now, this.deps.rules.timeZone)) {
      awards += await withTransaction(this.deps.pool, async (tx) => {
        const member = await this.deps.members.lockForUpdate(memberId, tx);
        if (!member || member.kind !== 'member') return 0;
        const profile = await this.deps.profiles.profileOf(member, tx);
        const outcome = await this.apply(CampaignEngine.eventOf('birthday', memberId, profile, { mallId: member.homeMallId, at: now }), tx);
        return outcome.applied.length;
      });
    }
    return awards;
  }
}
