import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { DescriptorVault, ProbeVault } from '../crypto/descriptorVault.js';
import { loadMasterKeys } from '../crypto/masterKeys.js';
import { MemberKeyring } from '../crypto/memberKeyring.js';
import { SecretVault } from '../crypto/secretVault.js';
import { ensureKeystoreDatabase, keystoreUrlBeside } from '../db/keystoreDatabase.js';
import { migrateKeystore } from '../db/migrate.js';
import { createPool, type Pool } from '../db/pool.js';

export interface Keys {
  keyring: MemberKeyring;
  vault: DescriptorVault;
  /** Webhook signing secrets, sealed under the master key. */
  secrets: SecretVault;
  /** Till probes, sealed under the hour's probe key. */
  probes: ProbeVault;
  keystoreUrl: string;
  keystore: Pool;
  close(): Promise<void>;
}

/**
 * The master keys, the keystore database beside the data's (made and migrated when missing), and
 * the check that the configured master keys open what the keystore holds: a missing or wrong key
 * stops the start here, with the reason.
 */
export async function openKeys(config: Config, database: { url: string; embedded: boolean }, logger: Logger): Promise<Keys> {
  const master = await loadMasterKeys(config.keys, database.embedded ? config.dataDir : undefined);
  const keystoreUrl = config.keys.keystoreUrl ?? keystoreUrlBeside(database.url);
  if (!config.keys.keystoreUrl) await ensureKeystoreDatabase(keystoreUrl, database.url);
  await migrateKeystore(keystoreUrl, logger);
  const keystore = createPool(keystoreUrl, 5);
  keystore.on('error', (error) => logger.warn({ err: error }, 'idle keystore connection failed'));
  const keyring = MemberKeyring.on(keystore, master, logger);
  try {
    await keyring.verify();
  } catch (error) {
    await keystore.end();
    throw error;
  }
  logger.info({ masterKeyId: master.current.keyId, rotatingOut: master.ids.filter((id) => id !== master.current.keyId) }, 'master key opens the keystore');
  return { keyring, vault: new DescriptorVault(keyring, logger), secrets: new SecretVault(master), probes: new ProbeVault(keyring), keystoreUrl, keystore, close: () => keystore.end() };
}
