import { MatchRule } from '../domain/recognition/matchRule.js';

/**
 * Made-up descriptors for unit tests of what follows faces (tracks, the frame pipeline): seeded,
 * so every run sees the same people. Real faces are in facePhotos.ts.
 */

/** The match rule of yunet-fr512's calibration, fixed here so that these tests do not move with the committed files. */
export const testRule = new MatchRule('cosine', { match: 0.535, margin: 0.08, today: 0.485, verify: 0.304 });

export const unit = (v: number[]): number[] => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

/** A person's face: `length` (64) seeded pseudo-random numbers (two people are nearly orthogonal). */
export function person(seed: number, length = 64): number[] {
  let state = seed * 2654435761;
  const next = () => ((state = (Math.imul(state ^ (state >>> 15), 2246822507) + 0x9e3779b9) | 0) / 2 ** 31);
  return unit(Array.from({ length }, next));
}

/** Another frame of the same face: a small, deterministic change (`k` picks which). */
export const noisy = (face: number[], k: number, amplitude = 0.05): number[] => unit(face.map((v, i) => v + amplitude * Math.sin(k * 3.1 + i)));
