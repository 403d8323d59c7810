import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { SnapshotSealer } from '../../index/indexSnapshot.js';
import type { MemberKeyring } from './memberKeyring.js';

const MAGIC = Buffer.from('VSF1');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Index snapshot files sealed under a key of their own (AES-256-GCM, streamed: a graph of a
 * million templates is gigabytes). Each save makes a new key and the previous one is destroyed,
 * so a copy of an older snapshot (a backup of the data folder, a disk image) stops opening with
 * the next save: a purged member's vectors do not outlive it there by more than one interval.
 * File: `VSF1 | nonce | ciphertext | tag`.
 */
export class KeystoreSnapshotSealer implements SnapshotSealer {
  constructor(private readonly keyring: MemberKeyring) {}

  async seal(plainPath: string, sealedPath: string): Promise<string> {
    const keyId = randomUUID();
    const key = await this.keyring.newOwnKey('snapshot_keys', keyId);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(keyId));
    await pipeline(
      createReadStream(plainPath),
      cipher,
      async function* (body: AsyncIterable<Buffer>) {
        yield Buffer.concat([MAGIC, nonce]);
        yield* body;
        yield cipher.getAuthTag(); // known once the body has gone through
      },
      createWriteStream(sealedPath, { mode: 0o600, flush: true }),
    );
    return keyId;
  }

  async open(sealedPath: string, plainPath: string, keyId: string): Promise<void> {
    const key = await this.keyring.ownKey('snapshot_keys', keyId);
    if (!key) throw new Error(`snapshot key ${keyId} is gone (a newer snapshot replaced this one)`);
    const { size } = await fs.stat(sealedPath);
    const file = await fs.open(sealedPath);
    const head = Buffer.alloc(MAGIC.length + NONCE_BYTES);
    const tag = Buffer.alloc(TAG_BYTES);
    try {
      await file.read(head, 0, head.length, 0);
      await file.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
    } finally {
      await file.close();
    }
    if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a sealed snapshot');
    const decipher = createDecipheriv('aes-256-gcm', key, head.subarray(MAGIC.length));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(tag);
    // The tag is checked at the end: a corrupted file throws, and what was written of it is removed.
    await pipeline(createReadStream(sealedPath, { start: head.length, end: size - TAG_BYTES - 1 }), decipher, createWriteStream(plainPath, { mode: 0o600 })).catch(
      async (error: unknown) => {
        await fs.rm(plainPath, { force: true });
        throw error;
      },
    );
  }

  retire(keyId: string): Promise<void> {
    return this.keyring.dropOwnKey('snapshot_keys', keyId);
  }
}
