import { endpoint, idempotentResponses, replyOf } from '../endpoint.js';
import { memberPath } from './pathParams.js';
import * as out from '../responses.js';
import { couponListQuery, purchasePageQuery, purchaseParams, purchaseSchema, redemptionSchema, refundSchema, saleSchema, visitPageQuery, trailQuery } from '../schemas.js';
import { memberNotFound } from '../../domain/errors.js';
import { DEFAULT_MALL } from '../../domain/recognition/mallPartitions.js';

const DEFAULT_PAGE = 50;

/** A member's purchases (the points they earn, their refunds), points spent, coupons and visit history. */
export const memberActivityEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/members/:id/purchases',
    summary: 'Record a purchase and accrue points; idempotent by transactionId',
    roles: ['pos'],
    ...memberPath,
    json: purchaseSchema,
    // A receipt of 500 lines fits in well under this.
    jsonLimit: '128kb',
    responses: idempotentResponses('the receipt: points earned, tier, balance', out.purchaseReceipt),
    errors: ['MEMBER_NOT_FOUND', 'TRANSACTION_CONFLICT', 'COUPON_NOT_USABLE', 'RECOGNITION_REQUIRED', 'RECOGNITION_NOT_FOUND', 'RECOGNITION_EXPIRED', 'RECOGNITION_USED'],
    handle: async ({ params, body, principal }, { purchases }) => {
      // A till's key names its store (and so the mall) when the request does not.
      const { receipt, replayed } = await purchases.record(params.id, { ...body, storeId: body.storeId ?? principal?.storeId ?? undefined }, principal);
      return replyOf(receipt, replayed);
    },
  }),
  endpoint({
    method: 'post',
    path: '/v1/sales',
    summary: "Report a sale, a member's or not (the members' share of sales); idempotent by saleId, which a member's purchase shares with its transactionId: one sale either way",
    roles: ['pos'],
    json: saleSchema,
    responses: {
      201: { description: 'the sale', schema: out.sale },
      200: { description: 'the same sale again (reported twice, or already recorded as a purchase; header idempotent-replayed: true)', schema: out.sale },
    },
    errors: ['MEMBER_NOT_FOUND', 'TRANSACTION_CONFLICT'],
    // A till's key names its store (and so the mall) when the request does not.
    handle: async ({ body, principal }, { sales }) => {
      const { sale, replayed } = await sales.record(body, principal);
      return replyOf(sale, replayed);
    },
  }),
  endpoint({
    method: 'post',
    path: '/v1/members/:id/redemptions',
    summary: 'Spend points at a till (oldest lots first); idempotent by redemptionId; a till needs a live recognitionId of this member',
    roles: ['pos'],
    ...memberPath,
    json: redemptionSchema,
    responses: idempotentResponses('the new balance and the lots drawn from', out.redemptionReceipt),
    errors: ['MEMBER_NOT_FOUND', 'TRANSACTION_CONFLICT', 'INSUFFICIENT_POINTS', 'RECOGNITION_REQUIRED', 'RECOGNITION_NOT_FOUND', 'RECOGNITION_EXPIRED', 'RECOGNITION_USED'],
    handle: async ({ params, body, principal }, { points }) => {
      const { receipt, replayed } = await points.redeem(params.id, body, principal);
      return replyOf(receipt, replayed);
    },
  }),
  endpoint({
    method: 'post',
    path: '/v1/members/:id/purchases/:transactionId/refunds',
    summary: 'Refund part or all of a purchase and reverse its points in proportion; idempotent by refundId',
    roles: ['pos', 'operator'],
    params: purchaseParams,
    notFound: { id: memberNotFound },
    json: refundSchema,
    responses: idempotentResponses('the refund: points reversed, points already spent, what is left to refund', out.refundReceipt),
    errors: ['MEMBER_NOT_FOUND', 'PURCHASE_NOT_FOUND', 'TRANSACTION_CONFLICT', 'REFUND_EXCEEDS_PURCHASE'],
    handle: async ({ params, body }, { refunds }) => {
      const { receipt, replayed } = await refunds.refund(params.id, params.transactionId, body);
      return replyOf(receipt, replayed);
    },
  }),
  endpoint({
    method: 'get',
    path: '/v1/members/:id/points',
    summary: 'The balance, where it came from (earned, spent, expired, reversed), what expires soon, and the lots',
    roles: ['operator'],
    ...memberPath,
    responses: { 200: { description: "the member's points", schema: out.memberPoints } },
    errors: ['MEMBER_NOT_FOUND'],
    handle: async ({ params }, { points }) => ({ body: await points.pointsOf(params.id) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/members/:id/coupons',
    summary: "The member's coupons, soonest expiry first (?usable=true: those usable now in the key's mall)",
    roles: ['operator', 'pos'],
    ...memberPath,
    query: couponListQuery,
    responses: { 200: { description: '{coupons}', schema: out.memberCoupons } },
    errors: ['MEMBER_NOT_FOUND'],
    handle: async ({ params, query, principal }, { coupons }) => ({
      body: { coupons: await coupons.ofMember(params.id, query.usable ? { mallId: principal?.mallId ?? DEFAULT_MALL } : undefined) },
    }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/members/:id/purchases',
    summary: 'Purchases, newest first',
    roles: ['operator'],
    ...memberPath,
    query: purchasePageQuery,
    responses: { 200: { description: 'a page of purchases', schema: out.purchasePage } },
    errors: ['MEMBER_NOT_FOUND'],
    handle: async ({ params, query }, { purchases }) => ({ body: await purchases.history(params.id, query.limit ?? DEFAULT_PAGE, query.cursor) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/members/:id/visits',
    summary: 'Visits, newest first',
    roles: ['operator'],
    ...memberPath,
    query: visitPageQuery,
    responses: { 200: { description: 'a page of visits', schema: out.visitPage } },
    errors: ['MEMBER_NOT_FOUND'],
    handle: async ({ params, query }, { visits }) => ({ body: await visits.history(params.id, query.limit ?? DEFAULT_PAGE, query.cursor) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/members/:id/trail',
    summary: "The member's path through the mall on one day (?date=YYYY-MM-DD, each mall's own; today by default): camera, zone, first and last seen, dwell",
    roles: ['operator'],
    ...memberPath,
    query: trailQuery,
    responses: { 200: { description: 'the stops, in the order they began', schema: out.memberTrail } },
    errors: ['MEMBER_NOT_FOUND', 'TRAIL_NOT_KEPT'],
    handle: async ({ params, query, principal }, { visits }) => ({ body: await visits.trail(params.id, query.date, principal?.mallId ?? null) }),
  }),
];
