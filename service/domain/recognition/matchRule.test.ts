import { describe, expect, it } from 'vitest';
import { MatchRule } from './matchRule.js';

const hit = (memberId: string, distance: number, label = 1) => ({ label, templateId: `${memberId}-${label}`, memberId, distance });
/** The index distance of two unit vectors with this cosine similarity. */
const fromSimilarity = (s: number) => Math.sqrt(2 - 2 * s);

describe('MatchRule on a Euclidean model (face-api)', () => {
  const rule = new MatchRule('euclidean', { match: 0.373, margin: 0.06, today: 0.42, verify: 0.6 });

  it('answers the best member when it is close and clearly ahead of every other member', () => {
    expect(rule.decide([hit('a', 0.2), hit('a', 0.25, 2), hit('b', 0.3)])).toEqual({ hit: hit('a', 0.2) });
    expect(rule.decide([hit('a', 0.2)])).toEqual({ hit: hit('a', 0.2) });
  });

  it('says no_close_member beyond the threshold or with an empty gallery', () => {
    expect(rule.decide([hit('a', 0.38)])).toEqual({ unknownReason: 'no_close_member' });
    expect(rule.decide([])).toEqual({ unknownReason: 'no_close_member' });
  });

  it('says ambiguous when another member is within the margin, counting each member once', () => {
    expect(rule.decide([hit('a', 0.3), hit('b', 0.33)])).toEqual({ unknownReason: 'ambiguous' });
    expect(rule.decide([hit('a', 0.3), hit('a', 0.31, 2), hit('b', 0.37)])).toEqual({ hit: hit('a', 0.3) });
  });

  it('takes only stricter (lower) request thresholds', () => {
    expect(rule.requested(0.3, 0.373)).toBe(0.3);
    expect(() => rule.requested(0.4, 0.373)).toThrow(/stricter/);
    expect(rule.score(0.31234)).toBe(0.3123);
  });
});

describe('MatchRule on a cosine model', () => {
  const rule = new MatchRule('cosine', { match: 0.5, margin: 0.05, today: 0.42, verify: 0.3 });

  it('decides on cosine similarity, with the margin in similarity', () => {
    expect(rule.decide([hit('a', fromSimilarity(0.62)), hit('b', fromSimilarity(0.4))]).hit?.memberId).toBe('a');
    expect(rule.decide([hit('a', fromSimilarity(0.49))])).toEqual({ unknownReason: 'no_close_member' });
    expect(rule.decide([hit('a', fromSimilarity(0.62)), hit('b', fromSimilarity(0.59))])).toEqual({ unknownReason: 'ambiguous' });
    expect(rule.score(fromSimilarity(0.62))).toBeCloseTo(0.62, 4);
  });

  it('verifies, checks double enrollment, and takes the stricter of two thresholds', () => {
    expect(rule.verifies(fromSimilarity(0.35))).toBe(true);
    expect(rule.verifies(fromSimilarity(0.25))).toBe(false);
    expect(rule.sameAsOtherMember([hit('me', fromSimilarity(0.9)), hit('other', fromSimilarity(0.55))], 'me')?.memberId).toBe('other');
    expect(rule.sameAsOtherMember([hit('other', fromSimilarity(0.45))], 'me')).toBeUndefined();
    expect(rule.stricter(0.55, 0.62)).toBe(0.62);
    expect(rule.stricter(0.62, 0.55)).toBe(0.62);
  });

  it('takes only stricter (higher) request thresholds', () => {
    expect(rule.requested(0.6, 0.5)).toBe(0.6);
    expect(() => rule.requested(0.45, 0.5)).toThrow(/stricter/);
  });

  it('compares raw vectors (a mean of sightings is not unit length) by cosine', () => {
    expect(rule.samePerson([1, 0, 0], [2, 0.1, 0])).toBe(true);
    expect(rule.samePerson([1, 0, 0], [0, 1, 0])).toBe(false);
  });

  it('reports every inconsistent threshold', () => {
    expect(MatchRule.problemsWith('cosine', { match: 0.5, margin: 0.05, today: 0.6, verify: 0.7 })).toHaveLength(2);
    expect(MatchRule.problemsWith('cosine', { match: 1.5, margin: 0.05, today: 0.4, verify: 0.3 })[0]).toMatch(/MATCH_THRESHOLD/);
    expect(MatchRule.problemsWith('euclidean', { match: 0.373, margin: 0.06, today: 0.42, verify: 0.6 })).toEqual([]);
  });
});
