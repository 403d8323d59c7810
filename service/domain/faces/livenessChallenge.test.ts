import { describe, expect, it } from 'vitest';
import type { Point } from '../../../models/types.js';
import { homography, judgeChallenge, noseParallax, PLANAR_PARALLAX, yawCue, type ChallengeFrame } from './livenessChallenge.js';

/** A head: eyes and mouth corners on a plane, the nose tip in front of it (units of eye distance). */
const HEAD = [
  { x: -0.5, y: -0.3, z: 0 }, // right eye (image left)
  { x: 0.5, y: -0.3, z: 0 }, // left eye
  { x: 0, y: 0.15, z: -0.55 }, // nose tip, towards the camera
  { x: -0.4, y: 0.55, z: 0 },
  { x: 0.4, y: 0.55, z: 0 },
];

/** The head turned by `yawDeg` (positive: to the person's left), seen by a camera 6 eye distances away, 100 px per eye distance. */
function view(points: { x: number; y: number; z: number }[], yawDeg: number): Point[] {
  const a = (yawDeg * Math.PI) / 180;
  return points.map(({ x, y, z }) => {
    // Turning to the person's left brings the nose to the image's right (camera not mirrored).
    const rx = x * Math.cos(a) - z * Math.sin(a);
    const rz = x * Math.sin(a) + z * Math.cos(a);
    const depth = 6 + rz;
    return { x: 320 + (100 * 6 * rx) / depth, y: 240 + (100 * 6 * y) / depth };
  });
}

const frame = (landmarks: Point[], at: number, eyeOpenness = 0.3, passiveScore = 0.9): ChallengeFrame => ({ at, landmarks, passiveScore, eyeOpenness });

describe('the liveness challenge', () => {
  it('reads the head turn from the nose between the eyes', () => {
    expect(yawCue(view(HEAD, 0))).toBeCloseTo(0, 5);
    expect(yawCue(view(HEAD, 25))).toBeGreaterThan(0.2);
    expect(yawCue(view(HEAD, -25))).toBeLessThan(-0.2);
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
    const frames = [
      frame(view(HEAD, 0), 0),
      frame(view(HEAD, 2), 300),
      frame(view(HEAD, 28), 900), // turn left
      frame(view(HEAD, 5), 1500),
      frame(view(HEAD, 0), 1800, 0.08), // eyes shut
      frame(view(HEAD, 1), 2100, 0.31),
    ];
    const verdict = judgeChallenge(['turn_left', 'blink'], frames, 0.4);
    expect(verdict).toMatchObject({ live: true, reasons: [], steps: { turn_left: true, blink: true } });
    expect(verdict.parallax).toBeGreaterThan(PLANAR_PARALLAX);
  });

  it('refuses a flat face moved so that its yaw cue changes: one perspective transform maps all five points', () => {
    const flat = view(HEAD.map((p) => ({ ...p, z: 0 })), 0);
    // The print tilted and slanted in front of the camera, so that the nose seems to swing sideways.
    const tilts = [
      [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 0, y: 1 }, { x: 1, y: 1 }],
      [{ x: -0.3, y: 0.05 }, { x: 0.8, y: -0.1 }, { x: 0.3, y: 0.95 }, { x: 1.4, y: 1.1 }],
      [{ x: 0.1, y: -0.1 }, { x: 1.0, y: 0.1 }, { x: 0.1, y: 1.2 }, { x: 1.0, y: 0.9 }],
    ];
    const square = [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 0, y: 1 }, { x: 1, y: 1 }];
    const box = (p: Point) => ({ x: (p.x - 200) / 240, y: (p.y - 120) / 240 });
    const unbox = (p: Point) => ({ x: p.x * 240 + 200, y: p.y * 240 + 120 });
    const moved = tilts.map((corners) => {
      const warp = homography(square, corners)!;
      return flat.map((p) => unbox(warp(box(p))));
    });
    expect(yawCue(moved[1]!) - yawCue(moved[0]!)).toBeGreaterThan(0.15); // the turn step is seen …
    expect(noseParallax(moved[0]!, moved[1]!)).toBeLessThan(1e-6);
    const frames = [frame(moved[0]!, 0), frame(moved[0]!, 200), frame(moved[1]!, 600), frame(moved[2]!, 900, 0.05), frame(moved[0]!, 1200)];
    const verdict = judgeChallenge(['turn_left', 'blink'], frames, 0.4);
    expect(verdict.steps.turn_left).toBe(true);
    expect(verdict).toMatchObject({ live: false, reasons: ['planar_motion'] }); // … and the planarity test refuses it
  });

  it('names what is missing: the turn, the blink, the order, the passive score, enough frames', () => {
    const still = [frame(view(HEAD, 0), 0), frame(view(HEAD, 1), 300), frame(view(HEAD, 0), 600)];
    expect(judgeChallenge(['turn_right', 'blink'], still, 0.4).reasons).toEqual(['no_turn', 'no_blink']);
    const blinkThenTurn = [frame(view(HEAD, 0), 0), frame(view(HEAD, 0), 300, 0.05), frame(view(HEAD, 0), 500), frame(view(HEAD, -30), 900)];
    expect(judgeChallenge(['turn_right', 'blink'], blinkThenTurn, 0.4).reasons).toEqual(['out_of_order']);
    expect(judgeChallenge(['blink', 'turn_right'], blinkThenTurn.map((f) => ({ ...f, passiveScore: 0.1 })), 0.4).reasons).toEqual(['passive_score_low']);
    expect(judgeChallenge(['blink', 'turn_right'], blinkThenTurn.slice(0, 2), 0.4)).toMatchObject({ live: false, reasons: ['too_few_frames'] });
  });
});
