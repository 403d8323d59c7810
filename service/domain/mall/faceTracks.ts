import { randomUUID } from 'node:crypto';
import { boxCentre } from '../../../models/knownFaces.js';
import type { Box } from '../../../models/types.js';
import { meanVector } from '../../../models/vectors.js';
import type { MatchRule } from '../recognition/matchRule.js';
import type { Clock } from '../shared/clock.js';

/** One face seen in a frame of a camera: where, what it looks like, how much to trust it. */
export interface TrackObservation<D = unknown> {
  box: Box;
  /** Absent for a face the analysis knew as `track`'s (not described again: knownFaces.ts). */
  descriptor?: ArrayLike<number>;
  /** Quality weight, 0..1 (faceWeight: detector score × how large the face is): the best faces speak for the track. */
  weight: number;
  /** The track this face was known as (one of `followed`'s), when it was not described. */
  track?: FaceTrack<D>;
}

/** A live track's face as the analysis may know it again: where it was, and how good a face it still wants. */
export interface FollowedFace<D> {
  track: FaceTrack<D>;
  box: Box;
  /** A face weighing more than this is still described (Infinity: none is, the track is decided). */
  minWeight: number;
}

/** How a camera's faces are followed: how long a track waits for its face, and how far the face may move. */
export interface TrackTiming {
  /** A track ends when its face has not been seen for this long. */
  timeoutMs: number;
  /** A face further than this (in face widths) from where the track was is not its next position; Infinity: anywhere. */
  maxJumpWidths: number;
}

/**
 * A pulled stream: frames a quarter-second apart, so a face is near where it was and a track
 * unseen for 3 s has left.
 */
export const PULLED_TRACKS: TrackTiming = Object.freeze({ timeoutMs: 3_000, maxJumpWidths: 2 });

/** A pushed camera's frames come seconds apart: the face may be anywhere, the track waits longer. */
export const pushedTracks = (timeoutSeconds: number): TrackTiming => Object.freeze({ timeoutMs: timeoutSeconds * 1000, maxJumpWidths: Number.POSITIVE_INFINITY });

/** The track's face is the weighted mean of its best few. */
const TOP_FACES = 5;
/** Tracks kept per camera at most (a crowd): the stalest end first. */
const MAX_TRACKS_PER_CAMERA = 500;
/** Cameras that went quiet are swept at most this often (a pushed camera may simply stop posting). */
const SWEEP_EVERY_MS = 10_000;

/**
 * A face followed across the frames of one camera. The member decision is made from its best
 * faces (revised as better ones arrive), is kept with the track, and gives one visit per track.
 * `D` is what the deciding service keeps of its decision (freed with the track).
 */
export class FaceTrack<D = unknown> {
  readonly id = randomUUID();
  frames = 0;
  /** When a frame last joined it, by the service's clock (frames carry their own capture time). */
  touchedAt = 0;
  /** Set once decided: one visit per track, and later frames of the track answered from it. */
  decision: D | undefined;
  /** A visitor member was already tried for this track (the visitor policy). */
  visitorTried = false;
  /** What the dashboard has counted of this track: seen once, recognised once, however many frames. */
  counted: 'tracked' | 'recognised' | undefined;
  private best: { descriptor: Float32Array; weight: number }[] = [];
  /** The representative, computed once per change of the best faces (it is compared with every face of every frame). */
  private face: number[] | undefined;

  constructor(
    readonly cameraId: string,
    public box: Box,
    public lastSeenAt: number,
    readonly timing: TrackTiming,
  ) {}

  add(observation: TrackObservation, at: number, now: number): void {
    this.frames++;
    this.touchedAt = now;
    this.box = observation.box;
    // A pushed frame may arrive out of order: the track lasts from its latest sighting.
    this.lastSeenAt = Math.max(this.lastSeenAt, at);
    // A face known without a descriptor was no better than the track's best: they stand.
    if (!observation.descriptor) return;
    this.best.push({ descriptor: Float32Array.from(observation.descriptor), weight: Math.max(observation.weight, 1e-3) });
    this.best.sort((a, b) => b.weight - a.weight);
    this.best.length = Math.min(this.best.length, TOP_FACES);
    this.face = undefined;
  }

  /**
   * How good a next face must be to be worth describing: none for a decided track (its decision
   * stands), one better than the worst of its best faces for an undecided one whose best are
   * full, any while it has fewer.
   */
  wantsBetterThan(): number {
    if (this.decision !== undefined) return Number.POSITIVE_INFINITY;
    return this.best.length < TOP_FACES ? Number.NEGATIVE_INFINITY : this.best.at(-1)!.weight;
  }

  /** Whether the track is still alive at `at` (a frame timed far before it is not this track either). */
  aliveAt(at: number): boolean {
    return Math.abs(at - this.lastSeenAt) <= this.timing.timeoutMs;
  }

  /** The weighted mean of the track's best faces: steadier than any single frame's. */
  representative(): number[] {
    this.face ??= Array.from(meanVector(this.best.map((f) => f.descriptor), this.best.map((f) => f.weight)));
    return this.face;
  }
}

/**
 * The one tracker of camera faces, pushed and pulled alike: each face of a frame joins the live
 * track it is the same face as (the 1:1 threshold against the track's face) and near (the
 * camera's timing), else starts a new one; two faces of one frame never join one track. Tracks
 * end when unseen for their timeout, and their state goes with them. In memory, per replica: a
 * pulled camera is pulled by one replica, and a pushed camera's frames reach the replica that
 * holds its tracks (or start new ones: a track is seconds long).
 */
export class FaceTracks<D = unknown> {
  private readonly tracks = new Map<string, FaceTrack<D>[]>();
  private lastSweep = 0;

  constructor(
    private readonly rule: Pick<MatchRule, 'sameFace' | 'vectorCloseness'>,
    private readonly clock: Clock,
  ) {}

  /**
   * The live tracks of a camera whose next face the analysis may know without describing it
   * (knownFaces.ts): where each was last, and how good a face it still wants. Pulled streams only:
   * their frames are a quarter-second apart, so a face is where its track was.
   */
  followed(cameraId: string, at: number): FollowedFace<D>[] {
    return (this.tracks.get(cameraId) ?? [])
      .filter((t) => t.aliveAt(at) && t.timing.maxJumpWidths !== Number.POSITIVE_INFINITY)
      .map((track) => ({ track, box: track.box, minWeight: track.wantsBetterThan() }));
  }

  /** Assigns a frame's faces to tracks; returns the track of each observation, in order. */
  observe(cameraId: string, observations: TrackObservation<D>[], at: number, timing: TrackTiming): FaceTrack<D>[] {
    const now = this.clock().getTime();
    this.sweep(now);
    const live = (this.tracks.get(cameraId) ?? []).filter((t) => t.aliveAt(at));
    const taken = new Set<FaceTrack<D>>();
    const assigned: FaceTrack<D>[] = [];
    // Faces known as a track first: the track is theirs (the analysis gave each track one face at most).
    const order = observations.map((_, i) => i).sort((a, b) => Number(!observations[a]!.track) - Number(!observations[b]!.track));
    for (const i of order) {
      const observation = observations[i]!;
      const known = observation.track;
      let track: FaceTrack<D>;
      if (known && known.cameraId === cameraId && !taken.has(known)) {
        // Kept even if swept between the analysis and now: it is the face's track.
        if (!live.includes(known)) live.push(known);
        track = known;
      } else {
        if (!observation.descriptor) throw new Error('a face without a descriptor must be known as a track of this camera');
        const best = this.closest(live, taken, observation.descriptor, timing, observation.box);
        track = best ?? new FaceTrack<D>(cameraId, observation.box, at, timing);
        if (!best) live.push(track);
      }
      taken.add(track);
      track.add(observation, at, now);
      assigned[i] = track;
    }
    if (live.length > MAX_TRACKS_PER_CAMERA) {
      live.sort((a, b) => b.lastSeenAt - a.lastSeenAt);
      live.length = MAX_TRACKS_PER_CAMERA;
    }
    this.tracks.set(cameraId, live);
    return assigned;
  }

  /** Tracks alive now on a camera (tests, metrics). */
  active(cameraId: string): number {
    return this.tracks.get(cameraId)?.length ?? 0;
  }

  /** Cameras with tracks held (tests: a quiet camera's state is freed). */
  get cameras(): number {
    return this.tracks.size;
  }

  /** Forgets a camera's tracks (it stopped being pulled here). */
  forget(cameraId: string): void {
    this.tracks.delete(cameraId);
  }

  /** The live track this face is the same face as, nearest in likeness, not already taken in this frame. */
  private closest(live: FaceTrack<D>[], taken: Set<FaceTrack<D>>, descriptor: ArrayLike<number>, timing: TrackTiming, box: Box): FaceTrack<D> | undefined {
    let best: { track: FaceTrack<D>; closeness: number } | undefined;
    for (const track of live) {
      if (taken.has(track)) continue;
      const [a, b] = [boxCentre(track.box), boxCentre(box)];
      if (Math.hypot(a.x - b.x, a.y - b.y) > timing.maxJumpWidths * Math.max(track.box.width, box.width)) continue;
      const face = track.representative();
      if (!this.rule.sameFace(face, descriptor)) continue;
      const closeness = this.rule.vectorCloseness(face, descriptor);
      if (!best || closeness > best.closeness) best = { track, closeness };
    }
    return best?.track;
  }

  /**
   * Frees the tracks no frame joined for their timeout by the service's clock (a camera that went
   * quiet, whatever its frames' capture times); a camera with none left is dropped.
   */
  private sweep(now: number): void {
    if (Math.abs(now - this.lastSweep) < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [cameraId, tracks] of this.tracks) {
      const live = tracks.filter((t) => now - t.touchedAt <= t.timing.timeoutMs);
      if (live.length === 0) this.tracks.delete(cameraId);
      else this.tracks.set(cameraId, live);
    }
  }
}
