import type { QualityVerdict } from './quality.js';
import type { FaceMeasures } from '../../../models/types.js';

export interface QualityView {
  ok: boolean;
  reasons: string[];
  detectionScore: number;
  sizePx: number;
  sharpness: number;
  brightness: number;
  pose: { yawDeg: number; pitchDeg: number; rollDeg: number };
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** The quality block that API responses and stored templates carry. */
export function qualityView(measures: FaceMeasures, verdict: QualityVerdict): QualityView {
  return {
    ok: verdict.ok,
    reasons: verdict.reasons,
    detectionScore: round(measures.detectionScore, 3),
    sizePx: measures.sizePx,
    sharpness: round(measures.sharpness, 1),
    brightness: round(measures.brightness, 1),
    pose: {
      yawDeg: round(measures.pose.yawDeg, 1),
      pitchDeg: round(measures.pose.pitchDeg, 1),
      rollDeg: round(measures.pose.rollDeg, 1),
    },
  };
}

export const roundDistance = (distance: number): number => round(distance, 4);
