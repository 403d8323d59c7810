import { withTransaction, type Pool } from '../../db/pool.js';
import { memberNotFound, purchaseNotFound, refundExceedsPurchase, transactionConflict } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import type { Clock } from '../shared/clock.js';
import { replayOf, requestDigest } from '../shared/requestDigest.js';
import type { MemberRepository } from '../../repositories/memberRepository.js';
import type { PointsLedgerRepository } from '../../repositories/pointsLedgerRepository.js';
import type { PurchaseItem, PurchaseRepository } from '../../repositories/purchaseRepository.js';
import type { RefundRepository } from '../../repositories/refundRepository.js';
import { drawInOrder, pointsIn, pointsToReverse } from './lots.js';

export interface RefundRequest {
  refundId: string;
  amount: number;
  items?: PurchaseItem[];
}

export interface RefundReceipt {
  refundId: string;
  transactionId: string;
  memberId: string;
  amount: number;
  /** What is left of the purchase to refund after this one. */
  refundable: number;
  pointsReversed: number;
  /** Points this refund should have reversed that the member had already spent (or that expired). */
  pointsUnrecoverable: number;
  pointsBalance: number;
  at: string;
}

export interface RefundServiceDeps {
  pool: Pool;
  members: MemberRepository;
  purchases: PurchaseRepository;
  refunds: RefundRepository;
  ledger: PointsLedgerRepository;
  outbox: Outbox;
  clock: Clock;
}

const cents = (amount: number) => Math.round(amount * 100);

/**
 * Returns: a purchase refunded in parts, never beyond its amount, each part reversing the
 * purchase's points in proportion (rounded down). The points come from the purchase's own lots
 * first, then the member's oldest; what the balance cannot give (already spent) is reported, never
 * taken below zero. Idempotent by refund id, like purchases.
 */
export class RefundService {
  constructor(private readonly deps: RefundServiceDeps) {}

  async refund(memberId: string, transactionId: string, request: RefundRequest): Promise<{ receipt: RefundReceipt; replayed: boolean }> {
    const requestHash = requestDigest({ memberId, transactionId, ...request });
    const conflict = () => transactionConflict(request.refundId, 'refund');
    return withTransaction(this.deps.pool, async (tx) => {
      if (!(await this.deps.members.lockForUpdate(memberId, tx))) throw memberNotFound(memberId);
      const earlier = replayOf<RefundReceipt>(await this.deps.refunds.find(request.refundId, tx), requestHash, conflict);
      if (earlier) return earlier;
      const purchase = await this.deps.purchases.findOfMember(memberId, transactionId, tx);
      if (!purchase) throw purchaseNotFound(transactionId);
      const before = await this.deps.refunds.refundedOf(transactionId, tx);
      const refundableCents = cents(purchase.amount) - cents(before.amount);
      if (cents(request.amount) > refundableCents) throw refundExceedsPurchase(refundableCents / 100);

      const owed = pointsToReverse(purchase.points, purchase.amount, before.amount, request.amount);
      // The purchase's own lots first, then the oldest others: never more than the balance.
      const own = await this.deps.ledger.lotsOfTransaction(memberId, transactionId, tx);
      const others = (await this.deps.ledger.openLots(memberId, tx)).filter((lot) => !own.some((o) => o.lotId === lot.lotId));
      const draws = drawInOrder([...own, ...others], owed);
      const pointsReversed = pointsIn(draws);
      const pointsUnrecoverable = owed - pointsReversed;
      const at = this.deps.clock();
      const inserted = await this.deps.refunds.insertOnce(
        { refundId: request.refundId, memberId, transactionId, requestHash, amount: request.amount, items: request.items ?? [], pointsReversed, pointsUnrecoverable, at },
        tx,
      );
      if (!inserted) throw conflict(); // the id was taken by another member's refund meanwhile
      await this.deps.ledger.debit(memberId, draws, { reason: 'refund', at, reference: request.refundId, transactionId }, tx);
      const pointsBalance = await this.deps.ledger.balance(memberId, tx);
      const receipt: RefundReceipt = {
        refundId: request.refundId,
        transactionId,
        memberId,
        amount: request.amount,
        refundable: (refundableCents - cents(request.amount)) / 100,
        pointsReversed,
        pointsUnrecoverable,
        pointsBalance,
        at: at.toISOString(),
      };
      await this.deps.refunds.saveResponse(request.refundId, receipt, tx);
      await this.deps.outbox.record(tx, 'purchase.refunded', { memberId, transactionId, refundId: request.refundId, amount: request.amount, pointsReversed, pointsUnrecoverable, pointsBalance }, at);
      return { receipt, replayed: false };
    });
  }
}
