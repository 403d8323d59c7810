import { describe, expect, it } from 'vitest';
import { homography } from '../../../models/liveness/homography.js';
import type { Point } from '../../../models/types.js';
import { judgeChallenge, PLANAR_FIT, yawCue, type ChallengeFrame } from './livenessChallenge.js';

/** A head: eyes and mouth corners on a plane, the nose tip in front of it (units of eye distance). */
const HEAD = [
  { x: -0.5, y: -0.3, z: 0 }, // right eye (image left)
  { x: 0.5, y: -0.3, z: 0 }, // left eye
  { x: 0, y: 0.15, z: -0.55 }, // nose tip, towards the camera
  { x: -0.4, y: 0.55, z: 0 },
  { x: 0.4, y: 0.55, z: 0 },
];

/** The head turned by `yawDeg` (positive: to the person's left), seen by a camera 6 eye distances away, 100 px per eye distance. */
function view(yawDeg: number): Point[] {
  const a = (yawDeg * Math.PI) / 180;
  return HEAD.map(({ x, y, z }) => {
    // Turning to the person's left brings the nose to the image's right (camera not mirrored).
    const rx = x * Math.cos(a) - z * Math.sin(a);
    const rz = x * Math.sin(a) + z * Math.cos(a);
    const depth = 6 + rz;
    return { x: 320 + (100 * 6 * rx) / depth, y: 240 + (100 * 6 * y) / depth };
  });
}

/** A frame; a head's turned frames do not fit the first by one plane (fit 0.7), a print's do (0.99). */
const frame = (landmarks: Point[], at: number, eyeOpenness = 0.3, planeFit = 0.7, passiveScore = 0.9): ChallengeFrame => ({
  at,
  landmarks,
  passiveScore,
  eyeOpenness,
  ...(at > 0 ? { planeFit } : {}),
});

describe('the liveness challenge', () => {
  it('reads the head turn from the nose between the eyes', () => {
    expect(yawCue(view(0))).toBeCloseTo(0, 5);
    expect(yawCue(view(25))).toBeGreaterThan(0.2);
    expect(yawCue(view(-25))).toBeLessThan(-0.2);
  });

  it('finds the exact perspective transform through four points', () => {
    const from = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 0, y: 10 }, { x: 10, y: 10 }];
    const to = [{ x: 1, y: 2 }, { x: 14, y: 1 }, { x: 0, y: 12 }, { x: 12, y: 15 }];
    const warp = homography(from, to)!;
    for (let i = 0; i < 4; i++) {
      expect(warp(from[i]!).x).toBeCloseTo(to[i]!.x, 6);
      expect(warp(from[i]!).y).toBeCloseTo(to[i]!.y, 6);
    }
  });

  it('passes a real head that turns and blinks in the order asked', () => {
    const frames = [frame(view(0), 0), frame(view(2), 300), frame(view(28), 900), frame(view(5), 1500), frame(view(0), 1800, 0.08), frame(view(1), 2100, 0.31)];
    const verdict = judgeChallenge(['turn_left', 'blink'], frames, 0.4);
    expect(verdict).toMatchObject({ live: true, reasons: [], steps: { turn_left: true, blink: true }, planeFit: 0.7 });
  });

  it('refuses a flat face moved so that its yaw cue changes: its turned frames are one plane', () => {
    // A print tilted and slanted in front of the camera: the nose seems to swing sideways.
    const flat = view(0);
    const square = [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 0, y: 1 }, { x: 1, y: 1 }];
    const slant = homography(square, [{ x: -0.3, y: 0.05 }, { x: 0.8, y: -0.1 }, { x: 0.3, y: 0.95 }, { x: 1.4, y: 1.1 }])!;
    const moved = flat.map((p) => slant({ x: (p.x - 200) / 240, y: (p.y - 120) / 240 })).map((p) => ({ x: p.x * 240 + 200, y: p.y * 240 + 120 }));
    expect(yawCue(moved) - yawCue(flat)).toBeGreaterThan(0.15); // the turn step is seen …
    const frames = [frame(flat, 0), frame(flat, 200, 0.3, 0.99), frame(moved, 600, 0.3, 0.98), frame(flat, 900, 0.05, 0.99), frame(flat, 1200, 0.3, 0.99)];
    const verdict = judgeChallenge(['turn_left', 'blink'], frames, 0.4);
    expect(verdict.steps.turn_left).toBe(true);
    expect(verdict).toMatchObject({ live: false, reasons: ['planar_motion'], planeFit: 0.98 }); // … and the planarity test refuses it
    expect(verdict.planeFit!).toBeGreaterThanOrEqual(PLANAR_FIT);
  });

  it('names what is missing: the turn, the blink, the order, the passive score, enough frames', () => {
    const still = [frame(view(0), 0), frame(view(1), 300), frame(view(0), 600)];
    expect(judgeChallenge(['turn_right', 'blink'], still, 0.4).reasons).toEqual(['no_turn', 'no_blink']);
    const blinkThenTurn = [frame(view(0), 0), frame(view(0), 300, 0.05), frame(view(0), 500), frame(view(-30), 900)];
    expect(judgeChallenge(['turn_right', 'blink'], blinkThenTurn, 0.4).reasons).toEqual(['out_of_order']);
    expect(judgeChallenge(['blink', 'turn_right'], blinkThenTurn.map((f) => ({ ...f, passiveScore: 0.1 })), 0.4).reasons).toEqual(['passive_score_low']);
    expect(judgeChallenge(['blink', 'turn_right'], blinkThenTurn.slice(0, 2), 0.4)).toMatchObject({ live: false, reasons: ['too_few_frames'] });
  });
});
