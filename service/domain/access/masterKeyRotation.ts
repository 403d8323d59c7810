/** What rotation needs of the keyring (service/crypto/memberKeyring.ts). */
export interface RewrappingKeyring {
  readonly master: { readonly current: { readonly keyId: string } };
  rewrap(limit: number): Promise<number>;
  countsByMasterKey(): Promise<Record<string, number>>;
}

export interface RotationReport {
  masterKeyId: string;
  rewrapped: number;
  /** Keys still wrapped by another master key: call again until 0, then drop the old key from VISAGE_PREVIOUS_MASTER_KEYS. */
  remaining: number;
  byMasterKey: Record<string, number>;
}

/**
 * Master-key rotation (README "Privacy"): with the new key as VISAGE_MASTER_KEY and the old one in
 * VISAGE_PREVIOUS_MASTER_KEYS on every replica, each call re-wraps a slice of the data keys under
 * the new one while the service serves (data keys do not change, so nothing sealed is touched).
 */
export class MasterKeyRotation {
  constructor(
    private readonly keyring: RewrappingKeyring,
    /** Secrets sealed under the master key itself (webhook signing secrets): few, re-sealed at every call. */
    private readonly secrets: { resealSecrets(): Promise<number> },
  ) {}

  async rotate(limit: number): Promise<RotationReport> {
    await this.secrets.resealSecrets();
    const rewrapped = await this.keyring.rewrap(limit);
    const byMasterKey = await this.keyring.countsByMasterKey();
    const masterKeyId = this.keyring.master.current.keyId;
    const remaining = Object.entries(byMasterKey).reduce((sum, [id, n]) => (id === masterKeyId ? sum : sum + n), 0);
    return { masterKeyId, rewrapped, remaining, byMasterKey };
  }
}
