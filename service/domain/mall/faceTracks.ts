import { randomUUID } from 'node:crypto';
import type { Box } from '../../../models/types.js';
import { meanVector } from '../../../models/vectors.js';
import type { MatchRule } from '../recognition/matchRule.js';

/** One face seen in a frame of a camera: where, what it looks like, how much to trust it. */
export interface TrackObservation {
  box: Box;
  descriptor: ArrayLike<number>;
  /** Quality weight, 0..1 (detector score × how large the face is): the best faces speak for the track. */
  weight: number;
}

/** A track ends when its face has not been seen for this long. */
export const TRACK_TIMEOUT_MS = 3_000;
/** The track's face is the weighted mean of its best few. */
const TOP_FACES = 5;
/** A face further than this (in face widths) from where the track was is not its next position. */
const MAX_JUMP_WIDTHS = 2;

/**
 * A face followed across the frames of one camera. The member decision is made from its best
 * faces (revised as better ones arrive) and gives one visit per track.
 */
export class FaceTrack {
  readonly id = randomUUID();
  frames = 0;
  /** Set once decided: the member this track is (the visit is recorded then, once). */
  memberId: string | undefined;
  /** A visitor member was already tried for this track (the visitor policy). */
  visitorTried = false;
  private best: { descriptor: Float32Array; weight: number }[] = [];
  /** The representative, computed once per change of the best faces (it is compared with every face of every frame). */
  private face: number[] | undefined;

  constructor(
    readonly cameraId: string,
    public box: Box,
    public lastSeenAt: number,
  ) {}

  add(observation: TrackObservation, at: number): void {
    this.frames++;
    this.box = observation.box;
    this.lastSeenAt = at;
    this.best.push({ descriptor: Float32Array.from(observation.descriptor), weight: Math.max(observation.weight, 1e-3) });
    this.best.sort((a, b) => b.weight - a.weight);
    this.best.length = Math.min(this.best.length, TOP_FACES);
    this.face = undefined;
  }

  /** The weighted mean of the track's best faces: steadier than any single frame's. */
  representative(): number[] {
    this.face ??= Array.from(meanVector(this.best.map((f) => f.descriptor), this.best.map((f) => f.weight)));
    return this.face;
  }
}

const centre = (box: Box) => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 });

/**
 * The tracks of every camera this replica pulls: each face of a frame joins the track it is the
 * same face as (the 1:1 threshold against the track's face) and near (box within two face widths
 * of where the track was), else starts a new one; tracks not seen for 3 s end. In memory, per
 * replica: a camera is pulled by one replica.
 */
export class FaceTracks {
  private readonly tracks = new Map<string, FaceTrack[]>();

  constructor(private readonly rule: Pick<MatchRule, 'sameFace' | 'vectorCloseness'>) {}

  /** Assigns a frame's faces to tracks; returns the track of each observation, in order. */
  observe(cameraId: string, observations: TrackObservation[], at: number): FaceTrack[] {
    const live = (this.tracks.get(cameraId) ?? []).filter((t) => at - t.lastSeenAt <= TRACK_TIMEOUT_MS);
    const taken = new Set<FaceTrack>();
    const assigned = observations.map((observation) => {
      let best: { track: FaceTrack; closeness: number } | undefined;
      for (const track of live) {
        if (taken.has(track)) continue;
        const [a, b] = [centre(track.box), centre(observation.box)];
        if (Math.hypot(a.x - b.x, a.y - b.y) > MAX_JUMP_WIDTHS * Math.max(track.box.width, observation.box.width)) continue;
        const face = track.representative();
        if (!this.rule.sameFace(face, observation.descriptor)) continue;
        const closeness = this.rule.vectorCloseness(face, observation.descriptor);
        if (!best || closeness > best.closeness) best = { track, closeness };
      }
      const track = best?.track ?? new FaceTrack(cameraId, observation.box, at);
      if (!best) live.push(track);
      taken.add(track);
      track.add(observation, at);
      return track;
    });
    this.tracks.set(cameraId, live);
    return assigned;
  }

  /** Tracks alive now on a camera (tests, metrics). */
  active(cameraId: string): number {
    return this.tracks.get(cameraId)?.length ?? 0;
  }

  /** Forgets a camera's tracks (it stopped being pulled here). */
  forget(cameraId: string): void {
    this.tracks.delete(cameraId);
  }
}
