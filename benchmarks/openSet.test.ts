import { describe, expect, it } from 'vitest';
import { cohortScored, fnirAt, fpirAt, type OpenSetRun } from './openSet.js';

/** The cohort score (bench:cohort) moves each search by its own cohort, and keeps the margin the raw lead. */
describe('cohortScored', () => {
  const run: OpenSetRun = {
    galleryPeople: 2,
    distractors: 0,
    searches: [
      // A distinctive member: far from everyone else.
      { mated: true, score: 0.45, rightPerson: true, runnerUp: 0.1, others: [0.1, 0.1, 0.1] },
      // A stranger close to everyone.
      { mated: false, score: 0.5, rightPerson: false, runnerUp: 0.45, others: [0.45, 0.4, 0.35] },
      // No face found.
      { mated: true, score: Number.NEGATIVE_INFINITY, rightPerson: false, runnerUp: Number.NEGATIVE_INFINITY, others: [] },
    ],
  };

  it('subtracts weight × the mean of the next k people from the score and the runner-up alike', () => {
    const scored = cohortScored(run, 0.5, 2);
    expect(scored.searches[0]!.score).toBeCloseTo(0.4);
    expect(scored.searches[1]!.score).toBeCloseTo(0.5 - 0.5 * 0.425);
    expect(scored.searches[1]!.score - scored.searches[1]!.runnerUp).toBeCloseTo(0.05);
    expect(scored.searches[2]!.score).toBe(Number.NEGATIVE_INFINITY);
  });

  it('turns the member found and the stranger refused where the score alone could not', () => {
    // Score alone: no threshold takes the member without the stranger.
    expect(fpirAt(run, 0.45)).toBe(1);
    const scored = cohortScored(run, 0.5, 3);
    expect(fnirAt(scored, 0.35, 0.05)).toBe(0.5); // the member found; the faceless search stays a miss
    expect(fpirAt(scored, 0.35, 0.05)).toBe(0);
  });
});
