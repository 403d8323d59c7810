import { randomUUID } from 'node:crypto';

/**
 * The events mall systems may subscribe to, and what each carries: ids, amounts, tiers — only what
 * a receiver needs. Never a descriptor, a photo or a request body: the payloads below are the
 * whole of what leaves Visage.
 */
export interface EventData {
  /** A recognised member's first sighting at a camera (a new visit; later sightings join it). */
  'visit.started': {
    memberId: string;
    kind: 'member' | 'visitor';
    visitId: string;
    cameraId: string;
    tier: string;
    /** The member's segment with this visit counted (so `new` or `regular` in practice). */
    segment: 'new' | 'regular' | 'dormant';
    /** True when the member was dormant before this visit: the reactivation signal. */
    returningFromDormant: boolean;
  };
  'purchase.recorded': {
    memberId: string;
    transactionId: string;
    amount: number;
    currency: string;
    pointsAdded: number;
    pointsBalance: number;
  };
  /** Points spent at a till. */
  'points.redeemed': { memberId: string; redemptionId: string; points: number; pointsBalance: number; storeId: string | null };
  /** Points sent to a partner programme (`out`) or received from one (`in`), after conversion. */
  'points.transferred': {
    memberId: string;
    transferId: string;
    partnerId: string;
    direction: 'out' | 'in';
    /** Our points: debited (out) or credited (in). */
    points: number;
    /** The partner's points: credited there (out) or debited there (in). */
    partnerPoints: number;
    pointsBalance: number;
  };
  /** A sale a till reported (POST /v1/sales), a member's or not; a member's purchase says `purchase.recorded` instead. */
  'sale.recorded': { saleId: string; mallId: string; storeId: string | null; amount: number; currency: string; memberId: string | null };
  /** A lot's points expire within 30 days: sent once per lot. */
  'points.expiring': { memberId: string; points: number; expiresAt: string; pointsBalance: number };
  /** What was left of lots expired. */
  'points.expired': { memberId: string; points: number; pointsBalance: number };
  /** Part (or all) of a purchase refunded, and its points reversed. */
  'purchase.refunded': {
    memberId: string;
    transactionId: string;
    refundId: string;
    amount: number;
    pointsReversed: number;
    /** Points the refund should have reversed but the member had already spent. */
    pointsUnrecoverable: number;
    pointsBalance: number;
  };
  /** A campaign gave the member a coupon. */
  'coupon.issued': { memberId: string; couponId: string; campaignId: string; title: string; expiresAt: string };
  /** A coupon was used in a purchase. */
  'coupon.redeemed': { memberId: string; couponId: string; campaignId: string; transactionId: string };
  'visitor.created': { memberId: string };
  'visitor.converted': { memberId: string };
  'member.created': { memberId: string };
  'member.purged': { memberId: string };
}

export type EventType = keyof EventData;

export const EVENT_TYPES = [
  'visit.started',
  'purchase.recorded',
  'purchase.refunded',
  'sale.recorded',
  'points.redeemed',
  'points.transferred',
  'points.expiring',
  'points.expired',
  'coupon.issued',
  'coupon.redeemed',
  'visitor.created',
  'visitor.converted',
  'member.created',
  'member.purged',
] as const satisfies readonly EventType[];

/** What a receiver gets: the body of one webhook request. */
export interface VisageEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  occurredAt: string;
  data: EventData[T];
}

/** A new event with its id: the same id goes out with every attempt (`webhook-id`), so receivers drop duplicates. */
export function newEvent<T extends EventType>(type: T, data: EventData[T], occurredAt: Date): VisageEvent<T> {
  return { id: randomUUID(), type, occurredAt: occurredAt.toISOString(), data };
}

/** The member an event is about, whose purge removes it; none for `member.purged`, which must go out. */
export function subjectOf(event: VisageEvent): string | null {
  return event.type === 'member.purged' ? null : event.data.memberId;
}
