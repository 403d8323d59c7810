/**
 * How repositories keep secrets (webhook signing secrets) without knowing cryptography: a port
 * the composition root fills (service/crypto/secretVault.ts). A stored secret is sealed under the
 * master key, or plain as an older version wrote it until the upgrade seals it.
 */
export interface SecretSealer {
  seal(plain: string, context: string): Promise<string>;
  open(stored: string, context: string): Promise<string>;
  /** Whether a stored secret is sealed under the current master key (else: re-seal it). */
  isCurrent(stored: string): boolean;
}
