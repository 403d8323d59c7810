import type { QualityPolicy } from '../../models/quality.js';
import type { Config } from '../config.js';

/**
 * Limits a face must meet, chosen from the measures of LFW View 1 (`npm run bench:quality`, the
 * default model): sharpness is the variance of the Laplacian of the 112×112 aligned face (LFW's
 * 0.5th percentile 23, 1st 30; a Gaussian blur of σ=3 brings a sharp 150-pixel face to 12–23,
 * σ=2 an LFW face to 16), brightness its mean luma (0.5th percentile 61), pose from the 5 points
 * (99.5th percentile |yaw| 53°, |pitch| 19°, |roll| 14°), the detector's score (0.5th percentile
 * 0.90). Enrollment refuses at most 1% of those ordinary photos and asks more than identification:
 * a poor template hurts every later search, while a poor probe only risks an "unknown".
 */
export function enrollmentPolicy(config: Config): QualityPolicy {
  return {
    minSizePx: config.minEnrollFacePx,
    minSharpness: 18,
    minBrightness: 40,
    maxBrightness: 220,
    maxYawDeg: 55,
    maxPitchDeg: 30,
    maxRollDeg: 45,
    minDetectionScore: 0.75,
  };
}

export function identificationPolicy(config: Config): QualityPolicy {
  return {
    minSizePx: config.minIdentifyFacePx,
    minSharpness: 8,
    minBrightness: 25,
    maxBrightness: 235,
    maxYawDeg: 70,
    maxPitchDeg: 45,
    maxRollDeg: 60,
    minDetectionScore: 0.6,
  };
}
