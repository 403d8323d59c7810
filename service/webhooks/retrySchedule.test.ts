import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from './retrySchedule.js';

const policy = { baseSeconds: 5, maxSeconds: 3600, windowHours: 24 };

describe('retry schedule', () => {
  it('doubles from the base after each failure, up to the longest wait', () => {
    const longest = (failures: number) => retryDelaySeconds(failures, policy, () => 1);
    expect([1, 2, 3, 4, 5].map(longest)).toEqual([5, 10, 20, 40, 80]);
    expect(longest(11)).toBe(3600); // 5·2^10 = 5,120 s, capped
    expect(longest(40)).toBe(3600);
  });

  it('jitters each wait between half and all of it', () => {
    expect(retryDelaySeconds(3, policy, () => 0)).toBe(10);
    expect(retryDelaySeconds(3, policy, () => 0.5)).toBe(15);
    const waits = Array.from({ length: 200 }, () => retryDelaySeconds(3, policy));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...waits)).toBeLessThanOrEqual(20);
    expect(new Set(waits).size).toBeGreaterThan(100); // not every replica at the same second
  });

  it('tries about thirty times in the default 24 hours', () => {
    let elapsed = 0;
    let attempts = 1;
    while (elapsed + retryDelaySeconds(attempts, policy, () => 1) <= 24 * 3600) elapsed += retryDelaySeconds(attempts++, policy, () => 1);
    expect(attempts).toBeGreaterThanOrEqual(25);
    expect(attempts).toBeLessThanOrEqual(40);
  });
});
