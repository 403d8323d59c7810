import { euclideanDistance, FaceIndex } from '../index/faceIndex.js';
import type { Metric } from '../models/faceModels.js';
import { closenessOf } from '../service/domain/recognition/matchRule.js';
import { identityOf } from './lfw.js';

/**
 * Open-set 1:N identification on a folder of labelled photos: enroll the first photo of every
 * other person who has two or more photos, plus every one-photo person as a distractor; probe with
 * the other photos of the enrolled people (mated searches) and every photo of the never-enrolled
 * people (non-mated). A search's answer is its nearest template.
 *
 * Scores are "closeness" (matchRule.ts): cosine similarity for a cosine model, the negated
 * distance for a Euclidean one, so one rule reads both; thresholds here are closeness too.
 */
export interface Search {
  mated: boolean;
  /** Closeness of the nearest template; -Infinity when the probe had no face. */
  score: number;
  /** Whether the nearest template is the probe's own person. */
  rightPerson: boolean;
  /** Closeness of the nearest template of a different person (for the margin rule). */
  runnerUp: number;
  /** Closeness of the next people after the nearest, nearest first (up to 9): the probe's cohort. */
  others: number[];
}

export interface OpenSetRun {
  galleryPeople: number;
  distractors: number;
  searches: Search[];
}

export interface Split {
  byPerson: Map<string, string[]>;
  several: string[];
  enrolled: string[];
  distractors: string[];
}

/**
 * Who is enrolled (first photo), who is a distractor, and which photos probe (the other photos of
 * people with several). `half` picks which alternate people with several photos are enrolled (0:
 * the 1st, 3rd, …; 1: the 2nd, 4th, …): the other half are the strangers, so the two halves are
 * two measurements of the same model on different people.
 */
export function openSetSplit(images: string[], half: 0 | 1 = 0): Split {
  const byPerson = new Map<string, string[]>();
  for (const image of [...images].sort()) byPerson.set(identityOf(image), [...(byPerson.get(identityOf(image)) ?? []), image]);
  const people = [...byPerson.keys()].sort();
  const several = people.filter((p) => byPerson.get(p)!.length >= 2);
  return { byPerson, several, enrolled: several.filter((_, i) => i % 2 === half), distractors: people.filter((p) => byPerson.get(p)!.length === 1) };
}

/** An index of each gallery person's first photo. */
function galleryIndex(people: string[], split: Split, descriptors: Map<string, Float32Array | null>): { index: FaceIndex; templates: Map<string, Float32Array> } {
  const templates = new Map<string, Float32Array>();
  for (const person of people) {
    const d = descriptors.get(split.byPerson.get(person)![0]!);
    if (d) templates.set(person, d);
  }
  const dimensions = templates.values().next().value?.length ?? 1;
  const index = new FaceIndex({ dimensions, initialCapacity: templates.size });
  let label = 1;
  for (const [person, d] of templates) index.add({ label: label++, templateId: person, memberId: person }, d);
  return { index, templates };
}

export function runOpenSet(images: string[], descriptors: Map<string, Float32Array | null>, metric: Metric, half: 0 | 1 = 0): OpenSetRun {
  const s = openSetSplit(images, half);
  const enrolled = new Set(s.enrolled);
  const { index } = galleryIndex([...s.enrolled, ...s.distractors], s, descriptors);
  const searches: Search[] = [];
  for (const person of s.several) {
    const mated = enrolled.has(person);
    const probes = mated ? s.byPerson.get(person)!.slice(1) : s.byPerson.get(person)!;
    for (const probe of probes) {
      const descriptor = descriptors.get(probe);
      const hits = descriptor ? index.search(descriptor, 10) : [];
      const hit = hits[0];
      const others = hits.filter((h) => h.memberId !== hit?.memberId).map((h) => closenessOf(metric, h.distance));
      searches.push({
        mated,
        score: hit ? closenessOf(metric, hit.distance) : Number.NEGATIVE_INFINITY,
        rightPerson: hit?.memberId === person,
        runnerUp: others[0] ?? Number.NEGATIVE_INFINITY,
        others,
      });
    }
  }
  return { galleryPeople: enrolled.size, distractors: s.distractors.length, searches };
}

/**
 * The same searches scored by how far the nearest person stands out from the probe's cohort: the
 * nearest closeness less `weight` × the mean of the next `k` people's. A face that is close to
 * everyone (a common look, a blurred photo) needs a higher score to be someone; a distinctive one
 * a lower. Measured here only (benchmarks/cohortBench.ts); the service decides on the score alone.
 */
export function cohortScored(run: OpenSetRun, weight: number, k: number): OpenSetRun {
  const cohortMean = (s: Search) => s.others.slice(0, k).reduce((sum, c) => sum + c, 0) / Math.min(k, s.others.length);
  const shifted = (s: Search, by: number): Search => ({ ...s, score: s.score - by, runnerUp: s.runnerUp - by }); // the margin stays the raw lead
  return { ...run, searches: run.searches.map((s) => (s.others.length === 0 || weight === 0 ? s : shifted(s, weight * cohortMean(s)))) };
}

/** Whether the service would answer a person: within t, and (with a margin) clearly ahead of the next person. */
const answers = (s: Search, t: number, margin: number): boolean => s.score >= t && s.score - s.runnerUp >= margin;

/** FPIR: non-mated searches answered with someone. */
export const fpirAt = (run: OpenSetRun, t: number, margin = 0): number => {
  const nonMated = run.searches.filter((s) => !s.mated);
  return nonMated.filter((s) => answers(s, t, margin)).length / nonMated.length;
};

/** FNIR: mated searches not answered with the right person. */
export const fnirAt = (run: OpenSetRun, t: number, margin = 0): number => {
  const mated = run.searches.filter((s) => s.mated);
  return mated.filter((s) => !(answers(s, t, margin) && s.rightPerson)).length / mated.length;
};

/** Mated searches answered with a wrong person. */
export const wrongMemberAt = (run: OpenSetRun, t: number, margin = 0): number => {
  const mated = run.searches.filter((s) => s.mated);
  return mated.filter((s) => answers(s, t, margin) && !s.rightPerson).length / mated.length;
};

/** The least close threshold (closeness) whose FPIR stays at or below `fpir`. */
export function thresholdForFpir(run: OpenSetRun, fpir: number): number {
  const scores = run.searches.filter((s) => !s.mated).map((s) => s.score).sort((a, b) => b - a);
  const allowed = Math.floor(fpir * scores.length);
  // Accepting the first `allowed` non-mated searches: stop just above the next one.
  const next = scores[allowed];
  return next === undefined ? Number.NEGATIVE_INFINITY : next + 1e-9;
}

/**
 * A simulated mall day: `visitors` enrolled people walked in through an entrance camera today;
 * the till searches them first with `todayThreshold` and the whole gallery with `threshold`, both
 * with the margin (all closeness). Mated searches are photos of those seen today (a payer almost
 * always walked in); non-mated searches are strangers, as before.
 */
export function simulateDay(
  images: string[],
  descriptors: Map<string, Float32Array | null>,
  options: { metric: Metric; visitors: number; threshold: number; todayThreshold: number; margin: number; seed?: number },
): { visitors: number; matedSearches: number; fnir: number; wrongMember: number; fpir: number } {
  const s = openSetSplit(images);
  const gallery = [...s.enrolled, ...s.distractors];
  // Those seen today: a seeded draw from the whole gallery.
  let state = options.seed ?? 7;
  const random = () => ((state = (state * 16807) % 2147483647) / 2147483647);
  const shuffled = gallery.map((p) => ({ p, k: random() })).sort((a, b) => a.k - b.k).map((x) => x.p);
  const today = new Set(shuffled.slice(0, options.visitors));
  const { index, templates } = galleryIndex(gallery, s, descriptors);
  const close = (d: number) => closenessOf(options.metric, d);

  /** The person the till would answer, or undefined. */
  const answer = (probe: Float32Array): string | undefined => {
    const hits = index.search(probe, 10);
    const best = hits[0];
    const runnerUp = hits.find((h) => h.memberId !== best?.memberId);
    if (best && close(best.distance) >= options.threshold) {
      return !runnerUp || close(best.distance) - close(runnerUp.distance) >= options.margin ? best.memberId : undefined;
    }
    const ranked = [...today].filter((p) => templates.has(p)).map((p) => ({ p, c: close(euclideanDistance(probe, templates.get(p)!)) })).sort((a, b) => b.c - a.c);
    const candidate = ranked[0];
    if (!candidate || candidate.c < options.todayThreshold) return undefined;
    const rivalHit = hits.find((h) => h.memberId !== candidate.p);
    const rival = Math.max(ranked[1]?.c ?? Number.NEGATIVE_INFINITY, rivalHit ? close(rivalHit.distance) : Number.NEGATIVE_INFINITY);
    return candidate.c - rival >= options.margin ? candidate.p : undefined;
  };

  let mated = 0;
  let missed = 0;
  let wrong = 0;
  for (const person of s.enrolled.filter((p) => today.has(p))) {
    for (const probe of s.byPerson.get(person)!.slice(1)) {
      mated++;
      const d = descriptors.get(probe);
      const who = d ? answer(d) : undefined;
      if (who !== person) missed++;
      if (who !== undefined && who !== person) wrong++;
    }
  }
  let nonMated = 0;
  let falsePositives = 0;
  for (const person of s.several.filter((_, i) => i % 2 === 1)) {
    for (const probe of s.byPerson.get(person)!) {
      nonMated++;
      const d = descriptors.get(probe);
      if (d && answer(d) !== undefined) falsePositives++;
    }
  }
  return { visitors: today.size, matedSearches: mated, fnir: missed / mated, wrongMember: wrong / mated, fpir: falsePositives / nonMated };
}
