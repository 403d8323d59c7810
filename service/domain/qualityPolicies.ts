import type { QualityPolicy } from '../../models/quality.js';
import type { Config } from '../config.js';

/**
 * Limits a face must meet. Sharpness limits come from LFW (deep-funneled, 250×250): the 1st
 * percentile of its faces measures 170, a Gaussian blur of σ=2 brings the median to 98.
 * Enrollment asks more than identification: a poor template hurts every later search, while a
 * poor probe only risks an "unknown".
 */
export function enrollmentPolicy(config: Config): QualityPolicy {
  return {
    minSizePx: config.minEnrollFacePx,
    minSharpness: 120,
    minBrightness: 40,
    maxBrightness: 220,
    maxYawDeg: 40,
    maxPitchDeg: 30,
    maxRollDeg: 45,
    minDetectionScore: 0.6,
  };
}

export function identificationPolicy(config: Config): QualityPolicy {
  return {
    minSizePx: config.minIdentifyFacePx,
    minSharpness: 60,
    minBrightness: 25,
    maxBrightness: 235,
    maxYawDeg: 60,
    maxPitchDeg: 45,
    maxRollDeg: 60,
    minDetectionScore: 0.3,
  };
}
