import type { FaceModelKey } from '../../../models/faceModels.js';
import type { QualityPolicy } from './quality.js';

type Limits = Omit<QualityPolicy, 'minSizePx'>;

/**
 * Limits a face must meet, per model: each measures sharpness on its own patch, and its detector
 * scores on its own scale. Enrollment asks more than identification: a poor template hurts every
 * later search, while a poor probe only risks an "unknown".
 *
 * yunet-fr512 and the fused model (the same detector and aligned crop), chosen from the measures of LFW View 1 (`npm run bench:quality`): sharpness is the
 * variance of the Laplacian of the 112×112 aligned face (LFW's 0.5th percentile 23, 1st 30; a
 * Gaussian blur of σ=3 brings a sharp 150-pixel face to 12–23, σ=2 an LFW face to 16), brightness
 * its mean luma (0.5th percentile 61), pose from the 5 points (99.5th percentile |yaw| 53°,
 * |pitch| 19°, |roll| 14°), the detector's score (0.5th percentile 0.90). Enrollment refuses 0.62%
 * of those ordinary photos.
 *
 * faceapi, as calibrated for it before: sharpness on a 64×64 grey patch of the box (LFW's 1st
 * percentile 170, σ=2 blur brings the median to 98), pose from the 68 landmarks.
 */
const YUNET_LIMITS = {
  enroll: { minSharpness: 18, minBrightness: 40, maxBrightness: 220, maxYawDeg: 55, maxPitchDeg: 30, maxRollDeg: 45, minDetectionScore: 0.75 },
  identify: { minSharpness: 8, minBrightness: 25, maxBrightness: 235, maxYawDeg: 70, maxPitchDeg: 45, maxRollDeg: 60, minDetectionScore: 0.6 },
};

const LIMITS: Readonly<Record<FaceModelKey, { enroll: Limits; identify: Limits }>> = {
  // The fused model measures faces exactly as yunet-fr512 does (same detector, same 112×112 crop).
  'yunet-fr512+omz256': YUNET_LIMITS,
  'yunet-fr512': YUNET_LIMITS,
  faceapi: {
    enroll: { minSharpness: 120, minBrightness: 40, maxBrightness: 220, maxYawDeg: 40, maxPitchDeg: 30, maxRollDeg: 45, minDetectionScore: 0.6 },
    identify: { minSharpness: 60, minBrightness: 25, maxBrightness: 235, maxYawDeg: 60, maxPitchDeg: 45, maxRollDeg: 60, minDetectionScore: 0.3 },
  },
};

/** What enrollment asks of a face under the model `model`: its limits, and the smallest face (MIN_ENROLL_FACE_PX). */
export function enrollmentPolicy(model: FaceModelKey, minSizePx: number): QualityPolicy {
  return { minSizePx, ...LIMITS[model].enroll };
}

/** What identification asks of a face under the model `model` (MIN_IDENTIFY_FACE_PX the smallest). */
export function identificationPolicy(model: FaceModelKey, minSizePx: number): QualityPolicy {
  return { minSizePx, ...LIMITS[model].identify };
}
