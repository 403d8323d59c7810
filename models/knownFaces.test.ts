import { describe, expect, it } from 'vitest';
import { faceWeight, matchKnownFaces, onSameSpot } from './knownFaces.js';

const box = (x: number, y = 100, width = 200, height = 240) => ({ x, y, width, height });

describe('faces a camera already follows', () => {
  it('finds a face on the spot where a followed face was: moved under its width, its size within 0.75–1.33', () => {
    expect(onSameSpot(box(100), box(100))).toBe(true);
    expect(onSameSpot(box(290), box(100))).toBe(true); // 190 px of a 200 px face
    expect(onSameSpot(box(310), box(100))).toBe(false); // 210 px
    expect(onSameSpot({ ...box(100), width: 140 }, box(100))).toBe(false); // 0.7 as wide
    expect(onSameSpot({ ...box(100), width: 260 }, box(100))).toBe(true); // 1.3 as wide
  });

  it('knows a face a step from where its track was, and not one that jumped', () => {
    const known = [{ box: box(100), minWeight: Infinity }];
    expect(matchKnownFaces([{ box: box(130), weight: 0.9 }], known)).toEqual([0]);
    expect(matchKnownFaces([{ box: box(400), weight: 0.9 }], known)).toEqual([undefined]);
    expect(matchKnownFaces([{ box: box(100, 400), weight: 0.9 }], known)).toEqual([undefined]);
  });

  it('describes faces where two people cross, and a face better than the track still wants', () => {
    const known = [{ box: box(100), minWeight: Infinity }, { box: box(400), minWeight: Infinity }];
    // One face on two tracks' spots: described.
    expect(matchKnownFaces([{ box: box(250), weight: 0.9 }], known)).toEqual([undefined]);
    // Two faces on one track's spot: both described.
    expect(matchKnownFaces([{ box: box(-50), weight: 0.9 }, { box: box(250), weight: 0.9 }], [known[0]!])).toEqual([undefined, undefined]);
    // Side by side, each on its own track's spot: both known.
    expect(matchKnownFaces([{ box: box(90), weight: 0.9 }, { box: box(420), weight: 0.9 }], known)).toEqual([0, 1]);
    // An undecided track whose worst best face weighs 0.8: a face of 0.9 is described, one of 0.7 is not.
    const undecided = [{ box: box(100), minWeight: 0.8 }];
    expect(matchKnownFaces([{ box: box(110), weight: 0.9 }], undecided)).toEqual([undefined]);
    expect(matchKnownFaces([{ box: box(110), weight: 0.7 }], undecided)).toEqual([0]);
  });

  it('weighs a face by its detector score and its size up to 112 px', () => {
    expect(faceWeight(0.9, 224)).toBe(0.9);
    expect(faceWeight(0.9, 56)).toBeCloseTo(0.45, 5);
  });
});
