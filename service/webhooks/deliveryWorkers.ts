import type { Logger } from 'pino';
import { listenForChanges, type ChangeListener } from '../db/changeListener.js';
import { createPool, withTransaction, type Pool, type Queryable } from '../db/pool.js';
import { WEBHOOK_DELIVERIES_CHANNEL, WebhookDeliveryRepository, type DeliveryStatus } from '../repositories/webhookDeliveryRepository.js';
import { WebhookSubscriptionRepository } from '../repositories/webhookSubscriptionRepository.js';
import type { SecretSealer } from '../repositories/sealedSecrets.js';
import { retryDelaySeconds, type RetryPolicy } from './retrySchedule.js';
import type { WebhookAddressGuard } from './webhookAddressGuard.js';
import { sendWebhook } from './webhookSender.js';

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

/** What the metrics learn of each attempt. */
export interface DeliveryObserver {
  attempted(outcome: DeliveryOutcome, commitToDeliverySeconds?: number): void;
}

export interface DeliveryWorkersDeps {
  databaseUrl: string;
  /** Opens the signing secrets (sealed under the master key). */
  secrets: SecretSealer;
  /** Deliveries this replica sends at once (each to a different subscription). */
  concurrency: number;
  /** How often idle workers look for due retries without a notification, ms. */
  pollMs: number;
  timeoutMs: number;
  retry: RetryPolicy;
  userAgent: string;
  guard: WebhookAddressGuard;
  observer?: DeliveryObserver;
  logger: Logger;
}

const GONE = 410;

const OUTCOME_OF: Record<DeliveryStatus, DeliveryOutcome> = { delivered: 'delivered', pending: 'retry', failed: 'failed' };

/**
 * The delivery workers of one replica. Every replica runs them; they share the queue in
 * PostgreSQL, where a worker claims a subscription's next delivery with FOR UPDATE SKIP LOCKED and
 * holds that row lock while it sends, so one delivery is sent by one worker at a time and a
 * subscription's events go out in order. A worker that dies mid-send (SIGKILL) loses its
 * connection, its transaction rolls back, and the delivery is claimed again: at least once, never
 * lost. Workers wake on the NOTIFY a queued delivery sends, and poll for due retries.
 */
export class DeliveryWorkers {
  private readonly pool: Pool;
  private readonly deliveries: WebhookDeliveryRepository;
  private readonly subscriptions: WebhookSubscriptionRepository;
  private listener: ChangeListener | undefined;
  private poll: NodeJS.Timeout | undefined;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private loops: Promise<void>[] = [];
  private stopped = false;
  /** Bumped by every wake-up: a worker that saw it change while claiming looks again before it sleeps. */
  private wakes = 0;
  private sleepers: (() => void)[] = [];
  /** Set while claiming fails (the database away): said once, not by every worker at every poll. */
  private failing = false;

  constructor(private readonly deps: DeliveryWorkersDeps) {
    // Its own connections (opened when first used): each worker holds one for the length of a send.
    this.pool = createPool(deps.databaseUrl, deps.concurrency);
    // An idle connection dropped by the server (a restart) must not take the process down.
    this.pool.on('error', (error) => deps.logger.warn({ err: error }, 'idle webhook delivery connection failed'));
    this.deliveries = new WebhookDeliveryRepository(this.pool, deps.secrets);
    this.subscriptions = new WebhookSubscriptionRepository(this.pool, deps.secrets);
  }

  start(): void {
    this.listener = listenForChanges(this.deps.databaseUrl, WEBHOOK_DELIVERIES_CHANNEL, () => this.wake(), this.deps.logger);
    // The poll wakes everyone: retries of several subscriptions may have come due.
    this.poll = setInterval(() => this.wake(true), this.deps.pollMs);
    this.poll.unref();
    this.loops = Array.from({ length: this.deps.concurrency }, () => this.work());
  }

  /**
   * Wakes one sleeping worker (`all`: every one). One is enough for a new event: a worker that
   * delivers something wakes the next, so as many work at once as there are subscriptions with
   * work, without every worker of every replica querying for each event.
   */
  private wake(all = false): void {
    this.wakes += 1;
    const woken = all ? this.sleepers.splice(0) : this.sleepers.splice(0, 1);
    for (const resume of woken) resume();
  }

  /** A worker that delivered something wakes one more: another subscription may have work. A hint, not news: `wakes` stays. */
  private recruit(): void {
    this.sleepers.shift()?.();
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => this.sleepers.push(resolve));
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      const wakesBefore = this.wakes;
      let sent: boolean;
      try {
        sent = await this.deliverOne();
        this.failing = false;
      } catch (error) {
        // The database is away, most likely: the delivery stays queued; try again at the next poll.
        if (!this.failing) this.deps.logger.warn({ err: error }, 'webhook deliveries cannot run; retrying at each poll');
        this.failing = true;
        await this.sleep();
        continue;
      }
      if (sent) this.recruit();
      else if (wakesBefore === this.wakes && !this.stopped) await this.sleep();
    }
  }

  /** Claims one due delivery, sends it and records the outcome, in one transaction; false when none was due. */
  private async deliverOne(): Promise<boolean> {
    const done = await withTransaction(this.pool, async (tx) => {
      const claimed = await this.deliveries.claimNext(tx);
      if (!claimed) return undefined;
      const result = await sendWebhook(claimed, claimed.event, { timeoutMs: this.deps.timeoutMs, userAgent: this.deps.userAgent, guard: this.deps.guard });
      // A receiver that asks for time (Retry-After) gets it, up to the longest wait.
      const retryIn = Math.max(retryDelaySeconds(claimed.attempts + 1, this.deps.retry), Math.min(result.retryAfterSeconds ?? 0, this.deps.retry.maxSeconds));
      const status = await this.deliveries.recordAttempt(claimed.id, result, retryIn, this.deps.retry.windowHours, tx);
      if (result.statusCode === GONE) await this.pauseGone(claimed.subscriptionId, claimed.url, tx);
      return { claimed, result, retryIn, status };
    });
    if (!done) return false;
    // Told once the outcome is committed.
    const { claimed, result, retryIn, status } = done;
    this.deps.observer?.attempted(OUTCOME_OF[status], status === 'delivered' ? (Date.now() - claimed.eventCreatedAt.getTime()) / 1000 : undefined);
    if (status === 'pending') this.wakeIn(retryIn);
    else if (status === 'failed') this.deps.logger.warn({ deliveryId: claimed.id, subscriptionId: claimed.subscriptionId, eventId: claimed.event.id, error: result.error }, 'webhook delivery failed for good');
    return true;
  }

  /**
   * 410 Gone: the receiver says the endpoint is no more (Standard Webhooks). The subscription is
   * paused rather than retried for a day; its events keep queueing until an operator resumes it.
   */
  private async pauseGone(subscriptionId: string, url: string, tx: Queryable): Promise<void> {
    // In the worker's own transaction: its pool has no connection to spare.
    await this.subscriptions.update(subscriptionId, { paused: true }, tx);
    this.deps.logger.warn({ subscriptionId, url }, 'webhook receiver answered 410 Gone: subscription paused');
  }

  /** A retry due sooner than the next poll is tried on time. */
  private wakeIn(seconds: number): void {
    if (seconds * 1000 >= this.deps.pollMs) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.wake();
    }, seconds * 1000);
    timer.unref();
    this.retryTimers.add(timer);
  }

  /** Stops claiming, lets the sends under way finish (each within its timeout), and closes the connections. */
  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.wake(true);
    await Promise.all(this.loops);
    await this.listener?.close();
    await this.pool.end();
  }
}
