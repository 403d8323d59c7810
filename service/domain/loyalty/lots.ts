import type { Draw, Lot } from '../../repositories/pointsLedgerRepository.js';

/**
 * How points are taken from lots and given back: pure arithmetic, kept apart from the
 * transactions that apply it (points.ts, refunds.ts).
 */

/** `points.expiring` goes out this long before a lot expires; a member's answer looks as far ahead. */
export const EXPIRY_NOTICE_DAYS = 30;

/** Takes `points` from the lots in their order (oldest first), as far as they go. */
export function drawInOrder(lots: readonly Pick<Lot, 'lotId' | 'remaining'>[], points: number): Draw[] {
  const draws: Draw[] = [];
  let left = points;
  for (const lot of lots) {
    if (left <= 0) break;
    const take = Math.min(lot.remaining, left);
    if (take > 0) draws.push({ lotId: lot.lotId, points: take });
    left -= take;
  }
  return draws;
}

export const pointsIn = (draws: readonly Draw[]): number => draws.reduce((sum, d) => sum + d.points, 0);

/** A lot earned at `at` expires this many calendar months later (0: never). Day clamped to the month's end. */
export function lotExpiry(at: Date, months: number): Date | null {
  if (months <= 0) return null;
  const target = new Date(at.getTime());
  const day = target.getUTCDate();
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target;
}

const cents = (amount: number): number => Math.round(amount * 100);

/**
 * Points a refund reverses: the purchase's points in proportion to the amount refunded, rounded
 * down, counted on the running total so that parts add up to exactly what one full refund would.
 */
export function pointsToReverse(purchasePoints: number, purchaseAmount: number, refundedBefore: number, refund: number): number {
  const total = cents(purchaseAmount);
  if (total === 0) return 0;
  const upTo = (refunded: number) => Math.floor((purchasePoints * cents(refunded)) / total);
  return upTo(refundedBefore + refund) - upTo(refundedBefore);
}
