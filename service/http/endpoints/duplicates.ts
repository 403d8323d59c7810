import { endpoint } from '../endpoint.js';
import { duplicatePath } from './pathParams.js';
import * as out from '../responses.js';
import { duplicateListQuery, mergeDuplicateSchema } from '../schemas.js';

const DEFAULT_PAGE = 50;

/** Suspected double enrollments found by the background sweep, for an operator to merge or dismiss. */
export const duplicateEndpoints = [
  endpoint({
    method: 'get',
    path: '/v1/admin/duplicates',
    summary: 'Pairs of members whose faces the group-wide sweep found alike (the same person enrolled twice?), newest first',
    roles: ['operator'],
    query: duplicateListQuery,
    responses: { 200: { description: '{duplicates}', schema: out.duplicateList } },
    errors: [],
    handle: async ({ query }, { duplicates }) => ({ body: { duplicates: await duplicates.pending(query.limit ?? DEFAULT_PAGE) } }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/admin/duplicates/:duplicateId/dismiss',
    summary: 'Two different people after all: the pair is no longer listed',
    roles: ['operator'],
    ...duplicatePath,
    audit: 'duplicate.dismiss',
    responses: { 200: { description: 'the decision', schema: out.duplicateDecision } },
    errors: ['DUPLICATE_NOT_FOUND', 'DUPLICATE_DECIDED'],
    handle: async ({ params, audit }, { duplicates }) => {
      const decided = await duplicates.dismiss(params.duplicateId);
      audit({ memberId: decided.memberId, details: { duplicateId: decided.id, otherMemberId: decided.otherMemberId } });
      return { body: decided };
    },
  }),
  endpoint({
    method: 'post',
    path: '/v1/admin/duplicates/:duplicateId/merge',
    summary: "One person: keep one member, move the other's visits, purchases, points and ids to it, and purge the other",
    roles: ['operator'],
    ...duplicatePath,
    json: mergeDuplicateSchema,
    audit: 'duplicate.merge',
    responses: { 200: { description: 'what moved and what was purged', schema: out.mergeResult } },
    errors: ['DUPLICATE_NOT_FOUND', 'DUPLICATE_DECIDED', 'MEMBER_NOT_FOUND'],
    handle: async ({ params, body, audit }, { duplicates }) => {
      const merged = await duplicates.merge(params.duplicateId, body.keep);
      audit({ memberId: merged.keptMemberId, details: { duplicateId: params.duplicateId, purgedMemberId: merged.purgedMemberId, moved: merged.moved } });
      return { body: merged };
    },
  }),
];
