import { createHmac } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { KEY_BYTES, newDataKey, open, seal } from './sealedBox.js';

/**
 * What wraps data keys: the seam for a cloud KMS. A KMS-backed wrapper (AWS KMS Encrypt/Decrypt,
 * GCP Cloud KMS, Vault transit) implements the same three members with the KMS key's id as
 * `keyId`; nothing else in the service knows where the master key is.
 */
export interface KeyWrapper {
  /** Stable, non-secret name of the master key (stored beside each wrapped key). */
  readonly keyId: string;
  wrap(dataKey: Buffer, context: string): Promise<Buffer>;
  unwrap(wrapped: Buffer, context: string): Promise<Buffer>;
}

/** A master key held in this process (from VISAGE_MASTER_KEY or a key file). */
export class LocalMasterKey implements KeyWrapper {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`a master key is ${KEY_BYTES} bytes`);
    // A name derived from the key (HMAC, so it reveals nothing of it): the same key always has the same id.
    this.keyId = `local:${createHmac('sha256', key).update('visage master key id').digest('hex').slice(0, 16)}`;
  }

  wrap(dataKey: Buffer, context: string): Promise<Buffer> {
    return Promise.resolve(seal(this.key, dataKey, context));
  }

  unwrap(wrapped: Buffer, context: string): Promise<Buffer> {
    return Promise.resolve(open(this.key, wrapped, context));
  }
}

/** The master key that wraps new data keys, and the ones being rotated out (they still unwrap). */
export class MasterKeys {
  private readonly byId: Map<string, KeyWrapper>;

  constructor(
    readonly current: KeyWrapper,
    previous: readonly KeyWrapper[] = [],
  ) {
    this.byId = new Map([...previous, current].map((key) => [key.keyId, key]));
  }

  get(keyId: string): KeyWrapper | undefined {
    return this.byId.get(keyId);
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }
}

export class MasterKeyError extends Error {}

/** A 256-bit key as configured: 44 base64 characters or 64 hex digits. */
export const MASTER_KEY_PATTERN = /^(?:[A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})$/;

/** A key as configured: 44 base64 characters or 64 hex digits (the config validated the shape). */
export const parseMasterKey = (text: string): Buffer => (/^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64'));

export interface MasterKeySettings {
  masterKey?: string;
  masterKeyFile?: string;
  previousMasterKeys: readonly string[];
}

/**
 * The configured master keys. VISAGE_MASTER_KEY, else MASTER_KEY_FILE, else (only where
 * `generateIn` is given: the embedded database) `<generateIn>/master.key`, created with a fresh
 * key, mode 0600, like the generated admin key. Never a silent new key beside data that another
 * key wrapped: MemberKeyring.verify refuses that at start.
 */
export async function loadMasterKeys(settings: MasterKeySettings, generateIn?: string): Promise<MasterKeys> {
  const previous = settings.previousMasterKeys.map((text) => new LocalMasterKey(parseMasterKey(text)));
  if (settings.masterKey) return new MasterKeys(new LocalMasterKey(parseMasterKey(settings.masterKey)), previous);
  const file = settings.masterKeyFile ?? (generateIn ? path.join(generateIn, 'master.key') : undefined);
  if (!file) {
    throw new MasterKeyError('no master key: set VISAGE_MASTER_KEY (openssl rand -base64 32) or MASTER_KEY_FILE; only the embedded database generates one');
  }
  let text: string | undefined;
  try {
    text = (await fs.readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new MasterKeyError(`master key file ${file} cannot be read: ${(error as Error).message}`);
    if (settings.masterKeyFile) throw new MasterKeyError(`MASTER_KEY_FILE ${file} does not exist`);
  }
  if (text === undefined) {
    const generated = newDataKey().toString('base64');
    await fs.mkdir(path.dirname(file), { recursive: true });
    // 'wx': two starts on one data folder keep the first one's key.
    const written = await fs.writeFile(file, `${generated}\n`, { mode: 0o600, flag: 'wx' }).then(
      () => true,
      (error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? false : Promise.reject(error)),
    );
    text = written ? generated : (await fs.readFile(file, 'utf8')).trim();
  }
  if (!MASTER_KEY_PATTERN.test(text)) throw new MasterKeyError(`master key file ${file} does not hold a 32-byte key (44 base64 characters or 64 hex digits)`);
  return new MasterKeys(new LocalMasterKey(parseMasterKey(text)), previous);
}
