import { withTransaction, type Pool, type Queryable } from '../../db/pool.js';
import { insufficientPoints, memberNotFound, partnerNotFound, transactionConflict, transferOutOfLimits } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import type { Clock } from '../shared/clock.js';
import { replayOf, requestDigest } from '../shared/requestDigest.js';
import type { MemberRepository } from '../../repositories/memberRepository.js';
import type { PartnerRepository } from '../../repositories/partnerRepository.js';
import type { PointsLedgerRepository } from '../../repositories/pointsLedgerRepository.js';
import type { TransferRepository } from '../../repositories/transferRepository.js';
import { drawInOrder, lotExpiry } from './lots.js';

export interface TransferRequest {
  transferId: string;
  partnerId: string;
  /** `out`: our points to the partner; `in`: the partner's points to us. */
  direction: 'out' | 'in';
  /** The points that leave their programme: ours (out), the partner's (in). */
  points: number;
}

export interface TransferReceipt {
  transferId: string;
  memberId: string;
  partnerId: string;
  direction: 'out' | 'in';
  /** As asked: the points that left their programme. */
  points: number;
  /** The rate applied (partner points per one of ours out; ours per one of theirs in). */
  rate: number;
  /** Our points debited (out) or credited (in). */
  memberPoints: number;
  /** The partner's points credited there (out) or debited there (in). */
  partnerPoints: number;
  /** What the conversion rounded down (a fraction of a point, never paid). */
  roundedOff: number;
  limits: { minPoints: number; maxPoints: number };
  pointsBalance: number;
  at: string;
}

/** Rates are kept to six decimals: converted in integers, so 29 × 0.29 is 8, not 8.409999…'s neighbour. */
const MICRO = 1_000_000n;
function convert(points: number, rate: number): { converted: number; roundedOff: number } {
  const exact = BigInt(points) * BigInt(Math.round(rate * 1e6));
  const converted = exact / MICRO;
  return { converted: Number(converted), roundedOff: Number(exact - converted * MICRO) / 1e6 };
}

/**
 * Points moved between a member and a partner programme, idempotent by the caller's transfer id:
 * under the member's row lock, the transfer row, the ledger entry (a debit from the oldest lots
 * out, a new lot in) and the `points.transferred` event in one transaction. Conversions round down.
 */
export class TransferService {
  constructor(
    private readonly deps: {
      pool: Pool;
      members: MemberRepository;
      partners: PartnerRepository;
      transfers: TransferRepository;
      ledger: PointsLedgerRepository;
      outbox: Outbox;
      /** Months before points received from a partner expire (POINTS_EXPIRE_MONTHS, as purchases'). */
      pointsExpireMonths: number;
      clock: Clock;
    },
  ) {}

  async transfer(memberId: string, request: TransferRequest): Promise<{ receipt: TransferReceipt; replayed: boolean }> {
    const requestHash = requestDigest({ memberId, ...request });
    return withTransaction(this.deps.pool, async (tx) => {
      if (!(await this.deps.members.lockForUpdate(memberId, tx))) throw memberNotFound(memberId);
      const earlier = replayOf<TransferReceipt>(await this.deps.transfers.find(request.transferId, tx), requestHash, () => transactionConflict(request.transferId, 'transfer'));
      if (earlier) return earlier;
      const partner = await this.deps.partners.find(request.partnerId, tx);
      if (!partner) throw partnerNotFound(request.partnerId);
      const rate = request.direction === 'out' ? partner.pointsOut : partner.pointsIn;
      const { converted, roundedOff } = convert(request.points, rate);
      const limits = { minPoints: partner.minPoints, maxPoints: partner.maxPoints };
      if (request.points < partner.minPoints || request.points > partner.maxPoints || converted < 1) throw transferOutOfLimits({ ...limits, points: request.points });

      const at = this.deps.clock();
      const [memberPoints, partnerPoints] = request.direction === 'out' ? [request.points, converted] : [converted, request.points];
      if (request.direction === 'out') {
        const lots = await this.deps.ledger.openLots(memberId, tx);
        const balance = lots.reduce((sum, lot) => sum + lot.remaining, 0);
        if (request.points > balance) throw insufficientPoints(balance, request.points);
        await this.insert(memberId, request, memberPoints, partnerPoints, rate, requestHash, at, tx);
        await this.deps.ledger.debit(memberId, drawInOrder(lots, request.points), { reason: 'transfer', at, reference: request.transferId }, tx);
      } else {
        await this.insert(memberId, request, memberPoints, partnerPoints, rate, requestHash, at, tx);
        await this.deps.ledger.credit(
          { memberId, points: converted, reason: 'transfer', at, expiresAt: lotExpiry(at, this.deps.pointsExpireMonths), reference: request.transferId },
          tx,
        );
      }
      const pointsBalance = await this.deps.ledger.balance(memberId, tx);
      const receipt: TransferReceipt = {
        transferId: request.transferId,
        memberId,
        partnerId: partner.id,
        direction: request.direction,
        points: request.points,
        rate,
        memberPoints,
        partnerPoints,
        roundedOff,
        limits,
        pointsBalance,
        at: at.toISOString(),
      };
      await this.deps.transfers.saveResponse(request.transferId, receipt, tx);
      await this.deps.outbox.record(
        tx,
        'points.transferred',
        { memberId, transferId: request.transferId, partnerId: partner.id, direction: request.direction, points: memberPoints, partnerPoints, pointsBalance },
        at,
      );
      return { receipt, replayed: false };
    });
  }

  private async insert(
    memberId: string,
    request: TransferRequest,
    memberPoints: number,
    partnerPoints: number,
    rate: number,
    requestHash: string,
    at: Date,
    tx: Queryable,
  ): Promise<void> {
    const [pointsOut, pointsIn] = request.direction === 'out' ? [memberPoints, partnerPoints] : [partnerPoints, memberPoints];
    const inserted = await this.deps.transfers.insertOnce(
      { transferId: request.transferId, memberId, partnerId: request.partnerId, direction: request.direction, points: request.points, pointsOut, pointsIn, rate, requestHash, at },
      tx,
    );
    // The id was taken by a transfer of another member between our check and insert.
    if (!inserted) throw transactionConflict(request.transferId, 'transfer');
  }
}
