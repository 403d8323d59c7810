import type { Queryable } from '../db/pool.js';
import type { ProbeSealer } from './sealedDescriptors.js';

export interface StoredFrame {
  at: number;
  landmarks: { x: number; y: number }[];
  passiveScore: number;
  eyeOpenness: number;
  planeFit?: number;
  descriptor: number[];
}

/** The first frame's face, for the plane fit of later frames (the patch base64-encoded). */
export interface StoredReference {
  patch: string;
  box: { x: number; y: number; width: number; height: number };
  plane: { x: number; y: number }[];
}

export interface LivenessSession {
  id: string;
  challenge: string[];
  createdAt: string;
  expiresAt: string;
  frames: StoredFrame[];
  firstFrameAt: Date | null;
  reference: StoredReference | null;
  verdict: Record<string, unknown> | null;
  passed: boolean | null;
  usedAt: string | null;
}

/** A frame as stored: its descriptor sealed (base64) under a probe key, or gone once judged. */
type SealedFrame = Omit<StoredFrame, 'descriptor'> & { descriptor?: number[]; descriptorSealed?: string; probeKeyId?: string };
/** The reference as stored: its face patch sealed (base64) under a probe key. */
type SealedReference = Omit<StoredReference, 'patch'> & { patch?: string; patchSealed?: string; probeKeyId?: string };

interface SessionRow {
  id: string;
  challenge: string[];
  created_at: Date;
  expires_at: Date;
  frames: SealedFrame[];
  first_frame_at: Date | null;
  reference: SealedReference | null;
  verdict: Record<string, unknown> | null;
  passed: boolean | null;
  used_at: Date | null;
}

const toSession = (row: SessionRow, frames: StoredFrame[], reference: StoredReference | null): LivenessSession => ({
  id: row.id,
  challenge: row.challenge,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at.toISOString(),
  frames,
  firstFrameAt: row.first_frame_at,
  reference,
  verdict: row.verdict,
  passed: row.passed,
  usedAt: row.used_at?.toISOString() ?? null,
});

const probeId = (sessionId: string) => `liveness:${sessionId}`;

/**
 * Liveness challenge sessions (in PostgreSQL: a till's frames may reach any replica). What they
 * hold of a face — the frames' descriptors, the first frame's face patch, a passed session's
 * descriptor — is sealed under the hour's probe key, like a till's probes.
 */
export class LivenessSessionRepository {
  constructor(
    private readonly db: Queryable,
    private readonly sealer: ProbeSealer,
  ) {}

  /** The session with its frames' descriptors and its face patch opened (what no longer opens: left out). */
  private async opened(row: SessionRow | undefined): Promise<LivenessSession | undefined> {
    if (!row) return undefined;
    const id = probeId(row.id);
    const frames = await Promise.all(
      row.frames.map(async ({ descriptorSealed, probeKeyId, ...frame }) => {
        if (!descriptorSealed || !probeKeyId) return frame as StoredFrame;
        return { ...frame, descriptor: (await this.sealer.open(id, probeKeyId, Buffer.from(descriptorSealed, 'base64'))) ?? [] };
      }),
    );
    let reference: StoredReference | null = null;
    if (row.reference) {
      const { patchSealed, probeKeyId, ...rest } = row.reference;
      const patch = patchSealed && probeKeyId ? await this.sealer.openBytes(id, probeKeyId, Buffer.from(patchSealed, 'base64')) : undefined;
      reference = { ...rest, patch: patch?.toString('utf8') ?? rest.patch ?? '' };
    }
    return toSession(row, frames, reference);
  }

  async create(challenge: string[], keyId: string | null, expiresAt: Date): Promise<LivenessSession> {
    const { rows } = await this.db.query<SessionRow>('INSERT INTO liveness_sessions (challenge, key_id, expires_at) VALUES ($1, $2, $3) RETURNING *', [
      challenge,
      keyId,
      expiresAt,
    ]);
    return (await this.opened(rows[0]))!;
  }

  async find(id: string): Promise<LivenessSession | undefined> {
    const { rows } = await this.db.query<SessionRow>('SELECT * FROM liveness_sessions WHERE id = $1', [id]);
    return this.opened(rows[0]);
  }

  /** Appends a frame to an open session (unexpired, not judged); undefined when it is not open any more. */
  async appendFrame(id: string, { descriptor, ...frame }: StoredFrame, reference: StoredReference | undefined, now: Date): Promise<LivenessSession | undefined> {
    const sealedDescriptor = await this.sealer.seal(probeId(id), descriptor);
    const stored: SealedFrame = { ...frame, descriptorSealed: sealedDescriptor.sealed.toString('base64'), probeKeyId: sealedDescriptor.keyId };
    let storedReference: SealedReference | undefined;
    if (reference) {
      const { patch, ...rest } = reference;
      const sealedPatch = await this.sealer.sealBytes(probeId(id), Buffer.from(patch, 'utf8'));
      storedReference = { ...rest, patchSealed: sealedPatch.sealed.toString('base64'), probeKeyId: sealedPatch.keyId };
    }
    const { rows } = await this.db.query<SessionRow>(
      `UPDATE liveness_sessions
          SET frames = frames || jsonb_build_array($2::jsonb), first_frame_at = coalesce(first_frame_at, $3),
              reference = coalesce(reference, $4::jsonb)
        WHERE id = $1 AND verdict IS NULL AND expires_at > $3
        RETURNING *`,
      [id, JSON.stringify(stored), now, storedReference ? JSON.stringify(storedReference) : null],
    );
    return this.opened(rows[0]);
  }

  /** Records the verdict once; undefined when the session was judged (or expired) meanwhile. */
  async saveVerdict(id: string, verdict: object, passed: boolean, descriptor: number[] | null, now: Date): Promise<LivenessSession | undefined> {
    const sealed = descriptor ? await this.sealer.seal(probeId(id), descriptor) : null;
    const { rows } = await this.db.query<SessionRow>(
      // The frames' descriptors and the face patch are not needed once judged: only a passed
      // session's mean descriptor stays, for the one identification it allows.
      `UPDATE liveness_sessions
          SET verdict = $2, passed = $3, descriptor = NULL, descriptor_sealed = $4, probe_key_id = $5, reference = NULL,
              frames = (SELECT coalesce(jsonb_agg(f - 'descriptor' - 'descriptorSealed' - 'probeKeyId'), '[]'::jsonb) FROM jsonb_array_elements(frames) f)
        WHERE id = $1 AND verdict IS NULL AND expires_at > $6 RETURNING *`,
      [id, JSON.stringify(verdict), passed, sealed?.sealed ?? null, sealed?.keyId ?? null, now],
    );
    return this.opened(rows[0]);
  }

  /** Marks a passed, unexpired, unused session used (erasing its descriptor) and returns that descriptor; undefined otherwise. */
  async consume(id: string, now: Date): Promise<number[] | undefined> {
    const { rows } = await this.db.query<{ descriptor: number[] | null; descriptor_sealed: Buffer | null; probe_key_id: string | null }>(
      `UPDATE liveness_sessions s SET used_at = $2, descriptor = NULL, descriptor_sealed = NULL, probe_key_id = NULL
         FROM (SELECT id, descriptor, descriptor_sealed, probe_key_id FROM liveness_sessions WHERE id = $1 FOR UPDATE) before
        WHERE s.id = before.id AND s.passed AND s.used_at IS NULL AND s.expires_at > $2
        RETURNING before.descriptor, before.descriptor_sealed, before.probe_key_id`,
      [id, now],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.descriptor_sealed && row.probe_key_id) return this.sealer.open(probeId(id), row.probe_key_id, row.descriptor_sealed);
    return row.descriptor ?? undefined;
  }

  /** Deletes sessions that expired before `before`. */
  async deleteExpired(before: Date): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM liveness_sessions WHERE expires_at < $1', [before]);
    return rowCount ?? 0;
  }
}
