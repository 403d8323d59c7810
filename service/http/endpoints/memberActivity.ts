import { endpoint } from '../endpoint.js';
import { memberPath } from './pathParams.js';
import * as out from '../responses.js';
import { purchasePageQuery, purchaseSchema, visitPageQuery } from '../schemas.js';

const DEFAULT_PAGE = 50;

/** A member's purchases (and the points they earn) and visit history. */
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
    responses: {
      201: { description: 'the receipt: points earned, tier, balance', schema: out.purchaseReceipt },
      200: { description: 'the first answer again, for a repeated request (header idempotent-replayed: true)', schema: out.purchaseReceipt },
    },
    errors: ['MEMBER_NOT_FOUND', 'TRANSACTION_CONFLICT'],
    handle: async ({ params, body, principal }, { purchases }) => {
      // A till's key names its store (and so the mall) when the request does not.
      const { receipt, replayed } = await purchases.record(params.id, { ...body, storeId: body.storeId ?? principal?.storeId ?? undefined }, principal?.mallId ?? undefined);
      return { status: replayed ? 200 : 201, headers: { 'idempotent-replayed': String(replayed) }, body: receipt };
    },
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
];
