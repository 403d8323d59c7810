import type { IndexHit } from '../../index/faceIndex.js';

/** Why a face was answered "unknown". */
export type UnknownReason = 'no_close_member' | 'ambiguous' | 'low_quality';

export interface Decision {
  /** The best template of the member the face is; absent when unknown. */
  hit?: IndexHit;
  unknownReason?: UnknownReason;
}

/**
 * The 1:N decision on a face's nearest templates (nearest first). A member's score is its best
 * template. The face is that member only when the best member is within the threshold AND the
 * best *different* member is at least `margin` further away: two members about equally close is
 * a coin toss, and at a till a coin toss hands one person's points to another.
 */
export function decide(hits: readonly IndexHit[], threshold: number, margin: number): Decision {
  const best = hits[0];
  if (!best || best.distance > threshold) return { unknownReason: 'no_close_member' };
  const runnerUp = hits.find((hit) => hit.memberId !== best.memberId);
  if (runnerUp && runnerUp.distance - best.distance < margin) return { unknownReason: 'ambiguous' };
  return { hit: best };
}
