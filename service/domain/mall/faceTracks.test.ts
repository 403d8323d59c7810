import { describe, expect, it } from 'vitest';
import { MatchRule } from '../recognition/matchRule.js';
import { FaceTracks, TRACK_TIMEOUT_MS } from './faceTracks.js';

const rule = new MatchRule('cosine', { match: 0.535, margin: 0.08, today: 0.485, verify: 0.304 });
const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const person = (seed: number) => unit(Array.from({ length: 16 }, (_, i) => Math.sin(seed * 7.3 + i * 1.7)));
const noisy = (face: number[], k: number) => unit(face.map((v, i) => v + 0.05 * Math.sin(k * 3.1 + i)));
const box = (x: number) => ({ x, y: 100, width: 100, height: 120 });

describe('face tracks', () => {
  it('follows each face across frames by position and likeness, and starts a track for a new face', () => {
    const tracks = new FaceTracks(rule);
    const [a, b] = [person(1), person(2)];
    const first = tracks.observe('gate', [{ box: box(100), descriptor: a, weight: 0.9 }, { box: box(500), descriptor: b, weight: 0.8 }], 0);
    const second = tracks.observe('gate', [{ box: box(180), descriptor: noisy(a, 1), weight: 0.7 }, { box: box(560), descriptor: noisy(b, 1), weight: 0.9 }], 250);
    expect(second.map((t) => t.id)).toEqual(first.map((t) => t.id));
    expect(second[0]!.frames).toBe(2);
    // The same likeness far from where the track was is another person walking in.
    const far = tracks.observe('gate', [{ box: box(1200), descriptor: noisy(a, 2), weight: 0.9 }], 500);
    expect(far[0]!.id).not.toBe(first[0]!.id);
    // Another camera has its own tracks.
    expect(tracks.observe('door', [{ box: box(100), descriptor: a, weight: 0.9 }], 500)[0]!.id).not.toBe(first[0]!.id);
  });

  it('ends a track not seen for a while, and speaks for it with its best faces', () => {
    const tracks = new FaceTracks(rule);
    const a = person(3);
    const [track] = tracks.observe('gate', [{ box: box(100), descriptor: a, weight: 0.2 }], 0);
    tracks.observe('gate', [{ box: box(120), descriptor: noisy(a, 1), weight: 0.9 }], 200);
    expect(rule.sameFace(track!.representative(), a)).toBe(true);
    const later = tracks.observe('gate', [{ box: box(130), descriptor: a, weight: 0.9 }], 200 + TRACK_TIMEOUT_MS + 1);
    expect(later[0]!.id).not.toBe(track!.id);
    expect(tracks.active('gate')).toBe(1);
  });
});
