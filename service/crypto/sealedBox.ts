import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM with a random 96-bit nonce, in one self-describing byte string:
 * `VSE1 | nonce (12) | ciphertext | tag (16)`. The magic tells a sealed photo from a plain one
 * (JPEG and PNG start otherwise) while the upgrade job seals what an older version stored. The
 * `context` (a member id, a template id) is authenticated, so a ciphertext moved to another row
 * does not open there.
 */
const MAGIC = Buffer.from('VSE1');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export function seal(key: Buffer, plaintext: Buffer, context: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([MAGIC, nonce, body, cipher.getAuthTag()]);
}

/** The plaintext; throws when the key, the context or a single byte is wrong. */
export function open(key: Buffer, sealed: Buffer, context: string): Buffer {
  if (!isSealed(sealed) || sealed.length < MAGIC.length + NONCE_BYTES + TAG_BYTES) throw new Error('not a sealed box');
  const nonce = sealed.subarray(MAGIC.length, MAGIC.length + NONCE_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  // GCM's final() adds nothing (it checks the tag): no second buffer, no concatenated copy. An
  // index rebuild opens a million of these; every copy avoided is memory the allocator keeps.
  const plaintext = decipher.update(sealed.subarray(MAGIC.length + NONCE_BYTES, sealed.length - TAG_BYTES));
  decipher.final();
  return plaintext;
}

export const isSealed = (bytes: Buffer): boolean => bytes.length >= MAGIC.length && bytes.subarray(0, MAGIC.length).equals(MAGIC);

export const newDataKey = (): Buffer => randomBytes(KEY_BYTES);
