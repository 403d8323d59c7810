import { describe, expect, it } from 'vitest';
import { judgeQuality, type QualityPolicy } from './quality.js';
import type { FaceMeasures } from '../../../models/types.js';

describe('quality verdicts', () => {
  const policy: QualityPolicy = { minSizePx: 80, minSharpness: 120, minBrightness: 40, maxBrightness: 220, maxYawDeg: 40, maxPitchDeg: 30, maxRollDeg: 45, minDetectionScore: 0.6 };
  const good: FaceMeasures = { detectionScore: 0.99, sizePx: 150, sharpness: 400, brightness: 120, pose: { yawDeg: 5, pitchDeg: -3, rollDeg: 2 } };

  it('accepts a good face', () => {
    expect(judgeQuality(good, policy)).toEqual({ ok: true, reasons: [] });
  });

  it('names every reason a face fails', () => {
    const bad: FaceMeasures = { detectionScore: 0.4, sizePx: 50, sharpness: 30, brightness: 20, pose: { yawDeg: 60, pitchDeg: 0, rollDeg: 0 } };
    expect(judgeQuality(bad, policy)).toEqual({
      ok: false,
      reasons: ['FACE_TOO_SMALL', 'TOO_BLURRY', 'TOO_DARK', 'POSE_TOO_EXTREME', 'LOW_DETECTION_SCORE'],
    });
    expect(judgeQuality({ ...good, brightness: 240 }, policy).reasons).toEqual(['TOO_BRIGHT']);
    expect(judgeQuality({ ...good, pose: { yawDeg: 0, pitchDeg: 0, rollDeg: -50 } }, policy).reasons).toEqual(['POSE_TOO_EXTREME']);
  });
});
