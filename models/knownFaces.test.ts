import { describe, expect, it } from 'vitest';
import { faceWeight, intersectionOverUnion, matchKnownFaces } from './knownFaces.js';

const box = (x: number, y = 100, width = 200, height = 240) => ({ x, y, width, height });

describe('faces a camera already follows', () => {
  it('measures overlap as intersection over union', () => {
    expect(intersectionOverUnion(box(0), box(0))).toBe(1);
    expect(intersectionOverUnion(box(0), box(400))).toBe(0);
    expect(intersectionOverUnion(box(0), box(100))).toBeCloseTo(1 / 3, 5);
  });

  it('knows a face a step from where its track was, and not one that jumped', () => {
    const known = [{ box: box(100), minWeight: Infinity }];
    expect(matchKnownFaces([{ box: box(130), weight: 0.9 }], known)).toEqual([0]);
    expect(matchKnownFaces([{ box: box(300), weight: 0.9 }], known)).toEqual([undefined]);
  });

  it('describes faces where two people cross, and a face better than the track still wants', () => {
    const known = [{ box: box(100), minWeight: Infinity }, { box: box(140), minWeight: Infinity }];
    // One face over two tracks' boxes: described.
    expect(matchKnownFaces([{ box: box(120), weight: 0.9 }], known)).toEqual([undefined]);
    // Two faces over one track's box: both described.
    expect(matchKnownFaces([{ box: box(95), weight: 0.9 }, { box: box(105), weight: 0.9 }], [known[0]!])).toEqual([undefined, undefined]);
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
