import type { Queryable } from '../../db/pool.js';
import { couponNotUsable, invalidInput, memberNotFound, type CouponRefusal } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import type { Clock } from '../shared/clock.js';
import type { Coupon, CouponRepository } from '../../repositories/couponRepository.js';
import type { MemberRepository } from '../../repositories/memberRepository.js';
import type { PurchaseItem } from '../../repositories/purchaseRepository.js';
import { spendIn } from './campaignRules.js';

/** A coupon as a purchase used it: what it took off the bill (a gift: its worth, not money off). */
export interface AppliedCoupon {
  couponId: string;
  title: string;
  kind: Coupon['kind'];
  discount: number;
}

/** What a coupon is checked against: the member and place of a purchase, and its basket. */
export interface CouponUse {
  memberId: string;
  mallId: string;
  at: Date;
  amount: number;
  items: PurchaseItem[];
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Why the coupon cannot be used in this purchase, or undefined when it can. */
export function refusalOf(coupon: Coupon | undefined, use: CouponUse): { reason: CouponRefusal; message: string } | undefined {
  // Another member's coupon reads as unknown: a till learns nothing about coupons not this member's.
  if (!coupon || coupon.memberId !== use.memberId) return { reason: 'unknown', message: 'no such coupon of this member' };
  if (coupon.usedAt) return { reason: 'used', message: `it was used at ${coupon.usedAt}` };
  if (Date.parse(coupon.expiresAt) <= use.at.getTime()) return { reason: 'expired', message: `it expired at ${coupon.expiresAt}` };
  if (Date.parse(coupon.issuedAt) > use.at.getTime()) return { reason: 'not_yet_valid', message: `it is valid from ${coupon.issuedAt}` };
  if (coupon.mallId && coupon.mallId !== use.mallId) return { reason: 'mall', message: `it is valid in mall ${coupon.mallId} only` };
  const eligible = spendIn(use.items, use.amount, coupon.categories);
  if (coupon.categories.length > 0 && eligible <= 0) return { reason: 'categories', message: `the basket has nothing in ${coupon.categories.join(', ')}` };
  if (eligible < coupon.minSpend) return { reason: 'min_spend', message: `it needs a spend of ${coupon.minSpend}${coupon.categories.length ? ` in ${coupon.categories.join(', ')}` : ''}, not ${round2(eligible)}` };
  return undefined;
}

/** What the coupon takes off a basket of this eligible spend. */
export function discountOf(coupon: Pick<Coupon, 'kind' | 'value'>, eligible: number): number {
  if (coupon.kind === 'amount_off') return round2(Math.min(coupon.value, eligible));
  if (coupon.kind === 'percent_off') return round2((eligible * coupon.value) / 100);
  return coupon.value;
}

/** A coupon's worth on the member's usual basket: how offers rank coupons (best first). */
export function worthOn(coupon: Pick<Coupon, 'kind' | 'value'>, usualBasket: number): number {
  return coupon.kind === 'percent_off' ? (usualBasket * coupon.value) / 100 : coupon.value;
}

/** Coupons: listed for a member, and used (checked, then spent) inside a purchase's transaction. */
export class CouponService {
  constructor(
    private readonly deps: { coupons: CouponRepository; members: MemberRepository; outbox: Outbox; clock: Clock },
  ) {}

  async ofMember(memberId: string, usable: { mallId: string } | undefined): Promise<Coupon[]> {
    if (!(await this.deps.members.findById(memberId))) throw memberNotFound(memberId);
    return this.deps.coupons.ofMember(memberId, usable && { mallId: usable.mallId, at: this.deps.clock() });
  }

  /**
   * Checks every coupon a purchase names and spends them, in its transaction (the member's row is
   * locked by the caller; the coupons' rows here). One refused coupon refuses the purchase.
   */
  async use(couponIds: readonly string[], use: CouponUse & { transactionId: string }, tx: Queryable): Promise<AppliedCoupon[]> {
    if (new Set(couponIds).size !== couponIds.length) throw invalidInput('a coupon is named twice');
    const found = new Map((await this.deps.coupons.lock(couponIds, tx)).map((c) => [c.id, c]));
    const applied: AppliedCoupon[] = [];
    for (const id of couponIds) {
      const coupon = found.get(id);
      const refusal = refusalOf(coupon, use);
      if (refusal) throw couponNotUsable(id, refusal.reason, refusal.message);
      const { kind, title, categories, campaignId } = coupon!;
      applied.push({ couponId: id, title, kind, discount: discountOf(coupon!, spendIn(use.items, use.amount, categories)) });
      await this.deps.coupons.markUsed(id, use.at, use.transactionId, tx);
      await this.deps.outbox.record(tx, 'coupon.redeemed', { memberId: use.memberId, couponId: id, campaignId, transactionId: use.transactionId }, use.at);
    }
    return applied;
  }
}
