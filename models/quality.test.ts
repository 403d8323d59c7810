import { describe, expect, it } from 'vitest';
import { estimatePose, greyPatch, laplacianVariance, meanOf, type Point } from './quality.js';

/** A frontal 68-point face: symmetric jaw, eyes level, nose tip centred a little over half-way to the mouth. */
function frontalLandmarks(): Point[] {
  const points: Point[] = Array.from({ length: 68 }, () => ({ x: 50, y: 50 }));
  for (let i = 0; i <= 16; i++) points[i] = { x: 10 + i * 5, y: 40 + Math.sin((i / 16) * Math.PI) * 40 };
  for (let i = 36; i < 42; i++) points[i] = { x: 30 + (i - 36), y: 40 };
  for (let i = 42; i < 48; i++) points[i] = { x: 65 + (i - 42), y: 40 };
  points[30] = { x: 50, y: 40 + 0.58 * 30 };
  for (let i = 48; i < 68; i++) points[i] = { x: 40 + (i - 48), y: 70 };
  return points;
}

const rotate = (points: Point[], degrees: number): Point[] => {
  const r = (degrees * Math.PI) / 180;
  return points.map((p) => ({ x: 50 + (p.x - 50) * Math.cos(r) - (p.y - 50) * Math.sin(r), y: 50 + (p.x - 50) * Math.sin(r) + (p.y - 50) * Math.cos(r) }));
};

describe('pose from landmarks', () => {
  it('reads a frontal face as about 0° yaw, pitch and roll', () => {
    const pose = estimatePose(frontalLandmarks());
    expect(Math.abs(pose.yawDeg)).toBeLessThan(3);
    expect(Math.abs(pose.pitchDeg)).toBeLessThan(3);
    expect(Math.abs(pose.rollDeg)).toBeLessThan(1);
  });

  it('reads an in-plane rotation as roll only', () => {
    const pose = estimatePose(rotate(frontalLandmarks(), 25));
    expect(pose.rollDeg).toBeCloseTo(25, 0);
    expect(Math.abs(pose.yawDeg)).toBeLessThan(3);
  });

  it('reads a nose tip pushed towards one jaw end as yaw', () => {
    const turned = frontalLandmarks();
    turned[30] = { x: 70, y: turned[30]!.y };
    expect(estimatePose(turned).yawDeg).toBeGreaterThan(30);
  });

  it('refuses anything but 68 points', () => {
    expect(() => estimatePose(frontalLandmarks().slice(0, 5))).toThrow();
  });
});

describe('sharpness and brightness', () => {
  const image = (width: number, height: number, value: (x: number, y: number) => number) => {
    const pixels = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.fill(value(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3);
    return pixels;
  };
  const box = { x: 10, y: 10, width: 100, height: 100 };

  it('measures a flat patch as 0 sharpness with its grey level as brightness', () => {
    const patch = greyPatch(image(120, 120, () => 90), 120, 120, box);
    expect(laplacianVariance(patch)).toBeCloseTo(0, 6);
    expect(meanOf(patch)).toBeCloseTo(90, 3);
  });

  it('measures fine detail as sharper than a smooth gradient', () => {
    const stripes = greyPatch(image(120, 120, (x) => (Math.floor(x / 2) % 2 ? 200 : 40)), 120, 120, box);
    const gradient = greyPatch(image(120, 120, (x) => x * 2), 120, 120, box);
    expect(laplacianVariance(stripes)).toBeGreaterThan(100 * Math.max(1, laplacianVariance(gradient)));
  });

  it('stays inside the image when the box crosses its edges', () => {
    const patch = greyPatch(image(50, 50, () => 10), 50, 50, { x: -20, y: 30, width: 100, height: 100 });
    expect(meanOf(patch)).toBeCloseTo(10, 3);
  });
});
