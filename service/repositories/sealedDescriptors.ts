/**
 * How repositories keep descriptors without knowing cryptography: a port the composition root
 * fills (service/crypto/descriptorVault.ts). A row holds its descriptor sealed under the member's
 * data key, or, until the upgrade job reaches it, plain as an older version wrote it.
 */
export interface StoredDescriptor {
  memberId: string;
  templateId: string;
  plain: number[] | null;
  sealed: Buffer | null;
}

export interface DescriptorSealer {
  seal(memberId: string, templateId: string, descriptor: ArrayLike<number>): Promise<Buffer>;
  /** Each row's descriptor, or undefined where it cannot be opened (its key destroyed, a corrupted byte): reported by the sealer, skipped by the caller. */
  open(rows: readonly StoredDescriptor[]): Promise<(number[] | undefined)[]>;
}

/** The columns a descriptor is read from. */
export const DESCRIPTOR_COLUMNS = 'descriptor, descriptor_sealed';

export interface DescriptorRow {
  id: string;
  member_id: string;
  descriptor: number[] | null;
  descriptor_sealed: Buffer | null;
}

/** Rows with their descriptors opened; the unreadable ones left out. */
export async function openRows<R extends DescriptorRow>(sealer: DescriptorSealer, rows: readonly R[]): Promise<(R & { opened: number[] })[]> {
  const opened = await sealer.open(rows.map((row) => ({ memberId: row.member_id, templateId: row.id, plain: row.descriptor, sealed: row.descriptor_sealed })));
  return rows.flatMap((row, i) => (opened[i] ? [{ ...row, opened: opened[i] }] : []));
}

/**
 * Probes — what a till or a liveness challenge saw of a face, live for minutes: descriptors, a
 * face patch — sealed under the hour's probe key, named by `keyId`; opening one whose key was
 * destroyed gives undefined. `probeId` is authenticated (a probe moved elsewhere does not open).
 */
export interface ProbeSealer {
  seal(probeId: string, descriptor: ArrayLike<number>): Promise<{ keyId: string; sealed: Buffer }>;
  open(probeId: string, keyId: string, sealed: Buffer): Promise<number[] | undefined>;
  sealBytes(probeId: string, bytes: Buffer): Promise<{ keyId: string; sealed: Buffer }>;
  openBytes(probeId: string, keyId: string, sealed: Buffer): Promise<Buffer | undefined>;
}
