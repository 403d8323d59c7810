import { euclideanDistance, FaceIndex } from '../index/faceIndex.js';
import { identityOf } from './lfw.js';

/**
 * Open-set 1:N identification on a folder of labelled photos: enroll the first photo of every
 * other person who has two or more photos, plus every one-photo person as a distractor; probe with
 * the other photos of the enrolled people (mated searches) and every photo of the never-enrolled
 * people (non-mated). A search's answer is its nearest template and that distance.
 */
export interface Search {
  mated: boolean;
  /** Distance to the nearest template; Infinity when the probe had no face. */
  distance: number;
  /** Whether the nearest template is the probe's own person. */
  rightPerson: boolean;
  /** Distance to the nearest template of a different person (for the margin rule). */
  runnerUp: number;
}

export interface OpenSetRun {
  galleryPeople: number;
  distractors: number;
  searches: Search[];
}

export function runOpenSet(images: string[], descriptors: Map<string, Float32Array | null>): OpenSetRun {
  const byPerson = new Map<string, string[]>();
  for (const image of [...images].sort()) {
    const person = identityOf(image);
    byPerson.set(person, [...(byPerson.get(person) ?? []), image]);
  }
  const people = [...byPerson.keys()].sort();
  const several = people.filter((p) => byPerson.get(p)!.length >= 2);
  const enrolled = new Set(several.filter((_, i) => i % 2 === 0));
  const distractors = people.filter((p) => byPerson.get(p)!.length === 1);
  const index = new FaceIndex({ initialCapacity: enrolled.size + distractors.length });
  let label = 1;
  for (const person of [...enrolled, ...distractors]) {
    const first = descriptors.get(byPerson.get(person)![0]!);
    if (first) index.add({ label: label++, templateId: person, memberId: person }, first);
  }
  const searches: Search[] = [];
  for (const person of several) {
    const mated = enrolled.has(person);
    const probes = mated ? byPerson.get(person)!.slice(1) : byPerson.get(person)!;
    for (const probe of probes) {
      const descriptor = descriptors.get(probe);
      const hits = descriptor ? index.search(descriptor, 10) : [];
      const hit = hits[0];
      const runnerUp = hits.find((h) => h.memberId !== hit?.memberId)?.distance ?? Number.POSITIVE_INFINITY;
      searches.push({ mated, distance: hit?.distance ?? Number.POSITIVE_INFINITY, rightPerson: hit?.memberId === person, runnerUp });
    }
  }
  return { galleryPeople: enrolled.size, distractors: distractors.length, searches };
}

/** Whether the service would answer a person: within t, and (with a margin) clearly ahead of the next person. */
const answers = (s: Search, t: number, margin: number): boolean => s.distance <= t && s.runnerUp - s.distance >= margin;

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

/** The largest threshold whose FPIR stays at or below `fpir`. */
export function thresholdForFpir(run: OpenSetRun, fpir: number): number {
  const distances = run.searches.filter((s) => !s.mated).map((s) => s.distance).sort((a, b) => a - b);
  const allowed = Math.floor(fpir * distances.length);
  // Accepting the first `allowed` non-mated searches: stop just below the next one.
  const next = distances[allowed];
  return next === undefined ? Number.POSITIVE_INFINITY : next - 1e-9;
}

/**
 * A simulated mall day: `visitors` enrolled people walked in through an entrance camera today;
 * the till searches them first with `todayThreshold` and the whole gallery with `threshold`, both
 * with the margin. Mated searches are today's visitors' photos (a payer almost always walked in);
 * non-mated searches are strangers, as before.
 */
export function simulateDay(
  images: string[],
  descriptors: Map<string, Float32Array | null>,
  options: { visitors: number; threshold: number; todayThreshold: number; margin: number; seed?: number },
): { visitors: number; matedSearches: number; fnir: number; wrongMember: number; fpir: number } {
  const byPerson = new Map<string, string[]>();
  for (const image of [...images].sort()) byPerson.set(identityOf(image), [...(byPerson.get(identityOf(image)) ?? []), image]);
  const people = [...byPerson.keys()].sort();
  const several = people.filter((p) => byPerson.get(p)!.length >= 2);
  const enrolled = several.filter((_, i) => i % 2 === 0);
  const distractors = people.filter((p) => byPerson.get(p)!.length === 1);
  const gallery = [...enrolled, ...distractors];
  // Today's visitors: a seeded draw from the whole gallery, every enrolled person with probes first in line.
  let state = options.seed ?? 7;
  const random = () => ((state = (state * 16807) % 2147483647) / 2147483647);
  const shuffled = gallery.map((p) => ({ p, k: random() })).sort((a, b) => a.k - b.k).map((x) => x.p);
  const today = new Set(shuffled.slice(0, options.visitors));
  const templates = new Map<string, Float32Array>();
  for (const person of gallery) {
    const d = descriptors.get(byPerson.get(person)![0]!);
    if (d) templates.set(person, d);
  }
  const index = new FaceIndex({ initialCapacity: templates.size });
  let label = 1;
  for (const [person, d] of templates) index.add({ label: label++, templateId: person, memberId: person }, d);

  /** The person the till would answer, or undefined. */
  const answer = (probe: Float32Array): string | undefined => {
    const hits = index.search(probe, 10);
    const best = hits[0];
    const runnerUp = hits.find((h) => h.memberId !== best?.memberId);
    if (best && best.distance <= options.threshold && (!runnerUp || runnerUp.distance - best.distance >= options.margin)) return best.memberId;
    if (best && best.distance <= options.threshold) return undefined; // ambiguous in the whole gallery
    const ranked = [...today].filter((p) => templates.has(p)).map((p) => ({ p, d: euclideanDistance(probe, templates.get(p)!) })).sort((a, b) => a.d - b.d);
    const candidate = ranked[0];
    if (!candidate || candidate.d > options.todayThreshold) return undefined;
    const rival = Math.min(ranked[1]?.d ?? Infinity, hits.find((h) => h.memberId !== candidate.p)?.distance ?? Infinity);
    return rival - candidate.d >= options.margin ? candidate.p : undefined;
  };

  let mated = 0;
  let missed = 0;
  let wrong = 0;
  for (const person of enrolled.filter((p) => today.has(p))) {
    for (const probe of byPerson.get(person)!.slice(1)) {
      mated++;
      const d = descriptors.get(probe);
      const who = d ? answer(d) : undefined;
      if (who !== person) missed++;
      if (who !== undefined && who !== person) wrong++;
    }
  }
  let nonMated = 0;
  let falsePositives = 0;
  for (const person of several.filter((_, i) => i % 2 === 1)) {
    for (const probe of byPerson.get(person)!) {
      nonMated++;
      const d = descriptors.get(probe);
      if (d && answer(d) !== undefined) falsePositives++;
    }
  }
  return { visitors: today.size, matedSearches: mated, fnir: missed / mated, wrongMember: wrong / mated, fpir: falsePositives / nonMated };
}
