import type { FaceMeasures } from '../../../models/types.js';

/**
 * Judging a face's measures (models/quality.ts measures them): the limits a face must meet, and
 * why it fails them. The limits per model and purpose are qualityPolicies.ts.
 */

/** Limits a face must meet; enrollment asks for more than identification. */
export interface QualityPolicy {
  minSizePx: number;
  minSharpness: number;
  minBrightness: number;
  maxBrightness: number;
  maxYawDeg: number;
  maxPitchDeg: number;
  maxRollDeg: number;
  minDetectionScore: number;
}

export type QualityReason =
  | 'FACE_TOO_SMALL'
  | 'TOO_BLURRY'
  | 'TOO_DARK'
  | 'TOO_BRIGHT'
  | 'POSE_TOO_EXTREME'
  | 'LOW_DETECTION_SCORE';

export interface QualityVerdict {
  ok: boolean;
  reasons: QualityReason[];
}

export function judgeQuality(m: FaceMeasures, policy: QualityPolicy): QualityVerdict {
  const reasons: QualityReason[] = [];
  if (m.sizePx < policy.minSizePx) reasons.push('FACE_TOO_SMALL');
  if (m.sharpness < policy.minSharpness) reasons.push('TOO_BLURRY');
  if (m.brightness < policy.minBrightness) reasons.push('TOO_DARK');
  if (m.brightness > policy.maxBrightness) reasons.push('TOO_BRIGHT');
  if (
    Math.abs(m.pose.yawDeg) > policy.maxYawDeg ||
    Math.abs(m.pose.pitchDeg) > policy.maxPitchDeg ||
    Math.abs(m.pose.rollDeg) > policy.maxRollDeg
  ) {
    reasons.push('POSE_TOO_EXTREME');
  }
  if (m.detectionScore < policy.minDetectionScore) reasons.push('LOW_DETECTION_SCORE');
  return { ok: reasons.length === 0, reasons };
}
