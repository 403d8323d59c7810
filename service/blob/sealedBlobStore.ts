import type { Logger } from 'pino';
import type { MemberKeyring } from '../crypto/memberKeyring.js';
import { isSealed, open, seal } from '../crypto/sealedBox.js';
import type { BlobStore } from './blobStore.js';

const MEMBER_KEY = /^members\/([0-9a-f-]{36})\//;

/**
 * Photos sealed under their member's data key before they reach the store (filesystem or S3), and
 * opened when read back. The member comes from the key (`members/<id>/…`); the object's key is
 * authenticated with it, so a sealed photo copied to another name does not open. Once the member's
 * key is destroyed (purge), every copy of their photos — an S3 object version, a backup of the
 * bucket — is noise. A plain photo an older version stored is returned as it is until the upgrade
 * job seals it.
 */
export class SealedBlobStore implements BlobStore {
  readonly kind: string;

  constructor(
    private readonly inner: BlobStore,
    private readonly keyring: MemberKeyring,
    private readonly logger: Logger,
  ) {
    this.kind = `${inner.kind} (sealed)`;
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    const memberId = memberOf(key);
    // A sealed object is opaque bytes to the store; its name keeps the photo's extension.
    await this.inner.put(key, seal(await this.keyring.keyFor(memberId), bytes, key), contentType);
  }

  async get(key: string): Promise<Buffer | undefined> {
    const bytes = await this.inner.get(key);
    if (!bytes || !isSealed(bytes)) return bytes;
    const memberId = memberOf(key);
    const memberKey = (await this.keyring.existingKeys([memberId])).get(memberId);
    if (!memberKey) {
      this.logger.warn({ key }, 'photo unreadable: its member has no data key (purged)');
      return undefined;
    }
    try {
      return open(memberKey, bytes, key);
    } catch {
      this.logger.warn({ key }, 'photo unreadable: its ciphertext does not open (corrupted)');
      return undefined;
    }
  }

  /** Seals a photo an older version stored plain; false when it was already sealed or is gone. */
  async sealInPlace(key: string, contentType: string): Promise<boolean> {
    const bytes = await this.inner.get(key);
    if (!bytes || isSealed(bytes)) return false;
    await this.put(key, bytes, contentType);
    return true;
  }

  delete(key: string): Promise<boolean> {
    return this.inner.delete(key);
  }

  deletePrefix(prefix: string): Promise<number> {
    return this.inner.deletePrefix(prefix);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
}

function memberOf(key: string): string {
  const match = MEMBER_KEY.exec(key);
  if (!match) throw new Error(`a photo is stored under members/<id>/: ${key}`);
  return match[1]!;
}
