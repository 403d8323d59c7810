import { endpoint } from '../endpoint.js';
import { memberPath } from './pathParams.js';
import * as out from '../responses.js';
import { convertSchema, createMemberSchema, memberLookupSchema, updateMemberSchema } from '../schemas.js';

/** Members: create, find, read, update, convert a visitor, purge. */
export const memberEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/members',
    summary: 'Create a member',
    roles: ['operator'],
    json: createMemberSchema,
    audit: 'member.create',
    responses: { 201: { description: 'the member', schema: out.member } },
    errors: ['PHONE_ALREADY_REGISTERED', 'EXTERNAL_ID_ALREADY_REGISTERED', 'MALL_NOT_FOUND'],
    // A member enrolled at a mall's desk has that mall as home unless the body names another.
    handle: async ({ body, principal }, { members }) => ({ status: 201, body: await members.create({ ...body, homeMallId: body.homeMallId ?? principal?.mallId ?? undefined }) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/members',
    summary: 'Find members by phone, by an external id (?alipay=…) or by the start of the name; with only limit/cursor, every member, newest first',
    roles: ['operator'],
    query: memberLookupSchema,
    responses: { 200: { description: '{members} for a search, {items, nextCursor} for a page', schema: out.memberList.or(out.memberPage) } },
    errors: [],
    handle: async ({ query }, { members }) =>
      'list' in query && query.list ? { body: await members.list(query.list.limit, query.list.cursor) } : { body: { members: await members.find(query) } },
  }),
  endpoint({
    method: 'get',
    path: '/v1/members/:id',
    summary: 'A member with profile',
    roles: ['operator', 'pos'],
    ...memberPath,
    responses: { 200: { description: 'the member', schema: out.memberWithProfile } },
    errors: ['MEMBER_NOT_FOUND'],
    handle: async ({ params }, { members }) => ({ body: await members.get(params.id) }),
  }),
  endpoint({
    method: 'patch',
    path: '/v1/members/:id',
    summary: 'Update profile fields',
    roles: ['operator'],
    ...memberPath,
    json: updateMemberSchema,
    audit: 'member.update',
    responses: { 200: { description: 'the member', schema: out.memberWithProfile } },
    errors: ['MEMBER_NOT_FOUND', 'PHONE_ALREADY_REGISTERED', 'EXTERNAL_ID_ALREADY_REGISTERED', 'MALL_NOT_FOUND'],
    handle: async ({ params, body }, { members }) => ({ body: await members.update(params.id, body) }),
  }),
  endpoint({
    method: 'delete',
    path: '/v1/members/:id',
    summary: 'Purge everything of the member: templates, photos, events, index entries',
    roles: ['operator'],
    ...memberPath,
    audit: 'member.purge',
    responses: { 200: { description: 'what was erased', schema: out.purgeResult } },
    errors: ['MEMBER_NOT_FOUND'],
    handle: async ({ params }, { members }) => ({ body: { purged: await members.purge(params.id) } }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/members/:id/convert',
    summary: 'Make an anonymous visitor a full member (keeps its faces, visits and points)',
    roles: ['operator'],
    ...memberPath,
    json: convertSchema,
    audit: 'member.convert',
    responses: { 200: { description: 'the member', schema: out.memberWithProfile } },
    errors: ['MEMBER_NOT_FOUND', 'NOT_A_VISITOR', 'PHONE_ALREADY_REGISTERED', 'EXTERNAL_ID_ALREADY_REGISTERED'],
    handle: async ({ params, body }, { members }) => ({ body: await members.convert(params.id, body) }),
  }),
];
