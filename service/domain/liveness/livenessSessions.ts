import { randomInt } from 'node:crypto';
import type { FacePipeline } from '../../../models/facePipeline.js';
import { meanVector } from '../../../models/vectors.js';
import type { LivenessSession, LivenessSessionRepository, StoredFrame } from '../../repositories/livenessSessionRepository.js';
import {
  livenessFaceMismatch,
  livenessNotPassed,
  livenessSessionClosed,
  livenessSessionExpired,
  livenessSessionNotFound,
  livenessSessionUsed,
} from '../errors.js';
import type { Clock } from '../shared/clock.js';
import { dominantFace } from '../faces/dominantFace.js';
import { analyzeWhenReady } from '../faces/faceAnalysis.js';
import { judgeChallenge, type ChallengeFrame, type ChallengeStep, type ChallengeVerdict } from './livenessChallenge.js';
import type { LivenessPolicy } from './livenessPolicy.js';
import type { MatchRule } from '../recognition/matchRule.js';

/** The frames of a session must all arrive within this long of its first one. */
const CHALLENGE_WINDOW_MS = 10_000;
/** More frames than a few a second for ten seconds is not a till following the challenge. */
const MAX_FRAMES = 60;

export interface SessionView {
  sessionId: string;
  challenge: ChallengeStep[];
  expiresAt: string;
  frames: number;
  verdict: ChallengeVerdict | null;
  used: boolean;
}

export interface LivenessSessionsDeps {
  sessions: LivenessSessionRepository;
  pipeline: FacePipeline;
  rule: MatchRule;
  liveness: LivenessPolicy;
  sessionSeconds: number;
  clock: Clock;
}

const view = (session: LivenessSession): SessionView => ({
  sessionId: session.id,
  challenge: session.challenge as ChallengeStep[],
  expiresAt: session.expiresAt,
  frames: session.frames.length,
  verdict: session.verdict as ChallengeVerdict | null,
  used: session.usedAt !== null,
});


/**
 * Active liveness challenges for tills with a camera that can send a short burst (the shape AWS
 * uses): a session asks for a head turn and a blink in a random order; the till posts a few frames
 * a second for at most ten seconds; the verdict (livenessChallenge.ts) is kept with the session,
 * and a passed session lets one identification of the same face through.
 */
export class LivenessSessions {
  constructor(private readonly deps: LivenessSessionsDeps) {}

  async create(keyId: string | null): Promise<SessionView> {
    const turn: ChallengeStep = randomInt(2) === 0 ? 'turn_left' : 'turn_right';
    const challenge: ChallengeStep[] = randomInt(2) === 0 ? [turn, 'blink'] : ['blink', turn];
    const expiresAt = new Date(this.deps.clock().getTime() + this.deps.sessionSeconds * 1000);
    return view(await this.deps.sessions.create(challenge, keyId, expiresAt));
  }

  async get(id: string): Promise<SessionView> {
    return view(await this.open(id));
  }

  /** A session that exists and has not expired. */
  private async open(id: string): Promise<LivenessSession> {
    const session = await this.deps.sessions.find(id);
    if (!session) throw livenessSessionNotFound();
    if (new Date(session.expiresAt) <= this.deps.clock()) throw livenessSessionExpired();
    return session;
  }

  /** Measures one frame (one dominant face: its points, passive score, eye openness, descriptor) and keeps it. */
  async addFrame(id: string, bytes: Buffer): Promise<SessionView> {
    const session = await this.open(id);
    if (session.verdict !== null || session.frames.length >= MAX_FRAMES) throw livenessSessionClosed();
    // A challenge is a short burst: frames later than the window after the first are not part of it.
    if (session.firstFrameAt && this.deps.clock().getTime() - session.firstFrameAt.getTime() > CHALLENGE_WINDOW_MS) throw livenessSessionExpired();
    const reference = session.reference ? { ...session.reference, patch: new Uint8Array(Buffer.from(session.reference.patch, 'base64')) } : undefined;
    const image = await analyzeWhenReady(this.deps.pipeline, bytes, { liveness: true, challenge: { reference } });
    const face = dominantFace(image);
    const now = this.deps.clock();
    const frame: StoredFrame = {
      at: session.firstFrameAt ? now.getTime() - session.firstFrameAt.getTime() : 0,
      landmarks: face.landmarks ?? [],
      passiveScore: face.livenessScore ?? 0,
      eyeOpenness: face.eyeOpenness ?? 0,
      ...(face.planeFit !== undefined ? { planeFit: face.planeFit } : {}),
      descriptor: Array.from(face.descriptor, (v) => Number(v.toFixed(5))),
    };
    const firstReference = face.planarityReference && { ...face.planarityReference, patch: Buffer.from(face.planarityReference.patch).toString('base64') };
    const updated = await this.deps.sessions.appendFrame(id, frame, firstReference, now);
    if (!updated) throw livenessSessionClosed();
    return view(updated);
  }

  /** Judges the frames received and closes the session; the verdict is kept (and answered again). */
  async judge(id: string): Promise<SessionView> {
    const session = await this.open(id);
    if (session.verdict !== null) return view(session);
    const frames: ChallengeFrame[] = session.frames.filter((f) => f.landmarks.length === 5);
    const verdict = judgeChallenge(session.challenge as ChallengeStep[], frames, this.deps.liveness.settings.threshold);
    // One face throughout: every frame the same person as the first (1:1 threshold).
    const first = session.frames[0]?.descriptor;
    if (first && session.frames.some((f) => !this.deps.rule.sameFace(first, f.descriptor))) {
      verdict.reasons.push('face_changed');
      verdict.live = false;
    }
    const descriptor = verdict.live ? this.deps.rule.canonical(meanVector(session.frames.map((f) => f.descriptor))) ?? null : null;
    const saved = await this.deps.sessions.saveVerdict(id, verdict, verdict.live, descriptor, this.deps.clock());
    if (!saved) return this.get(id); // judged by another request meanwhile
    return view(saved);
  }

  /**
   * Uses a passed session for one identification of `descriptor`'s face: refused when it is
   * unknown, expired, not passed, already used, or saw another face. Single use either way.
   */
  async consume(id: string, descriptor: ArrayLike<number>): Promise<void> {
    const sessionFace = await this.deps.sessions.consume(id, this.deps.clock());
    if (!sessionFace) {
      const session = await this.deps.sessions.find(id);
      if (!session) throw livenessSessionNotFound();
      if (session.usedAt) throw livenessSessionUsed();
      if (new Date(session.expiresAt) <= this.deps.clock()) throw livenessSessionExpired();
      throw livenessNotPassed((session.verdict as ChallengeVerdict | null)?.reasons ?? ['not_judged']);
    }
    if (!this.deps.rule.samePerson(sessionFace, descriptor)) throw livenessFaceMismatch();
  }

  /** Deletes expired sessions: their measurements (and a passed one's face descriptor) go with them. */
  sweep(): Promise<number> {
    return this.deps.sessions.deleteExpired(this.deps.clock());
  }
}
