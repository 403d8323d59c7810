import type { Queryable } from '../../db/pool.js';
import type { OutboxRepository } from '../../repositories/outboxRepository.js';
import type { Clock } from '../shared/clock.js';
import { newEvent, subjectOf, type EventData, type EventType, type VisageEvent } from './events.js';

/**
 * Where the domain reports what happened. Always called inside the transaction of the change, so
 * the event is committed with it or not at all (the transactional outbox), for the subscriptions
 * that want it then; the delivery workers (service/webhooks/) send it on.
 */
export class Outbox {
  constructor(
    private readonly events: OutboxRepository,
    private readonly clock: Clock,
  ) {}

  async record<T extends EventType>(tx: Queryable, type: T, data: EventData[T], occurredAt: Date = this.clock()): Promise<VisageEvent<T>> {
    const event = newEvent(type, data, occurredAt);
    await this.events.append(event, subjectOf(event), tx);
    return event;
  }

  /** A purge: every event about the member goes (sent or not), then `member.purged` is queued. */
  async memberPurged(tx: Queryable, memberId: string): Promise<void> {
    await this.events.forgetMember(memberId, tx);
    await this.record(tx, 'member.purged', { memberId });
  }
}
