import type { Queryable } from '../db/pool.js';

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

interface SessionRow {
  id: string;
  challenge: string[];
  created_at: Date;
  expires_at: Date;
  frames: StoredFrame[];
  first_frame_at: Date | null;
  reference: StoredReference | null;
  verdict: Record<string, unknown> | null;
  passed: boolean | null;
  used_at: Date | null;
}

const toSession = (row: SessionRow): LivenessSession => ({
  id: row.id,
  challenge: row.challenge,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at.toISOString(),
  frames: row.frames,
  firstFrameAt: row.first_frame_at,
  reference: row.reference,
  verdict: row.verdict,
  passed: row.passed,
  usedAt: row.used_at?.toISOString() ?? null,
});

/** Liveness challenge sessions (in PostgreSQL: a till's frames may reach any replica). */
export class LivenessSessionRepository {
  constructor(private readonly db: Queryable) {}

  async create(challenge: string[], keyId: string | null, expiresAt: Date): Promise<LivenessSession> {
    const { rows } = await this.db.query<SessionRow>('INSERT INTO liveness_sessions (challenge, key_id, expires_at) VALUES ($1, $2, $3) RETURNING *', [
      challenge,
      keyId,
      expiresAt,
    ]);
    return toSession(rows[0]!);
  }

  async find(id: string): Promise<LivenessSession | undefined> {
    const { rows } = await this.db.query<SessionRow>('SELECT * FROM liveness_sessions WHERE id = $1', [id]);
    return rows[0] && toSession(rows[0]);
  }

  /** Appends a frame to an open session (unexpired, not judged); undefined when it is not open any more. */
  async appendFrame(id: string, frame: StoredFrame, reference: StoredReference | undefined, now: Date): Promise<LivenessSession | undefined> {
    const { rows } = await this.db.query<SessionRow>(
      `UPDATE liveness_sessions
          SET frames = frames || jsonb_build_array($2::jsonb), first_frame_at = coalesce(first_frame_at, $3),
              reference = coalesce(reference, $4::jsonb)
        WHERE id = $1 AND verdict IS NULL AND expires_at > $3
        RETURNING *`,
      [id, JSON.stringify(frame), now, reference ? JSON.stringify(reference) : null],
    );
    return rows[0] && toSession(rows[0]);
  }

  /** Records the verdict once; undefined when the session was judged (or expired) meanwhile. */
  async saveVerdict(id: string, verdict: object, passed: boolean, descriptor: number[] | null, now: Date): Promise<LivenessSession | undefined> {
    const { rows } = await this.db.query<SessionRow>(
      // The frames' descriptors and the face patch are not needed once judged: only a passed
      // session's mean descriptor stays, for the one identification it allows.
      `UPDATE liveness_sessions
          SET verdict = $2, passed = $3, descriptor = $4, reference = NULL,
              frames = (SELECT coalesce(jsonb_agg(f - 'descriptor'), '[]'::jsonb) FROM jsonb_array_elements(frames) f)
        WHERE id = $1 AND verdict IS NULL AND expires_at > $5 RETURNING *`,
      [id, JSON.stringify(verdict), passed, descriptor, now],
    );
    return rows[0] && toSession(rows[0]);
  }

  /** Marks a passed, unexpired, unused session used (erasing its descriptor) and returns that descriptor; undefined otherwise. */
  async consume(id: string, now: Date): Promise<number[] | undefined> {
    const { rows } = await this.db.query<{ descriptor: number[] }>(
      `UPDATE liveness_sessions s SET used_at = $2, descriptor = NULL
         FROM (SELECT id, descriptor FROM liveness_sessions WHERE id = $1 FOR UPDATE) before
        WHERE s.id = before.id AND s.passed AND s.used_at IS NULL AND s.expires_at > $2
        RETURNING before.descriptor`,
      [id, now],
    );
    return rows[0]?.descriptor;
  }

  /** Deletes sessions that expired before `before`. */
  async deleteExpired(before: Date): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM liveness_sessions WHERE expires_at < $1', [before]);
    return rowCount ?? 0;
  }
}
