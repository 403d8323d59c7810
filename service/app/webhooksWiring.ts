import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { WebhookSubscriptions } from '../domain/events/webhookSubscriptions.js';
import type { Clock } from '../domain/shared/clock.js';
import type { OutboxRepository } from '../repositories/outboxRepository.js';
import type { SecretSealer } from '../repositories/sealedSecrets.js';
import { WebhookDeliveryRepository } from '../repositories/webhookDeliveryRepository.js';
import { WebhookSubscriptionRepository } from '../repositories/webhookSubscriptionRepository.js';
import { DeliveryWorkers, type DeliveryObserver } from '../webhooks/deliveryWorkers.js';
import { WebhookAddressGuard } from '../webhooks/webhookAddressGuard.js';
import { sendWebhook } from '../webhooks/webhookSender.js';
import { packageVersion } from './version.js';

/** Webhooks: the subscriptions, and the workers that send this replica's share (the composition root starts them). */
export function wireWebhooks(deps: {
  config: Config;
  pool: Pool;
  databaseUrl: string;
  outbox: OutboxRepository;
  secrets: SecretSealer;
  clock: Clock;
  logger: Logger;
  deliveryObserver?: DeliveryObserver;
}) {
  const { config, pool, databaseUrl, outbox, secrets, clock, logger, deliveryObserver } = deps;
  const guard = new WebhookAddressGuard(config.webhooks.allowPrivate);
  const webhookOptions = { timeoutMs: config.webhooks.timeoutMs, userAgent: `Visage-Webhooks/${packageVersion()}`, guard };
  const webhooks = new WebhookSubscriptions({
    subscriptions: new WebhookSubscriptionRepository(pool, secrets),
    deliveries: new WebhookDeliveryRepository(pool, secrets),
    outbox,
    send: (target, event) => sendWebhook(target, event, webhookOptions),
    refusal: (url) => guard.refusal(url),
    retentionDays: config.webhooks.retentionDays,
    clock,
  });
  const deliveryWorkers = new DeliveryWorkers({
    databaseUrl,
    concurrency: config.webhooks.workers,
    pollMs: config.webhooks.pollMs,
    retry: config.webhooks.retry,
    ...webhookOptions,
    observer: deliveryObserver,
    secrets,
    logger,
  });
  return { webhooks, deliveryWorkers };
}
