import type { Queryable } from '../db/pool.js';

/** An event as the outbox keeps it and a delivery sends it (the domain's catalogue says what `data` holds: domain/events/events.ts). */
export interface StoredEvent {
  id: string;
  type: string;
  occurredAt: string;
  data: unknown;
}

/** What the metrics report of the queue: deliveries not yet made, and how long the oldest has waited. */
export interface OutboxDepth {
  pending: number;
  oldestPendingSeconds: number;
}

/** The transactional outbox: events written with the changes they report, and their fan-out. */
export class OutboxRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Writes an event and a pending delivery for every subscription that wants its type, in one
   * statement of the caller's transaction: both exist exactly when the change does. Paused
   * subscriptions get theirs too (they go out on resume). An event no subscription wants is not
   * written at all: a deployment without webhooks keeps no log of its members' comings and goings.
   */
  async append(event: StoredEvent, memberId: string | null, tx: Queryable): Promise<void> {
    await tx.query(
      `WITH wanting AS (SELECT id FROM webhook_subscriptions WHERE $2 = ANY (events)),
       event AS (
         INSERT INTO outbox_events (id, type, member_id, payload)
         SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM wanting)
         RETURNING id, seq)
       INSERT INTO webhook_deliveries (subscription_id, event_id, event_seq)
       SELECT wanting.id, event.id, event.seq FROM event, wanting`,
      [event.id, event.type, memberId, event],
    );
  }

  /** Removes every event about a member, delivered or not, with their deliveries (a purge). */
  async forgetMember(memberId: string, tx: Queryable): Promise<number> {
    const { rowCount } = await tx.query('DELETE FROM outbox_events WHERE member_id = $1', [memberId]);
    return rowCount ?? 0;
  }

  async depth(): Promise<OutboxDepth> {
    const { rows } = await this.db.query<{ pending: string; oldest: number | null }>(
      `SELECT count(*) AS pending, extract(epoch FROM clock_timestamp() - min(created_at))::float8 AS oldest
       FROM webhook_deliveries WHERE status = 'pending'`,
    );
    return { pending: Number(rows[0]!.pending), oldestPendingSeconds: rows[0]!.oldest ?? 0 };
  }

  /**
   * Compaction: deliveries finished (delivered, or failed and not re-sent) longer ago than the
   * retention, then events left without a delivery that are older than it.
   */
  async compact(retentionDays: number): Promise<{ deliveries: number; events: number }> {
    const deliveries = await this.db.query(
      `DELETE FROM webhook_deliveries
       WHERE status <> 'pending' AND coalesce(delivered_at, last_attempt_at) < clock_timestamp() - $1::float8 * interval '1 day'`,
      [retentionDays],
    );
    const events = await this.db.query(
      `DELETE FROM outbox_events e
       WHERE e.created_at < clock_timestamp() - $1::float8 * interval '1 day'
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)`,
      [retentionDays],
    );
    return { deliveries: deliveries.rowCount ?? 0, events: events.rowCount ?? 0 };
  }
}
