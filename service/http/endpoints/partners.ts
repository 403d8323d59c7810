import { endpoint, idempotentResponses, replyOf } from '../endpoint.js';
import { memberPath, partnerPath } from './pathParams.js';
import * as out from '../responses.js';
import { createPartnerSchema, transferSchema, updatePartnerSchema } from '../schemas.js';

/** Partner programmes (admin) and points moved to and from them. */
export const partnerEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/partners',
    summary: "A partner programme (admin): conversion rates each way, a transfer's limits, and which tier its levels start a member at",
    roles: [],
    json: createPartnerSchema,
    audit: 'partner.create',
    responses: { 201: { description: 'the partner programme', schema: out.partner } },
    errors: ['PARTNER_ALREADY_EXISTS'],
    handle: async ({ body }, { partners }) => ({ status: 201, body: await partners.create(body) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/partners',
    summary: 'Partner programmes',
    roles: ['operator'],
    responses: { 200: { description: '{partners}', schema: out.partnerList } },
    errors: [],
    handle: async (_context, { partners }) => ({ body: { partners: await partners.list() } }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/partners/:partnerId',
    summary: 'One partner programme',
    roles: ['operator'],
    ...partnerPath,
    responses: { 200: { description: 'the partner programme', schema: out.partner } },
    errors: [],
    handle: async ({ params }, { partners }) => ({ body: await partners.get(params.partnerId) }),
  }),
  endpoint({
    method: 'patch',
    path: '/v1/partners/:partnerId',
    summary: 'Change a partner programme (admin): later transfers use the new rates and limits',
    roles: [],
    ...partnerPath,
    json: updatePartnerSchema,
    audit: 'partner.update',
    responses: { 200: { description: 'the partner programme', schema: out.partner } },
    errors: [],
    handle: async ({ params, body }, { partners }) => ({ body: await partners.update(params.partnerId, body) }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/members/:id/points/transfers',
    summary: "Move points to a partner programme (out) or from one (in), converted at its rate and rounded down; idempotent by transferId",
    roles: ['operator'],
    ...memberPath,
    json: transferSchema,
    audit: 'points.transfer',
    responses: idempotentResponses('what moved each way, the rate, what rounding cut off, and the new balance', out.transferReceipt),
    errors: ['PARTNER_NOT_FOUND', 'TRANSFER_OUT_OF_LIMITS', 'INSUFFICIENT_POINTS', 'TRANSACTION_CONFLICT'],
    handle: async ({ params, body }, { transfers }) => {
      const { receipt, replayed } = await transfers.transfer(params.id, body);
      return replyOf(receipt, replayed);
    },
  }),
];
