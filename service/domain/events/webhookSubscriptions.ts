import { randomBytes, randomUUID } from 'node:crypto';
import { deliveryNotFound, webhookNotFound, webhookUrlNotAllowed } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import type { Page, PageCursor } from '../../repositories/pageCursor.js';
import type { OutboxRepository } from '../../repositories/outboxRepository.js';
import type { AttemptResult, Delivery, DeliveryStatus, WebhookDeliveryRepository } from '../../repositories/webhookDeliveryRepository.js';
import type { SubscriptionPatch, WebhookSubscription, WebhookSubscriptionRepository } from '../../repositories/webhookSubscriptionRepository.js';
import type { EventType } from './events.js';

export interface NewSubscription {
  url: string;
  events: EventType[];
  description?: string;
}

/** Sends one event to one target now (service/webhooks/webhookSender.ts). */
export type SendNow = (target: { url: string; secrets: string[] }, event: { id: string; type: string; occurredAt: string; data: unknown }) => Promise<AttemptResult>;

export interface WebhookSubscriptionsDeps {
  subscriptions: WebhookSubscriptionRepository;
  deliveries: WebhookDeliveryRepository;
  outbox: OutboxRepository;
  send: SendNow;
  /** Why a URL may not receive webhooks (it resolves to a loopback, private or metadata address); undefined when it may. */
  refusal: (url: string) => Promise<string | undefined>;
  /** Delivered and failed deliveries are kept this long (the console lists them), then compacted. */
  retentionDays: number;
  clock: Clock;
}

/** 32 random bytes, base64, with the `whsec_` prefix Standard Webhooks libraries expect. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** Mall systems' webhook subscriptions: what they receive, their deliveries, re-sends and tests. */
export class WebhookSubscriptions {
  constructor(private readonly deps: WebhookSubscriptionsDeps) {}

  /** A new subscription and its signing secret — the only time the secret is answered. */
  async create(input: NewSubscription): Promise<WebhookSubscription & { secret: string }> {
    await this.assertAllowed(input.url);
    const secret = newSecret();
    const subscription = await this.deps.subscriptions.create({
      id: randomUUID(),
      url: input.url,
      events: [...new Set(input.events)],
      description: input.description ?? null,
      secret,
    });
    return { ...subscription, secret };
  }

  list(): Promise<WebhookSubscription[]> {
    return this.deps.subscriptions.list();
  }

  async get(id: string): Promise<WebhookSubscription> {
    return (await this.deps.subscriptions.find(id)) ?? this.notFound(id);
  }

  /** Changes a subscription; `paused: false` resumes it, and what was queued meanwhile goes out. */
  async update(id: string, patch: SubscriptionPatch): Promise<WebhookSubscription> {
    if (patch.url) await this.assertAllowed(patch.url);
    const updated = await this.deps.subscriptions.update(id, { ...patch, ...(patch.events ? { events: [...new Set(patch.events)] } : {}) });
    if (!updated) return this.notFound(id);
    if (patch.paused === false) await this.deps.deliveries.wakeWorkers();
    return updated;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.deps.subscriptions.delete(id))) this.notFound(id);
  }

  /**
   * A new signing secret, answered this once. The old one keeps signing beside it (a second
   * signature in `webhook-signature`) for `graceHours`, so the receiver can switch without a gap.
   */
  async rotateSecret(id: string, graceHours: number): Promise<WebhookSubscription & { secret: string; previousSecretUntil: string }> {
    const secret = newSecret();
    const rotated = (await this.deps.subscriptions.rotateSecret(id, secret, graceHours * 3600)) ?? this.notFound(id);
    return { ...rotated, secret };
  }

  /**
   * Sends a `webhook.test` event to the subscription now, outside its queue (paused or not), and
   * answers what the receiver said: the way to check a URL and a secret before going live.
   */
  async test(id: string): Promise<AttemptResult & { eventId: string; durationMs: number }> {
    const target = (await this.deps.subscriptions.target(id)) ?? this.notFound(id);
    const event = { id: randomUUID(), type: 'webhook.test', occurredAt: this.deps.clock().toISOString(), data: { subscriptionId: id } };
    const started = performance.now();
    const result = await this.deps.send(target, event);
    return { ...result, eventId: event.id, durationMs: Math.round(performance.now() - started) };
  }

  async deliveries(id: string, limit: number, after?: PageCursor, status?: DeliveryStatus): Promise<Page<Delivery>> {
    await this.get(id);
    return this.deps.deliveries.page(id, limit, after, status);
  }

  /** Queues a delivery again (a failed one, typically), due now, with a fresh retry window. */
  async retry(id: string, deliveryId: string): Promise<Delivery> {
    await this.get(id);
    const delivery = await this.deps.deliveries.resend(id, deliveryId);
    if (!delivery) throw deliveryNotFound(deliveryId);
    return delivery;
  }

  /** Removes delivered and failed deliveries past the retention, and events left with none. */
  compact(): Promise<{ deliveries: number; events: number }> {
    return this.deps.outbox.compact(this.deps.retentionDays);
  }

  /** Seals signing secrets stored plain by an older version, or under a master key being rotated out. */
  resealSecrets(): Promise<number> {
    return this.deps.subscriptions.resealSecrets();
  }

  /** SSRF: a subscription may not aim the service at its own network (checked again at each delivery). */
  private async assertAllowed(url: string): Promise<void> {
    const reason = await this.deps.refusal(url);
    if (reason) throw webhookUrlNotAllowed(reason);
  }

  private notFound(id: string): never {
    throw webhookNotFound(id);
  }
}
