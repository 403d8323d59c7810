import type { Logger } from 'pino';
import type { DescriptorSealer, ProbeSealer, StoredDescriptor } from '../repositories/sealedDescriptors.js';
import type { MemberKeyring } from './memberKeyring.js';
import { open, seal } from './sealedBox.js';

const context = (templateId: string) => `template:${templateId}`;

/** Descriptor → float32 little-endian bytes (what is sealed). */
function bytesOf(descriptor: ArrayLike<number>): Buffer {
  const floats = Float32Array.from(descriptor);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
}

/** float32 little-endian → numbers, read in place (the plaintext need not be 4-byte aligned for a Float32Array view). */
function floatsOf(bytes: Buffer): number[] {
  const floats = new Array<number>(bytes.length / 4);
  for (let i = 0; i < floats.length; i++) floats[i] = bytes.readFloatLE(i * 4);
  return floats;
}

/**
 * Descriptors sealed under their member's data key (float32, little-endian, then AES-256-GCM
 * bound to the template's id). Opening happens where descriptors are loaded (index rebuild,
 * catch-up, a partition's load), never per search: the index holds them in memory as before.
 */
export class DescriptorVault implements DescriptorSealer {
  /** Templates reported unreadable since start (a gauge for the operator; each is logged once). */
  unreadable = 0;
  private readonly reported = new Set<string>();

  constructor(
    private readonly keyring: MemberKeyring,
    private readonly logger: Logger,
  ) {}

  async seal(memberId: string, templateId: string, descriptor: ArrayLike<number>): Promise<Buffer> {
    return seal(await this.keyring.keyFor(memberId), bytesOf(descriptor), context(templateId));
  }

  async open(rows: readonly StoredDescriptor[]): Promise<(number[] | undefined)[]> {
    const keys = await this.keyring.existingKeys(rows.filter((row) => row.sealed).map((row) => row.memberId));
    return rows.map((row) => {
      if (!row.sealed) return row.plain ?? undefined; // written before encryption; the upgrade job seals it
      const key = keys.get(row.memberId);
      if (!key) return this.report(row, 'its member has no data key (purged: the key was destroyed)');
      try {
        return floatsOf(open(key, row.sealed, context(row.templateId)));
      } catch {
        return this.report(row, 'its ciphertext does not open (corrupted, or moved from another row)');
      }
    });
  }

  private report(row: StoredDescriptor, reason: string): undefined {
    if (!this.reported.has(row.templateId)) {
      this.reported.add(row.templateId);
      this.unreadable += 1;
      this.logger.warn({ templateId: row.templateId, memberId: row.memberId, reason }, 'face template unreadable: skipped');
    }
    return undefined;
  }
}

const probeContext = (probeId: string) => `probe:${probeId}`;

/** Probes sealed under the hour's probe key (MemberKeyring.currentProbeKey), which is destroyed once they have all expired. */
export class ProbeVault implements ProbeSealer {
  constructor(private readonly keyring: MemberKeyring) {}

  seal(probeId: string, descriptor: ArrayLike<number>): Promise<{ keyId: string; sealed: Buffer }> {
    return this.sealBytes(probeId, bytesOf(descriptor));
  }

  async open(probeId: string, keyId: string, sealed: Buffer): Promise<number[] | undefined> {
    const bytes = await this.openBytes(probeId, keyId, sealed);
    return bytes && floatsOf(bytes);
  }

  async sealBytes(probeId: string, bytes: Buffer): Promise<{ keyId: string; sealed: Buffer }> {
    const { id, key } = await this.keyring.currentProbeKey();
    return { keyId: id, sealed: seal(key, bytes, probeContext(probeId)) };
  }

  async openBytes(probeId: string, keyId: string, sealed: Buffer): Promise<Buffer | undefined> {
    const key = await this.keyring.ownKey('probe_keys', keyId);
    if (!key) return undefined;
    try {
      return open(key, sealed, probeContext(probeId));
    } catch {
      return undefined;
    }
  }
}
