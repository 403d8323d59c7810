import { endpoint } from '../endpoint.js';
import { memberPath } from './pathParams.js';
import * as out from '../responses.js';
import { consentWithdrawalQuerySchema, convertSchema, createMemberSchema, memberExportQuerySchema, memberLookupSchema, updateMemberSchema } from '../schemas.js';

/** Members: create, find, read, update, convert a visitor, purge, export their data, withdraw face consent. */
export const memberEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/members',
    summary: 'Create a member',
    roles: ['operator'],
    json: createMemberSchema,
    audit: 'member.create',
    responses: { 201: { description: 'the member', schema: out.member } },
    errors: ['PHONE_ALREADY_REGISTERED', 'EXTERNAL_ID_ALREADY_REGISTERED', 'MALL_NOT_FOUND', 'PARTNER_NOT_FOUND'],
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
    errors: ['MEMBER_NOT_FOUND', 'NOT_A_VISITOR', 'PHONE_ALREADY_REGISTERED', 'EXTERNAL_ID_ALREADY_REGISTERED', 'PARTNER_NOT_FOUND'],
    handle: async ({ params, body }, { members }) => ({ body: await members.convert(params.id, body) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/members/:id/export',
    summary: "Everything held about the member as one JSON document (right of access and portability): profile, consents, visits, purchases, ledger, coupons, templates' metadata; photos with ?photos=true; never descriptors",
    roles: ['operator'],
    ...memberPath,
    query: memberExportQuerySchema,
    audit: 'member.export',
    responses: { 200: { description: 'the member data document', schema: out.memberDataDocument } },
    errors: ['MEMBER_NOT_FOUND', 'DEPENDENCY_UNAVAILABLE'],
    handle: async ({ params, query, audit }, { memberData }) => {
      audit({ details: { photos: query.photos } });
      return { body: await memberData.export(params.id, query.photos) };
    },
  }),
  endpoint({
    method: 'delete',
    path: '/v1/members/:id/consent/faceRecognition',
    summary: 'The member withdraws consent to face recognition: faces, photos and templates erased, the membership, points and phone or id login kept',
    roles: ['operator'],
    ...memberPath,
    query: consentWithdrawalQuerySchema,
    audit: 'consent.withdraw',
    responses: { 200: { description: 'the member, and what was erased', schema: out.consentWithdrawn } },
    errors: ['MEMBER_NOT_FOUND'],
    handle: async ({ params, query, audit }, { members }) => {
      const erased = await members.withdrawFaceConsent(params.id, query.source);
      audit({ details: { faces: erased.faces, images: erased.images } });
      return { body: { member: await members.get(params.id), erased } };
    },
  }),
];
