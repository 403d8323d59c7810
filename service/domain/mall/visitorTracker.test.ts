import { describe, expect, it } from 'vitest';
import { MatchRule } from '../recognition/matchRule.js';
import { VisitorTracker } from './visitorTracker.js';

/** A random unit-scale descriptor and noisy copies of it (same person, another frame). */
function person(seed: number): number[] {
  let state = seed;
  const random = () => ((state = (state * 16807) % 2147483647) / 2147483647) - 0.5;
  return Array.from({ length: 128 }, () => random() * 0.18);
}
const jitter = (descriptor: number[], amount: number, seed: number) => {
  const noise = person(seed);
  return descriptor.map((value, i) => value + noise[i]! * amount);
};

// face-api's Euclidean scale: the tracker only asks the rule, whatever the model's metric.
const rule = new MatchRule('euclidean', { match: 0.37, margin: 0.06, today: 0.42, verify: 0.6 });
const options = { minSightings: 3, windowMs: 60_000, rule };

describe('VisitorTracker', () => {
  it('confirms a stranger seen in three frames within the window, once', () => {
    const tracker = new VisitorTracker(options);
    const face = person(7);
    expect(tracker.observe(jitter(face, 0.5, 1), 0, 'f1')).toBeUndefined();
    expect(tracker.observe(jitter(face, 0.5, 2), 1_000, 'f2')).toBeUndefined();
    const confirmed = tracker.observe(jitter(face, 0.5, 3), 2_000, 'f3');
    expect(confirmed?.sightings).toBe(3);
    expect(confirmed?.descriptor).toHaveLength(128);
    expect(tracker.size).toBe(0);
    expect(tracker.observe(jitter(face, 0.5, 4), 3_000, 'f4')).toBeUndefined();
  });

  it('never counts two sightings in one frame', () => {
    const tracker = new VisitorTracker(options);
    const face = person(11);
    tracker.observe(face, 0, 'f1');
    tracker.observe(jitter(face, 0.3, 1), 0, 'f1');
    expect(tracker.observe(jitter(face, 0.3, 2), 0, 'f1')).toBeUndefined();
    expect(tracker.observe(jitter(face, 0.3, 3), 10, 'f2')).toBeUndefined();
  });

  it('forgets sightings older than the window', () => {
    const tracker = new VisitorTracker(options);
    const face = person(13);
    tracker.observe(face, 0, 'f1');
    tracker.observe(face, 1_000, 'f2');
    expect(tracker.observe(face, 70_000, 'f3')).toBeUndefined();
    expect(tracker.size).toBe(1);
  });

  it('keeps different people apart', () => {
    const tracker = new VisitorTracker(options);
    for (let frame = 0; frame < 5; frame++) {
      expect(tracker.observe(person(100 + frame), frame * 1_000, `f${frame}`)).toBeUndefined();
    }
    expect(tracker.size).toBe(5);
  });

  it('drops the stalest candidates beyond its capacity', () => {
    const tracker = new VisitorTracker({ ...options, maxCandidates: 3 });
    for (let i = 0; i < 10; i++) tracker.observe(person(200 + i), i, `f${i}`);
    expect(tracker.size).toBe(3);
  });
});
