import type { LoyaltyRules } from '../members/loyalty.js';
import type { Outbox } from '../events/outbox.js';
import { withTransaction, type Pool, type Queryable } from '../../db/pool.js';
import { invalidInput, memberNotFound, transactionConflict } from '../errors.js';
import type { MemberRepository } from '../../repositories/memberRepository.js';
import type { Page, PageCursor } from '../../repositories/pageCursor.js';
import type { PointsLedgerRepository } from '../../repositories/pointsLedgerRepository.js';
import type { Purchase, PurchaseItem, PurchaseRepository } from '../../repositories/purchaseRepository.js';
import type { SaleRepository } from '../../repositories/saleRepository.js';
import type { Clock } from '../shared/clock.js';
import type { PartitionRepository } from '../../repositories/partitionRepository.js';
import { DEFAULT_MALL, type MallPartitions } from '../recognition/mallPartitions.js';
import type { Recognitions } from '../recognition/recognitions.js';
import type { Principal } from '../access/apiKeys.js';
import { CampaignEngine, type CampaignOutcome } from '../loyalty/campaignEngine.js';
import type { AppliedCoupon, CouponService } from '../loyalty/coupons.js';
import { lotExpiry } from '../loyalty/lots.js';
import { replayOf, requestDigest } from '../shared/requestDigest.js';
import type { ProfileService } from '../members/profileService.js';
import { tierFor } from '../members/profile.js';

/** A purchase as the POS reports it (already validated). */
export interface PurchaseRequest {
  transactionId: string;
  amount: number;
  currency: string;
  items: PurchaseItem[];
  storeId?: string;
  at?: string;
  /** Coupons of the member used in this purchase (spent with it). */
  coupons?: string[];
  /** The recognition of the member's face at this till: needed to use coupons. */
  recognitionId?: string;
}

export interface PurchaseReceipt {
  transactionId: string;
  memberId: string;
  amount: number;
  currency: string;
  at: string;
  /** Points this purchase earned, campaigns' bonus included. */
  points: number;
  /** The tier whose multiplier applied. */
  tier: string;
  pointsBalance: number;
  /** When this purchase's points expire (null: never). */
  pointsExpireAt: string | null;
  /** Coupons used, with what each took off. */
  coupons: AppliedCoupon[];
  /** Campaigns that applied: their points, and coupons issued for later. */
  campaigns: CampaignOutcome['applied'];
}
export interface RecordedPurchase {
  receipt: PurchaseReceipt;
  /** True when this was a repeat of an earlier request: nothing changed. */
  replayed: boolean;
}

/** A POS may send a timestamp slightly ahead of ours; further ahead is a wrong clock. */
/** How far ahead of the service's clock a till's own time may be. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The digest of a purchase request that tells a replay from a conflicting reuse of its transaction
 * id: SHA-256 of its canonical JSON (RFC 8785: keys sorted, no whitespace, absent fields left out).
 * Stored with each purchase, so the form must never change: the test pins a digest.
 */
export function purchaseRequestHash(memberId: string, request: PurchaseRequest): string {
  return requestDigest({ memberId, ...request });
}

/** Points earned: whole points, rounded down, from the amount in cents to avoid float drift. */
export function pointsFor(amount: number, pointsPerUnit: number, multiplier: number): number {
  const cents = Math.round(amount * 100);
  return Math.floor((cents * pointsPerUnit * multiplier) / 100 + 1e-9);
}

export interface PurchaseServiceDeps {
  pool: Pool;
  members: MemberRepository;
  purchases: PurchaseRepository;
  ledger: PointsLedgerRepository;
  profiles: ProfileService;
  coupons: CouponService;
  campaigns: CampaignEngine;
  recognitions: Pick<Recognitions, 'spend'>;
  outbox: Outbox;
  /** Where members are active (a purchase makes a regular), in the database and in this replica's memory. */
  activity: PartitionRepository;
  partitions: MallPartitions;
  /** A member's purchase is a sale too (the members' share of sales). */
  sales: Pick<SaleRepository, 'recordPurchase'>;
  rules: LoyaltyRules;
  clock: Clock;
}

/**
 * Purchases and points ("payment is points"). Idempotent by the POS transaction id: the first
 * request's answer is stored with the purchase and returned again for a repeat; a different
 * request under the same id is a TRANSACTION_CONFLICT. The member's row lock serialises a
 * member's purchases, and the transaction id's primary key settles races across members.
 */
export class PurchaseService {
  constructor(private readonly deps: PurchaseServiceDeps) {}

  /**
   * `principal`: the till's key: its mall for a purchase whose store is not registered, and whose
   * recognitions prove the member's face when coupons are used.
   */
  async record(memberId: string, request: PurchaseRequest, principal?: Principal): Promise<RecordedPurchase> {
    const { rules } = this.deps;
    if (request.currency !== rules.currency) {
      throw invalidInput(`this deployment accrues points in ${rules.currency}, not ${request.currency}`);
    }
    const now = this.deps.clock();
    const at = request.at ? new Date(request.at) : now;
    if (at.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) throw invalidInput('at is in the future');
    const requestHash = purchaseRequestHash(memberId, request);
    const storeId = request.storeId ?? principal?.storeId ?? null;

    // A new purchase also says its mall (the member is a regular there from now on); a replay does not.
    const recorded = await withTransaction(this.deps.pool, async (tx): Promise<RecordedPurchase & { mallId?: string }> => {
      const member = await this.deps.members.lockForUpdate(memberId, tx);
      if (!member) throw memberNotFound(memberId);
      const earlier = await this.replayOf(request.transactionId, requestHash, tx);
      if (earlier) return earlier;

      const profile = await this.deps.profiles.profileOf(member, tx);
      const tier = tierFor(profile.spendLast365Days, member.tier, rules.tiers);
      const basePoints = pointsFor(request.amount, rules.pointsPerCurrencyUnit, tier.pointsMultiplier);
      const mallId = await this.deps.purchases.insertOnce(
        { ...request, memberId, storeId, at, points: basePoints, requestHash },
        principal?.mallId ?? DEFAULT_MALL,
        tx,
      );
      if (!mallId) {
        // Another member's request took this id between our check and insert (it has committed).
        return (await this.replayOf(request.transactionId, requestHash, tx))!;
      }
      await this.deps.sales.recordPurchase({ saleId: request.transactionId, mallId, storeId, amount: request.amount, currency: request.currency, at, memberId }, tx);
      // Coupons are spent only by the member's face at this till, and only once (their rows locked).
      const couponIds = request.coupons ?? [];
      if (couponIds.length > 0) await this.deps.recognitions.spend(principal, memberId, request.recognitionId, `purchase:${request.transactionId}`, tx);
      const coupons = await this.deps.coupons.use(couponIds, { memberId, mallId, at, amount: request.amount, items: request.items, transactionId: request.transactionId }, tx);
      const pointsExpireAt = lotExpiry(at, rules.pointsExpireMonths);
      if (basePoints > 0) {
        await this.deps.ledger.credit({ memberId, points: basePoints, reason: 'purchase', at, expiresAt: pointsExpireAt, transactionId: request.transactionId }, tx);
      }
      const campaigns = await this.deps.campaigns.apply(
        { ...CampaignEngine.eventOf('purchase', memberId, { tier: tier.name, segment: profile.segment }, { mallId, storeId, at }), amount: request.amount, items: request.items, basePoints, transactionId: request.transactionId },
        tx,
      );
      const points = basePoints + campaigns.points;
      if (campaigns.points > 0) await this.deps.purchases.setPoints(request.transactionId, points, tx);
      // A purchase makes the member a regular of the mall (REGULAR_DAYS).
      await this.deps.activity.touch(memberId, mallId, at, 'purchase', tx);
      const receipt: PurchaseReceipt = {
        transactionId: request.transactionId,
        memberId,
        amount: request.amount,
        currency: request.currency,
        at: at.toISOString(),
        points,
        tier: tier.name,
        pointsBalance: profile.pointsBalance + points,
        pointsExpireAt: points > 0 ? (pointsExpireAt?.toISOString() ?? null) : null,
        coupons,
        campaigns: campaigns.applied,
      };
      await this.deps.purchases.saveResponse(request.transactionId, receipt, tx);
      await this.deps.outbox.record(
        tx,
        'purchase.recorded',
        { memberId, transactionId: request.transactionId, amount: request.amount, currency: request.currency, pointsAdded: points, pointsBalance: receipt.pointsBalance },
        at,
      );
      return { receipt, replayed: false, mallId };
    });
    const { mallId, ...answer } = recorded;
    // This replica knows the new regular at once; the others at their next read.
    if (mallId) this.deps.partitions.addRegular(mallId, memberId);
    return answer;
  }

  /** The stored answer when this transaction id was seen before with the same request. */
  private async replayOf(transactionId: string, requestHash: string, tx: Queryable): Promise<RecordedPurchase | undefined> {
    return replayOf<PurchaseReceipt>(await this.deps.purchases.findByTransaction(transactionId, tx), requestHash, () => transactionConflict(transactionId));
  }

  async history(memberId: string, limit: number, after?: PageCursor): Promise<Page<Purchase>> {
    if (!(await this.deps.members.findById(memberId))) throw memberNotFound(memberId);
    return this.deps.purchases.page(memberId, limit, after);
  }
}
