import type { Queryable } from '../db/pool.js';
import type { SecretSealer } from './sealedSecrets.js';

export interface WebhookSubscription {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  paused: boolean;
  createdAt: string;
  updatedAt: string;
}

export type SubscriptionPatch = Partial<Pick<WebhookSubscription, 'url' | 'events' | 'description' | 'paused'>>;

interface SubscriptionRow {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  secret: string;
  paused: boolean;
  created_at: Date;
  updated_at: Date;
}

const toSubscription = (row: SubscriptionRow): WebhookSubscription => ({
  id: row.id,
  url: row.url,
  events: row.events,
  description: row.description,
  paused: row.paused,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** The secrets a delivery is signed with, from a subscription row `s`: the current one, and the previous one until its grace ends. */
const secretContext = (subscriptionId: string) => `webhook:${subscriptionId}`;

/** The signing secrets of a subscription as stored (sealed), opened. */
export const openSecrets = (sealer: SecretSealer, subscriptionId: string, stored: string[]): Promise<string[]> =>
  Promise.all(stored.map((secret) => sealer.open(secret, secretContext(subscriptionId))));

export const SIGNING_SECRETS = `array_remove(ARRAY[s.secret, CASE WHEN s.previous_secret_until > clock_timestamp() THEN s.previous_secret END], NULL)`;

/** Webhook subscriptions. The signing secrets are read only to sign (target), never with the rest. */
export class WebhookSubscriptionRepository {
  constructor(
    private readonly db: Queryable,
    private readonly sealer: SecretSealer,
  ) {}

  async create(subscription: Pick<WebhookSubscription, 'id' | 'url' | 'events' | 'description'> & { secret: string }): Promise<WebhookSubscription> {
    const { rows } = await this.db.query<SubscriptionRow>(
      'INSERT INTO webhook_subscriptions (id, url, events, description, secret) VALUES ($1, $2, $3, $4, $5) RETURNING *',
      [subscription.id, subscription.url, subscription.events, subscription.description, await this.sealer.seal(subscription.secret, secretContext(subscription.id))],
    );
    return toSubscription(rows[0]!);
  }

  async find(id: string): Promise<WebhookSubscription | undefined> {
    const { rows } = await this.db.query<SubscriptionRow>('SELECT * FROM webhook_subscriptions WHERE id = $1', [id]);
    return rows[0] && toSubscription(rows[0]);
  }

  async list(): Promise<WebhookSubscription[]> {
    const { rows } = await this.db.query<SubscriptionRow>('SELECT * FROM webhook_subscriptions ORDER BY created_at, id');
    return rows.map(toSubscription);
  }

  /** Where to send and how to sign: what the sender needs and nothing else does. */
  async target(id: string): Promise<{ url: string; secrets: string[] } | undefined> {
    const { rows } = await this.db.query<{ url: string; secrets: string[] }>(`SELECT url, ${SIGNING_SECRETS} AS secrets FROM webhook_subscriptions s WHERE id = $1`, [id]);
    return rows[0] && { url: rows[0].url, secrets: await openSecrets(this.sealer, id, rows[0].secrets) };
  }

  /**
   * Seals again every secret not sealed under the current master key: plain ones an older version
   * stored (the upgrade), and those under a master key being rotated out. Returns how many rows.
   */
  async resealSecrets(): Promise<number> {
    const { rows } = await this.db.query<{ id: string; secret: string; previous_secret: string | null }>('SELECT id, secret, previous_secret FROM webhook_subscriptions');
    let resealed = 0;
    for (const row of rows) {
      const stale = [row.secret, row.previous_secret].some((secret) => secret !== null && !this.sealer.isCurrent(secret));
      if (!stale) continue;
      const again = async (secret: string | null) => secret && this.sealer.seal(await this.sealer.open(secret, secretContext(row.id)), secretContext(row.id));
      // Only if unchanged meanwhile (a rotation of the secret itself wins).
      const { rowCount } = await this.db.query('UPDATE webhook_subscriptions SET secret = $2, previous_secret = $3 WHERE id = $1 AND secret = $4', [
        row.id,
        await again(row.secret),
        await again(row.previous_secret),
        row.secret,
      ]);
      resealed += rowCount ?? 0;
    }
    return resealed;
  }

  /**
   * A new signing secret; the current one keeps signing beside it for `graceSeconds` (a second
   * signature), then stops. Undefined when there is no such subscription.
   */
  async rotateSecret(id: string, secret: string, graceSeconds: number): Promise<(WebhookSubscription & { previousSecretUntil: string }) | undefined> {
    const { rows } = await this.db.query<SubscriptionRow & { previous_secret_until: Date }>(
      `UPDATE webhook_subscriptions SET previous_secret = secret, previous_secret_until = clock_timestamp() + make_interval(secs => $3::float8),
         secret = $2, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, await this.sealer.seal(secret, secretContext(id)), graceSeconds],
    );
    return rows[0] && { ...toSubscription(rows[0]), previousSecretUntil: rows[0].previous_secret_until.toISOString() };
  }

  async update(id: string, patch: SubscriptionPatch, db: Queryable = this.db): Promise<WebhookSubscription | undefined> {
    const { rows } = await db.query<SubscriptionRow>(
      `UPDATE webhook_subscriptions SET
         url = coalesce($2, url),
         events = coalesce($3, events),
         description = CASE WHEN $4::boolean THEN $5 ELSE description END,
         paused = coalesce($6, paused),
         updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, patch.url ?? null, patch.events ?? null, patch.description !== undefined, patch.description ?? null, patch.paused ?? null],
    );
    return rows[0] && toSubscription(rows[0]);
  }

  /** Removes the subscription with its deliveries; false when there was none. */
  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM webhook_subscriptions WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }
}
