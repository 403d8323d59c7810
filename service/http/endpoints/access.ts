import { endpoint, noContent } from '../endpoint.js';
import { keyPath } from './pathParams.js';
import * as out from '../responses.js';
import { auditQuerySchema, createKeySchema } from '../schemas.js';

const DEFAULT_AUDIT_PAGE = 100;

/** Who is calling, API keys and the audit log. */
export const accessEndpoints = [
  endpoint({
    method: 'get',
    path: '/v1/me',
    summary: 'The calling key (id, name, role), the running face model and its thresholds in force',
    roles: ['camera', 'pos', 'operator'],
    responses: { 200: { description: 'the key and the scoring in force', schema: out.me } },
    errors: [],
    handle: ({ principal }, { scoring }) => ({ body: { ...principal, ...scoring } }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/keys',
    summary: 'Create an API key (admin); the key is in this answer only',
    roles: [],
    json: createKeySchema,
    audit: 'key.create',
    responses: { 201: { description: 'the key, shown once', schema: out.createdKey } },
    errors: ['MALL_NOT_FOUND', 'STORE_NOT_FOUND'],
    handle: async ({ body, audit }, { keys, malls }) => {
      const { mallId, storeId, ...key } = body;
      const created = await keys.create(key, await malls.bindingOf({ mallId, storeId }));
      audit({ details: { keyId: created.id, role: created.role, name: created.name, mallId: created.mallId, storeId: created.storeId } });
      return { status: 201, body: created };
    },
  }),
  endpoint({
    method: 'get',
    path: '/v1/keys',
    summary: 'List API keys (admin); never the keys themselves',
    roles: [],
    responses: { 200: { description: '{keys}', schema: out.keyList } },
    errors: [],
    handle: async (_context, { keys }) => ({ body: { keys: await keys.list() } }),
  }),
  endpoint({
    method: 'delete',
    path: '/v1/keys/:keyId',
    summary: 'Revoke an API key (admin)',
    roles: [],
    ...keyPath,
    audit: 'key.revoke',
    responses: { 204: { description: 'revoked' } },
    errors: ['KEY_NOT_FOUND'],
    handle: ({ params, audit }, { keys }) => {
      audit({ details: { keyId: params.keyId } });
      return noContent(keys.revoke(params.keyId));
    },
  }),
  endpoint({
    method: 'get',
    path: '/v1/audit/verify',
    summary: 'Check the audit chain from its first record (admin): the first record edited, removed or inserted in the database, if any (`visage audit verify`)',
    roles: [],
    audit: 'audit.verify',
    responses: { 200: { description: 'how many records were checked, and the first broken link or null', schema: out.auditChainReport } },
    errors: [],
    handle: async ({ audit: note }, { audit }) => {
      const report = await audit.verify();
      note({ details: { checked: report.checked, brokenAt: report.firstBroken?.id ?? null } });
      return { body: report };
    },
  }),
  endpoint({
    method: 'get',
    path: '/v1/audit',
    summary: 'The audit log (admin), newest first',
    roles: [],
    query: auditQuerySchema,
    responses: { 200: { description: 'a page of audit records', schema: out.auditPage } },
    errors: [],
    handle: async ({ query }, { audit }) => {
      const { limit, cursor, from, to, ...filter } = query;
      const range = { from: from === undefined ? undefined : new Date(from), to: to === undefined ? undefined : new Date(to) };
      return { body: await audit.query({ ...filter, ...range }, limit ?? DEFAULT_AUDIT_PAGE, cursor) };
    },
  }),
];
