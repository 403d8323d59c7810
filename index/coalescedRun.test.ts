import { describe, expect, it } from 'vitest';
import { CoalescedRun } from './coalescedRun.js';

describe('CoalescedRun', () => {
  it('never overlaps runs, shares the one in progress, and runs once more for calls made meanwhile', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    const gates: (() => void)[] = [];
    const coalesced = new CoalescedRun(async () => {
      active += 1;
      most = Math.max(most, active);
      runs += 1;
      await new Promise<void>((resolve) => gates.push(resolve));
      active -= 1;
      return runs;
    });
    const first = coalesced.run();
    const second = coalesced.run(); // during the first: shares it, asks for one more
    const third = coalesced.run(); // the same request again: still one more, not two
    expect(second).toBe(first);
    expect(third).toBe(first);
    gates.shift()!();
    expect(await first).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(coalesced.current).toBeDefined(); // the one more is running
    gates.shift()!();
    await coalesced.current;
    expect(runs).toBe(2);
    expect(most).toBe(1);
    expect(coalesced.current).toBeUndefined();
  });
});
