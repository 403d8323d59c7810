import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../../db/pool.js';
import { invalidInput, keyNotFound } from '../errors.js';
import type { ApiKey, ApiKeyRepository, Role, StoredKey } from '../../repositories/apiKeyRepository.js';
import type { Clock } from '../shared/clock.js';

/** The caller behind a request. */
/** The roles a key may have, as stored (the transport declares endpoints by them). */
export { ROLES, type Role } from '../../repositories/apiKeyRepository.js';

export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  /** The mall and store the key is bound to; null: the whole group. */
  mallId: string | null;
  storeId: string | null;
}

const KEY_PREFIX = 'vsg_';
/** Authentication results are reused this long: a revocation reaches every replica within it. */
const CACHE_TTL_MS = 5_000;
const CACHE_MAX_ENTRIES = 10_000;

const digestOf = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * API keys with roles: 256-bit random keys shown once, stored as SHA-256 digests, compared in
 * constant time, revocable, with an optional expiry.
 */
export class ApiKeyService {
  /** Lookups by digest; a stale entry is kept (not served) for when the database is down. */
  private readonly cache = new LRUCache<string, { key: StoredKey | undefined }>({ max: CACHE_MAX_ENTRIES, ttl: CACHE_TTL_MS, noDeleteOnStaleGet: true });

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** A new key; `binding` is the mall and store it is bound to, already checked (MallService.bindingOf). */
  async create(input: { name: string; role: Role; expiresAt?: string }, binding: { mallId: string | null; storeId: string | null } = { mallId: null, storeId: null }): Promise<ApiKey & { key: string }> {
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt <= this.clock()) throw invalidInput('expiresAt is in the past');
    const secret = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const { digest: _digest, ...stored } = await this.keys.insert({
      name: input.name,
      role: input.role,
      digest: digestOf(secret),
      keyPrefix: secret.slice(0, 12),
      expiresAt,
      ...binding,
    });
    return { ...stored, key: secret };
  }

  list(): Promise<ApiKey[]> {
    return this.keys.list();
  }

  async revoke(id: string): Promise<ApiKey> {
    const revoked = await this.keys.revoke(id);
    if (!revoked) throw keyNotFound(id);
    const revokedDigests: string[] = [];
    this.cache.forEach((entry, digest) => entry.key?.id === id && revokedDigests.push(digest));
    for (const digest of revokedDigests) this.cache.delete(digest);
    const { digest: _digest, ...key } = revoked;
    return key;
  }

  /** The principal behind a presented key, or undefined when the key is unknown, revoked or expired. */
  async authenticate(presented: string): Promise<Principal | undefined> {
    const digest = digestOf(presented);
    const key = await this.lookup(digest);
    // The lookup went by digest; comparing the digests again in constant time keeps the final
    // decision free of timing differences whatever the database's index does.
    if (!key || !timingSafeEqual(key.digest, digest)) return undefined;
    if (key.revokedAt) return undefined;
    if (key.expiresAt && new Date(key.expiresAt) <= this.clock()) return undefined;
    return { keyId: key.id, name: key.name, role: key.role, mallId: key.mallId, storeId: key.storeId };
  }

  private async lookup(digest: Buffer): Promise<StoredKey | undefined> {
    const cacheKey = digest.toString('hex');
    const cached = this.cache.get(cacheKey);
    if (cached) return cached.key;
    try {
      const key = await this.keys.findByDigest(digest);
      this.cache.set(cacheKey, { key });
      return key;
    } catch (error) {
      // With the database down, a key seen before keeps working (identify answers from memory).
      const seenBefore = this.cache.get(cacheKey, { allowStale: true });
      if (seenBefore && isDatabaseUnavailable(error)) return seenBefore.key;
      throw error;
    }
  }

  /**
   * Makes sure an admin can sign in: VISAGE_ADMIN_KEY is stored as an admin key; without it, and
   * with no admin key in the database, one is generated and written (0600) to `keyFile`, never
   * to the log.
   */
  async seedAdmin(configuredKey: string | undefined, keyFile: string): Promise<void> {
    if (configuredKey) {
      const stored = await this.keys.insert({
        name: 'VISAGE_ADMIN_KEY',
        role: 'admin',
        digest: digestOf(configuredKey),
        keyPrefix: configuredKey.slice(0, 4),
        expiresAt: null,
      });
      if (stored.revokedAt || stored.role !== 'admin') this.logger.warn('VISAGE_ADMIN_KEY was revoked or is not an admin key: it does not sign in');
      return;
    }
    if ((await this.keys.countActiveAdmins(this.clock())) > 0) return;
    const { key } = await this.create({ name: 'generated admin key', role: 'admin' });
    await fs.mkdir(path.dirname(keyFile), { recursive: true });
    await fs.writeFile(keyFile, `${key}\n`, { mode: 0o600 });
    this.logger.warn({ keyFile }, 'no admin key was configured: generated one and wrote it to this file (set VISAGE_ADMIN_KEY to choose it)');
  }
}
