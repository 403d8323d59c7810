import type { Logger } from 'pino';
import { withTransaction, type Pool } from '../../db/pool.js';
import type { Principal } from '../access/apiKeys.js';
import { insufficientPoints, memberNotFound, transactionConflict } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import type { Recognitions } from '../recognition/recognitions.js';
import { DEFAULT_MALL } from '../recognition/mallPartitions.js';
import type { Clock } from '../shared/clock.js';
import { replayOf, requestDigest } from '../shared/requestDigest.js';
import type { MemberRepository } from '../../repositories/memberRepository.js';
import type { Lot, PointsLedgerRepository, PointsTotals } from '../../repositories/pointsLedgerRepository.js';
import type { RedemptionRepository } from '../../repositories/redemptionRepository.js';
import { drawInOrder, EXPIRY_NOTICE_DAYS, pointsIn } from './lots.js';

const DAY_MS = 86_400_000;
/** Members (or lots) one pass of the expiry job takes at a time. */
const EXPIRY_BATCH = 500;

export interface RedemptionRequest {
  redemptionId: string;
  points: number;
  storeId?: string;
  recognitionId?: string;
}

export interface RedemptionReceipt {
  redemptionId: string;
  memberId: string;
  points: number;
  pointsBalance: number;
  /** The lots drawn from, oldest first. */
  lots: { lotId: string; points: number; expiresAt: string | null }[];
  storeId: string | null;
  at: string;
  /** The recognition that proved the face at the till (and whether liveness was checked then). */
  recognition: { id: string; liveness: boolean | null } | null;
}

export interface MemberPoints extends PointsTotals {
  /** Points of lots expiring within EXPIRY_NOTICE_DAYS, by expiry. */
  expiringSoon: { points: number; expiresAt: string }[];
  /** The lots with points left, oldest first (the order they are spent in). */
  lots: Lot[];
}

export interface PointsServiceDeps {
  pool: Pool;
  members: MemberRepository;
  ledger: PointsLedgerRepository;
  redemptions: RedemptionRepository;
  recognitions: Pick<Recognitions, 'spend'>;
  outbox: Outbox;
  clock: Clock;
  logger: Logger;
}

/** Points expiring within the notice window, summed by expiry. */
export function expiringSoon(lots: readonly Lot[], now: Date): { points: number; expiresAt: string }[] {
  const until = now.getTime() + EXPIRY_NOTICE_DAYS * DAY_MS;
  const byExpiry = new Map<string, number>();
  for (const lot of lots) {
    if (lot.expiresAt && Date.parse(lot.expiresAt) <= until) byExpiry.set(lot.expiresAt, (byExpiry.get(lot.expiresAt) ?? 0) + lot.remaining);
  }
  return [...byExpiry].sort(([a], [b]) => a.localeCompare(b)).map(([expiresAt, points]) => ({ expiresAt, points }));
}

/**
 * Points spent and points that expire. Spending takes the oldest lots first, under the member's
 * row lock (two tills spending the same points: one waits, then finds them gone), and at a till
 * spends the recognition that proves the member's face is there. Expiry appends what is left of
 * an expired lot as a debit: the ledger is never changed in place.
 */
export class PointsService {
  constructor(private readonly deps: PointsServiceDeps) {}

  async redeem(memberId: string, request: RedemptionRequest, principal?: Principal): Promise<{ receipt: RedemptionReceipt; replayed: boolean }> {
    const requestHash = requestDigest({ memberId, ...request });
    const conflict = () => transactionConflict(request.redemptionId, 'redemption');
    return withTransaction(this.deps.pool, async (tx) => {
      if (!(await this.deps.members.lockForUpdate(memberId, tx))) throw memberNotFound(memberId);
      const earlier = replayOf<RedemptionReceipt>(await this.deps.redemptions.find(request.redemptionId, tx), requestHash, conflict);
      if (earlier) return earlier;

      const lots = await this.deps.ledger.openLots(memberId, tx);
      const balance = lots.reduce((sum, lot) => sum + lot.remaining, 0);
      if (request.points > balance) throw insufficientPoints(balance, request.points);
      const recognition = await this.deps.recognitions.spend(principal, memberId, request.recognitionId, `redemption:${request.redemptionId}`, tx);
      const at = this.deps.clock();
      const storeId = request.storeId ?? principal?.storeId ?? null;
      const inserted = await this.deps.redemptions.insertOnce(
        { redemptionId: request.redemptionId, memberId, requestHash, points: request.points, storeId, recognitionId: recognition?.id ?? null, at },
        principal?.mallId ?? DEFAULT_MALL,
        tx,
      );
      // The id was taken by another member's redemption between our check and insert.
      if (!inserted) throw conflict();
      const draws = drawInOrder(lots, request.points);
      await this.deps.ledger.debit(memberId, draws, { reason: 'redemption', at, reference: request.redemptionId }, tx);
      const expiryOf = new Map(lots.map((lot) => [lot.lotId, lot.expiresAt]));
      const receipt: RedemptionReceipt = {
        redemptionId: request.redemptionId,
        memberId,
        points: pointsIn(draws),
        pointsBalance: balance - request.points,
        lots: draws.map((d) => ({ lotId: d.lotId, points: d.points, expiresAt: expiryOf.get(d.lotId) ?? null })),
        storeId,
        at: at.toISOString(),
        recognition: recognition ? { id: recognition.id, liveness: recognition.liveness } : null,
      };
      await this.deps.redemptions.saveResponse(request.redemptionId, receipt, tx);
      await this.deps.outbox.record(tx, 'points.redeemed', { memberId, redemptionId: request.redemptionId, points: request.points, pointsBalance: receipt.pointsBalance, storeId }, at);
      return { receipt, replayed: false };
    });
  }

  /** The member's balance, where it came from, what expires soon, and the lots. */
  async pointsOf(memberId: string): Promise<MemberPoints> {
    if (!(await this.deps.members.findById(memberId))) throw memberNotFound(memberId);
    const [totals, lots] = await Promise.all([this.deps.ledger.totals(memberId), this.deps.ledger.openLots(memberId)]);
    return { ...totals, expiringSoon: expiringSoon(lots, this.deps.clock()), lots };
  }

  /** Expires what is left of every lot past its expiry; returns the points expired. */
  async expireDue(): Promise<number> {
    let expired = 0;
    for (;;) {
      const now = this.deps.clock();
      const memberIds = await this.deps.ledger.membersWithDueLots(now, EXPIRY_BATCH);
      for (const memberId of memberIds) expired += await this.expireMember(memberId, now);
      if (memberIds.length < EXPIRY_BATCH) return expired;
    }
  }

  private expireMember(memberId: string, now: Date): Promise<number> {
    return withTransaction(this.deps.pool, async (tx) => {
      // Under the member's lock: a redemption cannot draw from a lot while it expires.
      if (!(await this.deps.members.lockForUpdate(memberId, tx))) return 0;
      const due = await this.deps.ledger.dueLots(memberId, now, tx);
      if (due.length === 0) return 0; // another replica got here first
      const draws = due.map((lot) => ({ lotId: lot.lotId, points: lot.remaining }));
      await this.deps.ledger.debit(memberId, draws, { reason: 'expiry', at: now }, tx);
      const points = pointsIn(draws);
      const pointsBalance = await this.deps.ledger.balance(memberId, tx);
      await this.deps.outbox.record(tx, 'points.expired', { memberId, points, pointsBalance }, now);
      return points;
    });
  }

  /** Sends `points.expiring` once for each lot that expires within EXPIRY_NOTICE_DAYS; returns how many. */
  async announceExpiring(): Promise<number> {
    let sent = 0;
    for (;;) {
      const now = this.deps.clock();
      const lots = await this.deps.ledger.lotsToAnnounce(now, new Date(now.getTime() + EXPIRY_NOTICE_DAYS * DAY_MS), EXPIRY_BATCH);
      for (const lot of lots) {
        const announced = await withTransaction(this.deps.pool, async (tx) => {
          if (!(await this.deps.ledger.markAnnounced(lot.memberId, lot.lotId, now, tx))) return false;
          const pointsBalance = await this.deps.ledger.balance(lot.memberId, tx);
          await this.deps.outbox.record(tx, 'points.expiring', { memberId: lot.memberId, points: lot.remaining, expiresAt: lot.expiresAt!, pointsBalance }, now);
          return true;
        });
        if (announced) sent += 1;
      }
      if (lots.length < EXPIRY_BATCH) return sent;
    }
  }
}
