import { endpoint } from '../endpoint.js';
import { mallPath, storePath } from './pathParams.js';
import * as out from '../responses.js';
import { createMallSchema, createStoreSchema, recognitionAdminQuery, storeListQuery, updateMallSchema, updateStoreSchema } from '../schemas.js';

/** The malls a caller may see: its key's mall only, when the key is bound to one. */
const scopeOf = (principal: { mallId: string | null } | undefined) => ({ mallId: principal?.mallId ?? null });

/** The group's malls and stores, and how identification searches each mall. */
export const mallEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/malls',
    summary: 'Add a mall to the group (admin)',
    roles: [],
    json: createMallSchema,
    audit: 'mall.create',
    responses: { 201: { description: 'the mall', schema: out.mall } },
    errors: ['MALL_ALREADY_EXISTS'],
    handle: async ({ body }, { malls }) => ({ status: 201, body: await malls.createMall(body) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/malls',
    summary: "The group's malls (a mall-bound key sees its own)",
    roles: ['operator'],
    responses: { 200: { description: '{malls}', schema: out.mallList } },
    errors: [],
    handle: async ({ principal }, { malls }) => ({ body: { malls: await malls.listMalls(scopeOf(principal)) } }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/malls/:mallId',
    summary: 'A mall',
    roles: ['operator'],
    ...mallPath,
    responses: { 200: { description: 'the mall', schema: out.mall } },
    errors: ['MALL_NOT_FOUND'],
    handle: async ({ params, principal }, { malls }) => ({ body: await malls.getMall(params.mallId, scopeOf(principal)) }),
  }),
  endpoint({
    method: 'patch',
    path: '/v1/malls/:mallId',
    summary: 'Rename a mall or set its time zone (null: MALL_TIMEZONE) (admin)',
    roles: [],
    ...mallPath,
    json: updateMallSchema,
    audit: 'mall.update',
    responses: { 200: { description: 'the mall', schema: out.mall } },
    errors: ['MALL_NOT_FOUND'],
    handle: async ({ params, body }, { malls }) => ({ body: await malls.updateMall(params.mallId, body) }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/malls/:mallId/floor-plan',
    summary: "Set the mall's floor plan (an image: JPEG, PNG or WebP; kept as PNG, at most 4096 px a side, metadata removed); cameras are placed on it by their position",
    roles: ['operator'],
    ...mallPath,
    image: {},
    audit: 'mall.floorplan',
    responses: { 200: { description: 'the plan as kept', schema: out.floorPlanSaved } },
    errors: ['MALL_NOT_FOUND'],
    handle: async ({ params, upload, principal }, { floorPlans }) => ({ body: await floorPlans.save(params.mallId, upload!.image, scopeOf(principal)) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/malls/:mallId/floor-plan',
    summary: "The mall's floor plan image (PNG)",
    roles: ['operator'],
    ...mallPath,
    responses: { 200: { description: 'image bytes', contentType: 'image/png' } },
    errors: ['MALL_NOT_FOUND', 'FLOOR_PLAN_NOT_FOUND'],
    handle: async ({ params, principal, res }, { floorPlans }) => {
      const plan = await floorPlans.get(params.mallId, scopeOf(principal));
      res.type(plan.contentType).setHeader('last-modified', new Date(plan.updatedAt).toUTCString()).setHeader('cache-control', 'private, no-cache').send(plan.image);
    },
  }),
  endpoint({
    method: 'post',
    path: '/v1/stores',
    summary: 'Add a store to a mall (admin)',
    roles: [],
    json: createStoreSchema,
    audit: 'store.create',
    responses: { 201: { description: 'the store', schema: out.store } },
    errors: ['MALL_NOT_FOUND', 'STORE_ALREADY_EXISTS'],
    handle: async ({ body }, { malls }) => ({ status: 201, body: await malls.createStore(body) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/stores',
    summary: "Stores, of one mall with ?mallId= (a mall-bound key sees its mall's)",
    roles: ['operator'],
    query: storeListQuery,
    responses: { 200: { description: '{stores}', schema: out.storeList } },
    errors: ['MALL_NOT_FOUND'],
    handle: async ({ query, principal }, { malls }) => ({ body: { stores: await malls.listStores(scopeOf(principal), query.mallId) } }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/stores/:storeId',
    summary: 'A store',
    roles: ['operator', 'pos'],
    ...storePath,
    responses: { 200: { description: 'the store', schema: out.store } },
    errors: ['STORE_NOT_FOUND'],
    handle: async ({ params, principal }, { malls }) => ({ body: await malls.getStore(params.storeId, scopeOf(principal)) }),
  }),
  endpoint({
    method: 'patch',
    path: '/v1/stores/:storeId',
    summary: 'Rename a store, move it, or set its brand (admin)',
    roles: [],
    ...storePath,
    json: updateStoreSchema,
    audit: 'store.update',
    responses: { 200: { description: 'the store', schema: out.store } },
    errors: ['STORE_NOT_FOUND', 'MALL_NOT_FOUND'],
    handle: async ({ params, body }, { malls }) => ({ body: await malls.updateStore(params.storeId, body) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/admin/recognition',
    summary: "How identification searches each mall: every partition's size, the threshold in force and its expected FPIR",
    roles: ['operator'],
    query: recognitionAdminQuery,
    responses: { 200: { description: 'the partitions of each mall', schema: out.recognitionAdmin } },
    errors: ['MALL_NOT_FOUND'],
    handle: async ({ query, principal }, { malls, identification }) => ({
      body: identification.partitionReport(await malls.mallIdsFor(scopeOf(principal), query.mallId)),
    }),
  }),
];
