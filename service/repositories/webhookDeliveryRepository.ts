import type { Queryable } from '../db/pool.js';
import type { StoredEvent } from './outboxRepository.js';
import { toPage, type Page, type PageCursor } from './pageCursor.js';
import type { SecretSealer } from './sealedSecrets.js';
import { openSecrets, SIGNING_SECRETS } from './webhookSubscriptionRepository.js';

export const WEBHOOK_DELIVERIES_CHANNEL = 'visage_webhook_deliveries';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event's delivery to one subscription, as the console lists it. */
export interface Delivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

/** A delivery a worker holds (its row locked until the worker's transaction ends). */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  url: string;
  /** The secrets to sign with: the current one, and the previous one during a rotation's grace. */
  secrets: string[];
  event: StoredEvent;
  /** When the event was committed: the start of its commit-to-delivery latency. */
  eventCreatedAt: Date;
  /** Attempts before this one. */
  attempts: number;
}

/** What one attempt came to. */
export interface AttemptResult {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
  /** A receiver's Retry-After (429, 503), seconds: the next attempt waits at least this long. */
  retryAfterSeconds?: number;
}

interface DeliveryRow {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
}

const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  subscriptionId: row.subscription_id,
  eventId: row.event_id,
  eventType: row.event_type,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
  lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
  lastStatusCode: row.last_status_code,
  lastError: row.last_error,
  deliveredAt: row.delivered_at?.toISOString() ?? null,
  createdAt: row.created_at.toISOString(),
});

const DELIVERY_COLUMNS = `d.id, d.subscription_id, d.event_id, e.type AS event_type, d.status, d.attempts, d.next_attempt_at,
  d.last_attempt_at, d.last_status_code, d.last_error, d.delivered_at, d.created_at`;

/** Webhook deliveries: the queue the workers of every replica share, and its history. */
export class WebhookDeliveryRepository {
  constructor(
    private readonly db: Queryable,
    private readonly sealer: SecretSealer,
  ) {}

  /**
   * Claims one delivery that is due, inside the caller's transaction: the head of a subscription's
   * queue (its pending delivery with the lowest event sequence) — so a subscription's events go
   * out in order, one at a time — of a subscription not paused, whose next attempt is due. The row
   * stays locked while the worker sends (other replicas skip it and so the whole subscription), and
   * is released by the commit of the outcome, or by the rollback when the worker dies mid-send.
   */
  async claimNext(tx: Queryable): Promise<ClaimedDelivery | undefined> {
    // Named: prepared once per connection, as it runs for every delivery and every wake-up.
    const { rows } = await tx.query<{ id: string; subscription_id: string; url: string; secrets: string[]; payload: StoredEvent; event_created_at: Date; attempts: number }>({
      name: 'webhook-claim-next',
      text: `SELECT d.id, d.subscription_id, s.url, ${SIGNING_SECRETS} AS secrets, e.payload, e.created_at AS event_created_at, d.attempts
       FROM webhook_subscriptions s
       CROSS JOIN LATERAL (
         SELECT id FROM webhook_deliveries q WHERE q.subscription_id = s.id AND q.status = 'pending' ORDER BY q.event_seq LIMIT 1
       ) head
       JOIN webhook_deliveries d ON d.id = head.id
       JOIN outbox_events e ON e.id = d.event_id
       WHERE NOT s.paused AND d.status = 'pending' AND d.next_attempt_at <= clock_timestamp()
       ORDER BY d.next_attempt_at
       LIMIT 1
       FOR UPDATE OF d SKIP LOCKED`,
    });
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      subscriptionId: row.subscription_id,
      url: row.url,
      secrets: await openSecrets(this.sealer, row.subscription_id, row.secrets),
      event: row.payload,
      eventCreatedAt: row.event_created_at,
      attempts: row.attempts,
    };
  }

  /**
   * Records an attempt. Not delivered: the next attempt in `retryInSeconds`, unless that falls
   * beyond the retry window — then the delivery is failed. Answers the status it was left in.
   */
  async recordAttempt(id: string, result: AttemptResult, retryInSeconds: number, windowHours: number, tx: Queryable): Promise<DeliveryStatus> {
    const { rows } = await tx.query<{ status: DeliveryStatus }>({
      name: 'webhook-record-attempt',
      text: `UPDATE webhook_deliveries SET
         attempts = attempts + 1,
         last_attempt_at = clock_timestamp(),
         last_status_code = $3,
         last_error = $4,
         delivered_at = CASE WHEN $2::boolean THEN clock_timestamp() END,
         next_attempt_at = clock_timestamp() + make_interval(secs => $5::float8),
         status = CASE
           WHEN $2::boolean THEN 'delivered'
           WHEN clock_timestamp() + make_interval(secs => $5::float8) > window_started_at + make_interval(secs => $6::float8 * 3600) THEN 'failed'
           ELSE 'pending' END
       WHERE id = $1 RETURNING status`,
      values: [id, result.delivered, result.statusCode, result.error, retryInSeconds, windowHours],
    });
    return rows[0]!.status;
  }

  /** A subscription's deliveries, newest first, optionally of one status. */
  async page(subscriptionId: string, limit: number, after?: PageCursor, status?: DeliveryStatus): Promise<Page<Delivery>> {
    const { rows } = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id
       WHERE d.subscription_id = $1 AND ($2::text IS NULL OR d.status = $2)
         AND ($3::timestamptz IS NULL OR (d.created_at, d.id) < ($3, $4::uuid))
       ORDER BY d.created_at DESC, d.id DESC LIMIT $5`,
      [subscriptionId, status ?? null, after?.at ?? null, after?.id ?? null, limit + 1],
    );
    return toPage(rows, limit, toDelivery, (row) => ({ at: row.created_at, id: row.id }));
  }

  /**
   * Sends a delivery again (an operator's retry): pending, due now, with a fresh retry window.
   * Undefined when the subscription has no such delivery.
   */
  async resend(subscriptionId: string, deliveryId: string): Promise<Delivery | undefined> {
    const { rows } = await this.db.query<DeliveryRow>(
      `WITH resent AS (
         UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = clock_timestamp(), window_started_at = clock_timestamp(), delivered_at = NULL
         WHERE id = $1 AND subscription_id = $2 RETURNING *)
       SELECT ${DELIVERY_COLUMNS}, pg_notify($3, '') FROM resent d JOIN outbox_events e ON e.id = d.event_id`,
      [deliveryId, subscriptionId, WEBHOOK_DELIVERIES_CHANNEL],
    );
    return rows[0] && toDelivery(rows[0]);
  }

  /** Wakes the delivery workers of every replica (a subscription resumed). */
  async wakeWorkers(): Promise<void> {
    await this.db.query('SELECT pg_notify($1, $2)', [WEBHOOK_DELIVERIES_CHANNEL, '']);
  }
}
