import { describe, expect, it } from 'vitest';
import { pointsFor } from './purchaseService.js';

describe('pointsFor', () => {
  it('gives whole points, rounded down, from the amount in cents (no float drift)', () => {
    expect(pointsFor(128.5, 1, 1)).toBe(128);
    expect(pointsFor(0.29, 100, 1)).toBe(29); // 0.29 * 100 is 28.999… in floating point
    expect(pointsFor(19.99, 1, 1.5)).toBe(29);
    expect(pointsFor(100, 1, 1.2)).toBe(120);
    expect(pointsFor(0, 1, 2)).toBe(0);
  });
});
