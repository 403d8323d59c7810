import { endpoint } from '../endpoint.js';
import { campaignPath } from './pathParams.js';
import * as out from '../responses.js';
import { campaignListQuery, createCampaignSchema, updateCampaignSchema } from '../schemas.js';

/** Campaigns: trigger → conditions → limits → effect (bonus points, a multiplier, a coupon). */
export const campaignEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/campaigns',
    summary: "Create a campaign (a mall-bound key: its mall's); a campaign that contradicts itself is refused",
    roles: ['operator'],
    json: createCampaignSchema,
    audit: 'campaign.create',
    responses: { 201: { description: 'the campaign, active', schema: out.campaign } },
    errors: ['STORE_NOT_FOUND'],
    handle: async ({ body, principal }, { campaigns }) => ({ status: 201, body: await campaigns.create(body, principal) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/campaigns',
    summary: 'Campaigns, newest first, with the awards and coupons each gave and how many coupons were used',
    roles: ['operator'],
    query: campaignListQuery,
    responses: { 200: { description: '{campaigns}', schema: out.campaignList } },
    errors: [],
    handle: async ({ query, principal }, { campaigns }) => ({ body: { campaigns: await campaigns.list(principal, query.status) } }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/campaigns/:campaignId',
    summary: 'One campaign with its figures',
    roles: ['operator'],
    ...campaignPath,
    responses: { 200: { description: 'the campaign', schema: out.campaign } },
    errors: [],
    handle: async ({ params, principal }, { campaigns }) => ({ body: await campaigns.get(params.campaignId, principal) }),
  }),
  endpoint({
    method: 'patch',
    path: '/v1/campaigns/:campaignId',
    summary: 'Rename, pause, resume or end a campaign (ended is final), or change its conditions and limits',
    roles: ['operator'],
    ...campaignPath,
    json: updateCampaignSchema,
    audit: 'campaign.update',
    responses: { 200: { description: 'the campaign as changed', schema: out.campaign } },
    errors: ['STORE_NOT_FOUND'],
    handle: async ({ params, body, principal }, { campaigns }) => ({ body: await campaigns.update(params.campaignId, body, principal) }),
  }),
];
