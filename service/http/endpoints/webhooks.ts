import { endpoint, noContent } from '../endpoint.js';
import { deliveryPath, webhookPath } from './pathParams.js';
import * as out from '../responses.js';
import { createWebhookSchema, deliveryPageQuery, rotateSecretSchema, updateWebhookSchema } from '../schemas.js';

const DEFAULT_PAGE = 50;
const DEFAULT_ROTATION_GRACE_HOURS = 24;

/** Webhook subscriptions of mall systems (admin): events pushed, signed, retried (README, "Events for mall systems"). */
export const webhookEndpoints = [
  endpoint({
    method: 'post',
    path: '/v1/webhooks',
    summary: 'Subscribe a URL to events (admin); the signing secret is in this answer only',
    roles: [],
    json: createWebhookSchema,
    audit: 'webhook.create',
    responses: { 201: { description: 'the subscription and its secret, shown once', schema: out.createdWebhook } },
    errors: ['WEBHOOK_URL_NOT_ALLOWED'],
    handle: async ({ body, audit }, { webhooks }) => {
      const created = await webhooks.create(body);
      audit({ details: { webhookId: created.id, events: created.events } });
      return { status: 201, body: created };
    },
  }),
  endpoint({
    method: 'get',
    path: '/v1/webhooks',
    summary: 'Webhook subscriptions (admin); never their secrets',
    roles: [],
    responses: { 200: { description: '{webhooks}', schema: out.webhookList } },
    errors: [],
    handle: async (_context, { webhooks }) => ({ body: { webhooks: await webhooks.list() } }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/webhooks/:webhookId',
    summary: 'One webhook subscription (admin)',
    roles: [],
    ...webhookPath,
    responses: { 200: { description: 'the subscription', schema: out.webhookSubscription } },
    errors: ['WEBHOOK_NOT_FOUND'],
    handle: async ({ params }, { webhooks }) => ({ body: await webhooks.get(params.webhookId) }),
  }),
  endpoint({
    method: 'patch',
    path: '/v1/webhooks/:webhookId',
    summary: 'Change a subscription (admin): url, events, description; paused: true holds its deliveries, false sends what queued meanwhile',
    roles: [],
    ...webhookPath,
    json: updateWebhookSchema,
    audit: 'webhook.update',
    responses: { 200: { description: 'the subscription', schema: out.webhookSubscription } },
    errors: ['WEBHOOK_NOT_FOUND', 'WEBHOOK_URL_NOT_ALLOWED'],
    handle: async ({ params, body }, { webhooks }) => ({ body: await webhooks.update(params.webhookId, body) }),
  }),
  endpoint({
    method: 'delete',
    path: '/v1/webhooks/:webhookId',
    summary: 'Remove a subscription and its deliveries, sent or queued (admin)',
    roles: [],
    ...webhookPath,
    audit: 'webhook.delete',
    responses: { 204: { description: 'removed' } },
    errors: ['WEBHOOK_NOT_FOUND'],
    handle: ({ params }, { webhooks }) => noContent(webhooks.delete(params.webhookId)),
  }),
  endpoint({
    method: 'post',
    path: '/v1/webhooks/:webhookId/rotate-secret',
    summary: 'A new signing secret (admin), shown in this answer only; the old one keeps signing beside it for graceHours (24)',
    roles: [],
    ...webhookPath,
    json: rotateSecretSchema,
    audit: 'webhook.rotate_secret',
    responses: { 200: { description: 'the subscription, its new secret, and until when the old one still signs', schema: out.rotatedWebhook } },
    errors: ['WEBHOOK_NOT_FOUND'],
    handle: async ({ params, body }, { webhooks }) => ({ body: await webhooks.rotateSecret(params.webhookId, body?.graceHours ?? DEFAULT_ROTATION_GRACE_HOURS) }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/webhooks/:webhookId/test',
    summary: 'Send a signed webhook.test event now, outside the queue (admin), and answer what the receiver said',
    roles: [],
    ...webhookPath,
    audit: 'webhook.test',
    responses: { 200: { description: 'delivered or not, the receiver status, the time it took', schema: out.webhookTestResult } },
    errors: ['WEBHOOK_NOT_FOUND'],
    handle: async ({ params }, { webhooks }) => ({ body: await webhooks.test(params.webhookId) }),
  }),
  endpoint({
    method: 'get',
    path: '/v1/webhooks/:webhookId/deliveries',
    summary: "A subscription's deliveries, newest first (admin): status, attempts, the receiver's last status or error",
    roles: [],
    ...webhookPath,
    query: deliveryPageQuery,
    responses: { 200: { description: 'a page of deliveries', schema: out.deliveryPage } },
    errors: ['WEBHOOK_NOT_FOUND'],
    handle: async ({ params, query }, { webhooks }) => ({
      body: await webhooks.deliveries(params.webhookId, query.limit ?? DEFAULT_PAGE, query.cursor, query.status),
    }),
  }),
  endpoint({
    method: 'post',
    path: '/v1/webhooks/:webhookId/deliveries/:deliveryId/retry',
    summary: 'Send a delivery again (admin) — a failed one, typically: due now, with a fresh 24 h of retries',
    roles: [],
    ...deliveryPath,
    audit: 'webhook.retry',
    responses: { 200: { description: 'the delivery, pending again', schema: out.webhookDelivery } },
    errors: ['WEBHOOK_NOT_FOUND', 'DELIVERY_NOT_FOUND'],
    handle: async ({ params }, { webhooks }) => ({ body: await webhooks.retry(params.webhookId, params.deliveryId) }),
  }),
];
