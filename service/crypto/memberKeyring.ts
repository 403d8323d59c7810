import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { withTransaction, type Pool } from '../db/pool.js';
import { MemberKeyRepository, type WrappedKey } from '../repositories/memberKeyRepository.js';
import { MasterKeyError, type MasterKeys } from './masterKeys.js';
import { newDataKey } from './sealedBox.js';

/** Keys re-wrapped per keystore transaction. */
const REWRAP_BATCH = 1000;

const memberContext = (memberId: string) => `member:${memberId}`;
const snapshotContext = (id: string) => `snapshot:${id}`;

/**
 * Members' data keys: made at a member's first face, opened (unwrapped) for sealing and loading,
 * destroyed at purge. Unwrapped keys are cached a few minutes, so an index rebuild or a busy till
 * unwraps each member's key once, not per row.
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

  /** A fresh key for an index snapshot, stored wrapped; its id goes in the snapshot's metadata. */
  async newSnapshotKey(id: string): Promise<Buffer> {
    const key = newDataKey();
    await this.repository.insertSnapshotKey({ ownerId: id, wrapped: await this.master.current.wrap(key, snapshotContext(id)), masterKeyId: this.master.current.keyId });
    return key;
  }

  async snapshotKey(id: string): Promise<Buffer | undefined> {
    const wrapped = await this.repository.snapshotKey(id);
    return wrapped && this.unwrap(wrapped, snapshotContext(id));
  }

  dropSnapshotKey(id: string): Promise<void> {
    return this.repository.deleteSnapshotKey(id);
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
      const context = sample.table === 'member_keys' ? memberContext(sample.ownerId) : snapshotContext(sample.ownerId);
      await this.unwrap(sample, context).catch((error: unknown) => {
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
    for (const table of ['member_keys', 'snapshot_keys'] as const) {
      const context = table === 'member_keys' ? memberContext : snapshotContext;
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
