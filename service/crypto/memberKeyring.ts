import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { withTransaction, type Pool } from '../db/pool.js';
import { KEY_TABLES, MemberKeyRepository, type OwnKeyTable, type WrappedKey } from '../repositories/memberKeyRepository.js';
import { MasterKeyError, type MasterKeys } from './masterKeys.js';
import { newDataKey } from './sealedBox.js';

/** Keys re-wrapped per keystore transaction. */
const REWRAP_BATCH = 1000;

/** What each key is wrapped for (authenticated: a wrapped key moved to another row does not open). */
const CONTEXT: Record<(typeof KEY_TABLES)[number], (id: string) => string> = {
  member_keys: (memberId) => `member:${memberId}`,
  snapshot_keys: (id) => `snapshot:${id}`,
  probe_keys: (id) => `probe:${id}`,
};
const memberContext = CONTEXT.member_keys;

/** A new probe key this often: probes are sealed under the key of the hour they were seen. */
const PROBE_KEY_MS = 60 * 60_000;

/**
 * The keystore's keys, each wrapped by the master key: members' data keys (made at a member's
 * first face, destroyed at purge), index snapshots' keys (replaced at each save) and the hourly
 * probe keys (destroyed once their probes have expired). Unwrapped keys are cached a few minutes,
 * so an index rebuild or a busy till unwraps each key once, not per row.
 */
export class MemberKeyring {
  private readonly cache = new LRUCache<string, Buffer>({ max: 200_000, ttl: 10 * 60_000 });

  constructor(
    private readonly keystore: Pool,
    private readonly repository: MemberKeyRepository,
    readonly master: MasterKeys,
    private readonly logger: Logger,
  ) {}

  static on(keystore: Pool, master: MasterKeys, logger: Logger): MemberKeyring {
    return new MemberKeyring(keystore, new MemberKeyRepository(keystore), master, logger);
  }

  /**
   * The member's key for sealing, made now if they have none. Always asked of the keystore, never
   * the cache: another replica may have destroyed the key meanwhile (a consent withdrawn, then
   * given again), and a face sealed under a destroyed key would be lost.
   */
  async keyFor(memberId: string): Promise<Buffer> {
    const fresh = newDataKey();
    const kept = await this.repository.insertMemberKey({ ownerId: memberId, wrapped: await this.master.current.wrap(fresh, memberContext(memberId)), masterKeyId: this.master.current.keyId });
    const key = await this.unwrap(kept, memberContext(memberId));
    this.cache.set(memberId, key);
    return key;
  }

  /** The keys these members have; a member without one (never had a face, or purged) is absent. */
  async existingKeys(memberIds: readonly string[]): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    const missing: string[] = [];
    for (const id of new Set(memberIds)) {
      const cached = this.cache.get(id);
      if (cached) found.set(id, cached);
      else missing.push(id);
    }
    for (const wrapped of await this.repository.memberKeys(missing)) {
      const key = await this.unwrap(wrapped, memberContext(wrapped.ownerId));
      this.cache.set(wrapped.ownerId, key);
      found.set(wrapped.ownerId, key);
    }
    return found;
  }

  /** Crypto-shredding: destroys the member's key, after which nothing it sealed opens anywhere. */
  async shred(memberId: string): Promise<boolean> {
    this.cache.delete(memberId);
    return this.repository.deleteMemberKey(memberId);
  }

  /** A fresh key of its own (an index snapshot's, an hour's probes'), stored wrapped; the caller keeps its id. */
  async newOwnKey(table: OwnKeyTable, id: string): Promise<Buffer> {
    const key = newDataKey();
    await this.repository.insertOwnKey(table, { ownerId: id, wrapped: await this.master.current.wrap(key, CONTEXT[table](id)), masterKeyId: this.master.current.keyId });
    return key;
  }

  /** A key of its own by id; undefined once destroyed. */
  async ownKey(table: OwnKeyTable, id: string): Promise<Buffer | undefined> {
    const cacheKey = `${table}:${id}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const wrapped = await this.repository.ownKey(table, id);
    const key = wrapped && (await this.unwrap(wrapped, CONTEXT[table](id)));
    if (key) this.cache.set(cacheKey, key);
    return key;
  }

  dropOwnKey(table: OwnKeyTable, id: string): Promise<void> {
    this.cache.delete(`${table}:${id}`);
    return this.repository.deleteOwnKey(table, id);
  }

  private probe: { id: string; key: Buffer; madeAt: number } | undefined;

  /** The key this replica seals probes under this hour (made when the hour's is older). */
  async currentProbeKey(): Promise<{ id: string; key: Buffer }> {
    if (!this.probe || Date.now() - this.probe.madeAt >= PROBE_KEY_MS) {
      const id = randomUUID();
      this.probe = { id, key: await this.newOwnKey('probe_keys', id), madeAt: Date.now() };
    }
    return this.probe;
  }

  /**
   * Destroys probe keys old enough that nothing they sealed can still be live (`lifetimeMs`: the
   * longest a probe lives): every copy of those probes, WAL archives included, stops opening.
   */
  async retireProbeKeys(lifetimeMs: number): Promise<number> {
    const before = Date.now() - PROBE_KEY_MS - lifetimeMs;
    const retired = await this.repository.deleteProbeKeysBefore(new Date(before));
    // This replica forgets them at once (the others within the cache's ten minutes).
    for (const cached of [...this.cache.keys()]) if (cached.startsWith('probe_keys:')) this.cache.delete(cached);
    if (this.probe && this.probe.madeAt < before) this.probe = undefined;
    return retired;
  }

  /**
   * At start: every master key the keystore uses must be configured and must open a key it wrapped.
   * A missing or wrong master key stops the service here, not at the first face it cannot read.
   */
  async verify(): Promise<void> {
    for (const sample of await this.repository.samplePerMasterKey()) {
      if (!this.master.get(sample.masterKeyId)) {
        throw new MasterKeyError(
          `the keystore holds keys wrapped by master key ${sample.masterKeyId}, which is not configured (configured: ${this.master.ids.join(', ')}): ` +
            'give the service that key (VISAGE_MASTER_KEY, MASTER_KEY_FILE, or VISAGE_PREVIOUS_MASTER_KEYS while rotating)',
        );
      }
      await this.unwrap(sample, CONTEXT[sample.table](sample.ownerId)).catch((error: unknown) => {
        throw new MasterKeyError(`master key ${sample.masterKeyId} does not open the keys it is said to wrap: the key or the keystore is wrong`, { cause: error });
      });
    }
  }

  /** How many keys each master key wraps (rotation's progress). */
  countsByMasterKey(): Promise<Record<string, number>> {
    return this.repository.countsByMasterKey();
  }

  /**
   * Re-wraps up to `limit` keys wrapped by another master key under the current one, a batch per
   * transaction, without touching the data they seal. Resumable: it only ever looks for keys not
   * yet under the current master key, so a run cut short is finished by the next.
   */
  async rewrap(limit: number): Promise<number> {
    let total = 0;
    for (const table of KEY_TABLES) {
      const context = CONTEXT[table];
      while (total < limit) {
        const done = await withTransaction(this.keystore, (tx) =>
          this.repository.rewrapBatch(tx, table, this.master.current.keyId, Math.min(REWRAP_BATCH, limit - total), async (key) =>
            this.master.current.wrap(await this.unwrap(key, context(key.ownerId)), context(key.ownerId)),
          ),
        );
        if (done === 0) break;
        total += done;
      }
    }
    if (total > 0) this.logger.info({ rewrapped: total, masterKeyId: this.master.current.keyId }, 'data keys re-wrapped under the current master key');
    return total;
  }

  private async unwrap(key: WrappedKey, context: string): Promise<Buffer> {
    const master = this.master.get(key.masterKeyId);
    if (!master) throw new MasterKeyError(`a data key is wrapped by master key ${key.masterKeyId}, which is not configured`);
    // A buffer of its own: a small Buffer may be a slice of Node's shared 8 KB pool, and a cached
    // key would keep its whole pool chunk (and the descriptors decrypted beside it) alive.
    const unwrapped = await master.unwrap(key.wrapped, context);
    const own = Buffer.alloc(unwrapped.length);
    unwrapped.copy(own);
    unwrapped.fill(0);
    return own;
  }
}
