import type { Point } from '../../../models/types.js';

/**
 * The verdict of an active liveness challenge from the frames a till sent: the head turned the
 * way asked, the eyes blinked, in the order asked, the passive score held, and — the check a
 * printed photo moved in front of the camera cannot pass — the face did not move as one flat
 * plane (its turned frames are not one perspective transform of the first). Pure: the session service feeds it the frames' measurements.
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
  /** How well one perspective transform maps the first frame's face onto this one (models/liveness/planarity.ts); absent on the first. */
  planeFit?: number;
}

export type ChallengeReason = 'too_few_frames' | 'no_turn' | 'no_blink' | 'out_of_order' | 'planar_motion' | 'passive_score_low' | 'face_changed';

export interface ChallengeVerdict {
  live: boolean;
  reasons: ChallengeReason[];
  /** Which steps were seen, by step. */
  steps: Partial<Record<ChallengeStep, boolean>>;
  /** The worst plane fit among the turned frames: near 1 for a flat photo, lower for a head (null: no frame turned). */
  planeFit: number | null;
  passiveScore: number;
}

/** A head turn moves the nose sideways by this share of the eye distance from where it started (a 25° turn ≈ 0.3; a tilted print ≈ 0.05). */
const TURN_CUE = 0.15;
/** A blink: the eyes at most this share of their usual openness in a frame, open again in a later one. */
const SHUT_SHARE = 0.65;
const REOPENED_SHARE = 0.85;
/**
 * A flat photo, however it is tilted, maps onto itself by one perspective transform: every turned
 * frame of a print fits the first one at ≥ 0.98 (normalised cross-correlation after the best
 * transform); a real head's turned frames fit worse (its nose and cheeks are not on one plane).
 * At or above this fit for every turned frame, the face moved as a plane (README, "Liveness at the till").
 */
export const PLANAR_FIT = 0.95;
/** Frames turned at least this far from the first one are the ones the planarity test reads. */
const PLANARITY_MIN_TURN = 0.08;
const MIN_FRAMES = 3;

const eyeDistance = (p: Point[]) => Math.hypot(p[0]!.x - p[1]!.x, p[0]!.y - p[1]!.y);

/** Where the nose sits between the eyes, sideways, in eye distances: 0 frontal, > 0 turned to the person's left (camera not mirrored). */
export function yawCue(landmarks: Point[]): number {
  const [rightEye, leftEye, nose] = landmarks as [Point, Point, Point];
  const midX = (rightEye.x + leftEye.x) / 2;
  return (nose.x - midX) / eyeDistance(landmarks);
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
  if (frames.length < MIN_FRAMES) return { live: false, reasons: ['too_few_frames'], steps: {}, planeFit: null, passiveScore };

  // The first frames are the face at rest: where the nose starts, how open the eyes usually are.
  const baseline = median(frames.slice(0, 2).map((f) => yawCue(f.landmarks)));
  const openness = median(frames.map((f) => f.eyeOpenness));
  const seenAt = challenge.map((step) => stepSeenAt(step, frames, baseline, openness));
  const steps = Object.fromEntries(challenge.map((step, i) => [step, seenAt[i]! >= 0]));
  if (challenge.some((step, i) => step !== 'blink' && seenAt[i]! < 0)) reasons.push('no_turn');
  if (challenge.some((step, i) => step === 'blink' && seenAt[i]! < 0)) reasons.push('no_blink');
  if (seenAt.every((i) => i >= 0) && seenAt.some((at, i) => i > 0 && at < seenAt[i - 1]!)) reasons.push('out_of_order');

  // Planarity: every frame turned away from the first, against the first.
  const firstCue = yawCue(frames[0]!.landmarks);
  const fits = frames.filter((f) => f.planeFit !== undefined && Math.abs(yawCue(f.landmarks) - firstCue) >= PLANARITY_MIN_TURN).map((f) => f.planeFit!);
  const planeFit = fits.length > 0 ? Math.min(...fits) : null;
  if (planeFit !== null && planeFit >= PLANAR_FIT) reasons.push('planar_motion');

  if (passiveScore < passiveThreshold) reasons.push('passive_score_low');
  return { live: reasons.length === 0, reasons, steps, planeFit: planeFit === null ? null : Number(planeFit.toFixed(4)), passiveScore: Number(passiveScore.toFixed(4)) };
}
