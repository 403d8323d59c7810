import type { Point } from '../../../models/types.js';

/**
 * The verdict of an active liveness challenge from the frames a till sent: the head turned the
 * way asked, the eyes blinked, in the order asked, the passive score held, and — the check a
 * printed photo moved in front of the camera cannot pass — the face did not move as one flat
 * plane. Pure: the session service feeds it the frames' measurements.
 */

export type ChallengeStep = 'turn_left' | 'turn_right' | 'blink';

export interface ChallengeFrame {
  /** Milliseconds since the session's first frame. */
  at: number;
  /** The detector's 5 points: right eye, left eye (of the person), nose tip, right and left mouth corner. */
  landmarks: Point[];
  /** Passive liveness score of the face, 0..1. */
  passiveScore: number;
  /** Mean eye aspect ratio (68 landmarks). */
  eyeOpenness: number;
}

export type ChallengeReason = 'too_few_frames' | 'no_turn' | 'no_blink' | 'out_of_order' | 'planar_motion' | 'passive_score_low' | 'face_changed';

export interface ChallengeVerdict {
  live: boolean;
  reasons: ChallengeReason[];
  /** Which steps were seen, by step. */
  steps: Partial<Record<ChallengeStep, boolean>>;
  /** Largest nose parallax seen against a flat plane through eyes and mouth, in inter-ocular distances. */
  parallax: number;
  passiveScore: number;
}

/** A head turn moves the nose sideways by this share of the eye distance from where it started (a 25° turn ≈ 0.3; a tilted print ≈ 0.05). */
export const TURN_CUE = 0.15;
/** A blink: the eyes at most this share of their usual openness in a frame, open again in a later one. */
const SHUT_SHARE = 0.65;
const REOPENED_SHARE = 0.85;
/**
 * A real head turning shows the nose off the plane of eyes and mouth corners; a flat photo, however
 * it is tilted, maps all five points by one perspective transform. Below this parallax (in eye
 * distances, over the turned frames) the face moved as a plane (README, "Liveness at the till": how it was chosen).
 */
export const PLANAR_PARALLAX = 0.05;
/** Frames turned at least this far from the reference are the ones the planarity test reads. */
const PLANARITY_MIN_TURN = 0.08;
export const MIN_FRAMES = 3;

const distance = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);
const eyeDistance = (p: Point[]) => distance(p[0]!, p[1]!);

/** Where the nose sits between the eyes, sideways, in eye distances: 0 frontal, > 0 turned to the person's left (camera not mirrored). */
export function yawCue(landmarks: Point[]): number {
  const [rightEye, leftEye, nose] = landmarks as [Point, Point, Point];
  const midX = (rightEye.x + leftEye.x) / 2;
  return (nose.x - midX) / eyeDistance(landmarks);
}

/** Solves A x = b (8×8) by Gaussian elimination with partial pivoting; undefined when singular. */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-12) return undefined;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/** The perspective transform (homography) that maps the four `from` points onto the four `to` points. */
export function homography(from: Point[], to: Point[]): ((p: Point) => Point) | undefined {
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const { x, y } = from[i]!;
    const { x: u, y: v } = to[i]!;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    b.push(u);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    b.push(v);
  }
  const h = solve(a, b);
  if (!h) return undefined;
  return ({ x, y }) => {
    const w = h[6]! * x + h[7]! * y + 1;
    return { x: (h[0]! * x + h[1]! * y + h[2]!) / w, y: (h[3]! * x + h[4]! * y + h[5]!) / w };
  };
}

/**
 * How far the nose of `frame` is from where a flat face would put it: the perspective transform
 * through the eyes and mouth corners of `reference` and `frame`, applied to the reference's nose,
 * against the frame's nose, in the frame's eye distances.
 */
export function noseParallax(reference: Point[], frame: Point[]): number {
  const plane = [0, 1, 3, 4];
  const warp = homography(
    plane.map((i) => reference[i]!),
    plane.map((i) => frame[i]!),
  );
  if (!warp) return 0;
  return distance(warp(reference[2]!), frame[2]!) / eyeDistance(frame);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The index of the first frame where the step is seen, or -1. */
function stepSeenAt(step: ChallengeStep, frames: ChallengeFrame[], baseline: number, openness: number): number {
  if (step === 'blink') {
    const shut = frames.findIndex((f) => f.eyeOpenness <= SHUT_SHARE * openness);
    if (shut < 0) return -1;
    return frames.slice(shut + 1).some((f) => f.eyeOpenness >= REOPENED_SHARE * openness) ? shut : -1;
  }
  const sign = step === 'turn_left' ? 1 : -1;
  return frames.findIndex((f) => sign * (yawCue(f.landmarks) - baseline) >= TURN_CUE);
}

export function judgeChallenge(challenge: ChallengeStep[], frames: ChallengeFrame[], passiveThreshold: number): ChallengeVerdict {
  const reasons: ChallengeReason[] = [];
  const passiveScore = frames.length ? frames.reduce((sum, f) => sum + f.passiveScore, 0) / frames.length : 0;
  if (frames.length < MIN_FRAMES) return { live: false, reasons: ['too_few_frames'], steps: {}, parallax: 0, passiveScore };

  // The first frames are the face at rest: where the nose starts, how open the eyes usually are.
  const baseline = median(frames.slice(0, 2).map((f) => yawCue(f.landmarks)));
  const openness = median(frames.map((f) => f.eyeOpenness));
  const seenAt = challenge.map((step) => stepSeenAt(step, frames, baseline, openness));
  const steps = Object.fromEntries(challenge.map((step, i) => [step, seenAt[i]! >= 0]));
  if (challenge.some((step, i) => step !== 'blink' && seenAt[i]! < 0)) reasons.push('no_turn');
  if (challenge.some((step, i) => step === 'blink' && seenAt[i]! < 0)) reasons.push('no_blink');
  if (seenAt.every((i) => i >= 0) && seenAt.some((at, i) => i > 0 && at < seenAt[i - 1]!)) reasons.push('out_of_order');

  // Planarity: the most frontal frame against every frame turned away from it.
  const reference = frames.reduce((best, f) => (Math.abs(yawCue(f.landmarks) - baseline) < Math.abs(yawCue(best.landmarks) - baseline) ? f : best));
  const referenceCue = yawCue(reference.landmarks);
  const turned = frames.filter((f) => Math.abs(yawCue(f.landmarks) - referenceCue) >= PLANARITY_MIN_TURN);
  const parallax = Math.max(0, ...turned.map((f) => noseParallax(reference.landmarks, f.landmarks)));
  if (turned.length > 0 && parallax < PLANAR_PARALLAX) reasons.push('planar_motion');

  if (passiveScore < passiveThreshold) reasons.push('passive_score_low');
  return { live: reasons.length === 0, reasons, steps, parallax: Number(parallax.toFixed(4)), passiveScore: Number(passiveScore.toFixed(4)) };
}
