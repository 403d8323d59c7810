import { describe, expect, it } from 'vitest';
import { estimatePoseFromFivePoints } from '../quality.js';
import { alignFace, applySimilarity, ARCFACE_TEMPLATE, invertSimilarity, similarityTransform } from './alignment.js';
import { decodeYunet, nonMaximumSuppression, yunetInput, type RawDetection, type StrideOutputs } from './yunetDecode.js';

describe('similarity alignment', () => {
  it('recovers a known rotation, scale and shift, and inverts it', () => {
    const angle = 0.3;
    const t = { a: 2 * Math.cos(angle), b: 2 * Math.sin(angle), tx: 40, ty: -7 };
    const from = ARCFACE_TEMPLATE.map((p) => ({ x: p.x * 3, y: p.y * 2 }));
    const to = from.map((p) => applySimilarity(t, p));
    const found = similarityTransform(from, to);
    expect(found.a).toBeCloseTo(t.a, 9);
    expect(found.b).toBeCloseTo(t.b, 9);
    expect(found.tx).toBeCloseTo(t.tx, 9);
    const back = applySimilarity(invertSimilarity(found), to[2]!);
    expect(back.x).toBeCloseTo(from[2]!.x, 9);
    expect(back.y).toBeCloseTo(from[2]!.y, 9);
  });

  it('warps the 5 points onto the template (a bright dot at the left eye lands at 38,52)', () => {
    const width = 300;
    const height = 300;
    const rgb = new Uint8Array(width * height * 3);
    const landmarks = ARCFACE_TEMPLATE.map((p) => ({ x: p.x * 2 + 50, y: p.y * 2 + 30 })); // the face at twice the size, shifted
    const eye = landmarks[0]!;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) rgb.fill(255, ((Math.round(eye.y) + dy) * width + Math.round(eye.x) + dx) * 3, ((Math.round(eye.y) + dy) * width + Math.round(eye.x) + dx) * 3 + 3);
    const { grey, tensor } = alignFace(rgb, width, height, landmarks);
    expect(grey[52 * 112 + 38]).toBeGreaterThan(200);
    expect(grey[10 * 112 + 10]).toBe(0);
    expect(tensor[10 * 112 + 10]).toBeCloseTo(-127 / 128, 6); // black, normalised
  });
});

describe('YuNet decoding', () => {
  it('pads to multiples of 32 and lays out BGR planes', () => {
    const { data, paddedWidth, paddedHeight } = yunetInput(Uint8Array.from([10, 20, 30]), 1, 1);
    expect([paddedWidth, paddedHeight]).toEqual([32, 32]);
    expect([data[0], data[1024], data[2048]]).toEqual([30, 20, 10]);
  });

  it('decodes a cell into a box and landmarks on the stride grid, score √(cls·obj)', () => {
    const outputs = new Map<number, StrideOutputs>();
    for (const stride of [8, 16, 32]) {
      const cells = (64 / stride) ** 2;
      outputs.set(stride, { cls: new Float32Array(cells), obj: new Float32Array(cells), bbox: new Float32Array(cells * 4), kps: new Float32Array(cells * 10) });
    }
    const s16 = outputs.get(16)!;
    const cell = 1 * 4 + 2; // row 1, column 2
    s16.cls[cell] = 0.81;
    s16.obj[cell] = 1;
    s16.bbox.set([0.5, 0.5, Math.log(2), Math.log(3)], cell * 4);
    s16.kps.set([0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1], cell * 10);
    const [face, ...rest] = decodeYunet(outputs, 64, 64, 0.5);
    expect(rest).toEqual([]);
    expect(face!.score).toBeCloseTo(0.9, 6);
    const [x, y, width, height] = [face!.x, face!.y, face!.width, face!.height];
    [x, y, width, height].forEach((value, i) => expect(value).toBeCloseTo([40 - 16, 24 - 24, 32, 48][i]!, 4)); // float32 outputs
    expect(face!.landmarks[1]).toEqual({ x: 48, y: 16 });
  });

  it('keeps the best of overlapping boxes', () => {
    const box = (x: number, score: number): RawDetection => ({ x, y: 0, width: 10, height: 10, score, landmarks: [] });
    expect(nonMaximumSuppression([box(0, 0.7), box(1, 0.9), box(50, 0.8)], 0.3, 10).map((b) => b.score)).toEqual([0.9, 0.8]);
  });
});

describe('pose from 5 points', () => {
  it('reads the template as frontal, a tilted face as roll, a turned one as yaw', () => {
    const frontal = estimatePoseFromFivePoints(ARCFACE_TEMPLATE);
    expect(Math.abs(frontal.yawDeg)).toBeLessThan(3);
    expect(Math.abs(frontal.pitchDeg)).toBeLessThan(3);
    const r = (30 * Math.PI) / 180;
    const tilted = ARCFACE_TEMPLATE.map((p) => ({ x: p.x * Math.cos(r) - p.y * Math.sin(r), y: p.x * Math.sin(r) + p.y * Math.cos(r) }));
    expect(estimatePoseFromFivePoints(tilted).rollDeg).toBeCloseTo(30, 0); // the template's eyes sit 0.3° off level
    // A profile: the nose tip out beyond the far eye.
    const profile = ARCFACE_TEMPLATE.map((p, i) => (i === 2 ? { x: 80, y: p.y } : p));
    expect(Math.abs(estimatePoseFromFivePoints(profile).yawDeg)).toBeGreaterThan(55);
  });
});
