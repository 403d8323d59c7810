import { describe, expect, it } from 'vitest';
import { decide } from './decisionRule.js';

const hit = (memberId: string, distance: number, label = 1) => ({ label, templateId: `${memberId}-${label}`, memberId, distance });

describe('decide', () => {
  it('answers the best member when it is close and clearly ahead of every other member', () => {
    expect(decide([hit('a', 0.2), hit('a', 0.25, 2), hit('b', 0.3)], 0.373, 0.06)).toEqual({ hit: hit('a', 0.2) });
    expect(decide([hit('a', 0.2)], 0.373, 0.06)).toEqual({ hit: hit('a', 0.2) });
  });

  it('says no_close_member beyond the threshold or with an empty gallery', () => {
    expect(decide([hit('a', 0.38)], 0.373, 0.06)).toEqual({ unknownReason: 'no_close_member' });
    expect(decide([], 0.373, 0.06)).toEqual({ unknownReason: 'no_close_member' });
  });

  it('says ambiguous when another member is within the margin, counting each member once', () => {
    expect(decide([hit('a', 0.3), hit('b', 0.33)], 0.373, 0.06)).toEqual({ unknownReason: 'ambiguous' });
    // a's second template is close too, but it is the same member: not ambiguous.
    expect(decide([hit('a', 0.3), hit('a', 0.31, 2), hit('b', 0.37)], 0.373, 0.06)).toEqual({ hit: hit('a', 0.3) });
    expect(decide([hit('a', 0.3), hit('b', 0.33)], 0.373, 0)).toEqual({ hit: hit('a', 0.3) });
  });
});
