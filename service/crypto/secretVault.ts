import type { SecretSealer } from '../repositories/sealedSecrets.js';
import { MasterKeyError, type MasterKeys } from './masterKeys.js';

const PREFIX = 'sealed:v1:';

/**
 * Small secrets (webhook signing secrets) sealed directly under the master key, as text:
 * `sealed:v1:<master key id>:<base64>`. A rotation re-seals them with the data keys.
 */
export class SecretVault implements SecretSealer {
  constructor(private readonly master: MasterKeys) {}

  async seal(plain: string, context: string): Promise<string> {
    const sealed = await this.master.current.wrap(Buffer.from(plain, 'utf8'), context);
    return `${PREFIX}${this.master.current.keyId}:${sealed.toString('base64')}`;
  }

  async open(stored: string, context: string): Promise<string> {
    if (!stored.startsWith(PREFIX)) return stored; // written before sealing; the upgrade seals it
    const rest = stored.slice(PREFIX.length);
    const split = rest.lastIndexOf(':');
    const key = this.master.get(rest.slice(0, split));
    if (!key) throw new MasterKeyError(`a secret is sealed under master key ${rest.slice(0, split)}, which is not configured`);
    return (await key.unwrap(Buffer.from(rest.slice(split + 1), 'base64'), context)).toString('utf8');
  }

  isCurrent(stored: string): boolean {
    return stored.startsWith(`${PREFIX}${this.master.current.keyId}:`);
  }
}
