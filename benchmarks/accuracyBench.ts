/**
 * Accuracy through the service's own pipeline on any folder in LFW layout with a pairs file:
 * verification (10-fold when the pairs file has folds, else at the configured threshold, with
 * the threshold it recommends), a DET curve as a PNG, and an open-set 1:N test (openSet.ts):
 * FNIR at FPIR 1% and 0.1%, FPIR and the wrong-member rate at the configured 1:N threshold.
 *
 *   npm run bench:accuracy -- <folder> <pairs-file> [--cache file] [--png file] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { CALIBRATED_MATCH_MARGIN, CALIBRATED_MATCH_THRESHOLD, CALIBRATED_TODAY_MATCH_THRESHOLD, CALIBRATED_VERIFY_THRESHOLD } from '../service/config.js';
import { writeDetPng, type CurvePoint } from './detCurve.js';
import { accuracyAt, describeWithCache, pairDistance, readPairs, type Pair } from './lfw.js';
import { fnirAt, fpirAt, runOpenSet, simulateDay, thresholdForFpir, wrongMemberAt, type OpenSetRun } from './openSet.js';

const program = new Command()
  .argument('<folder>', 'photos in LFW layout: <folder>/<Name>/<Name>_0001.jpg')
  .argument('<pairs>', 'pairs file (LFW format; a header "folds n" means 10-fold protocol)')
  .option('--threads <n>', 'inference threads', String(os.availableParallelism()))
  .option('--cache <file>', 'reuse (or save) the descriptors of a previous run of the same pipeline')
  .option('--png <file>', 'where to write the DET curve', 'benchmarks/out/det.png')
  .option('--verify-threshold <d>', 'the configured 1:1 threshold', String(CALIBRATED_VERIFY_THRESHOLD))
  .option('--match-threshold <d>', 'the configured 1:N threshold', String(CALIBRATED_MATCH_THRESHOLD))
  .option('--match-margin <d>', 'the configured 1:N margin to the best different member', String(CALIBRATED_MATCH_MARGIN))
  .option('--visitors <n>', "a simulated day: members who walked in today (searched first at the till)", '300')
  .option('--today-threshold <d>', "the 1:N threshold for today's visitors", String(CALIBRATED_TODAY_MATCH_THRESHOLD))
  .option('--json', 'print one JSON object on the last line')
  .parse();
const [folder, pairsFile] = program.args as [string, string];
const opts = program.opts<{ threads: string; cache?: string; png: string; verifyThreshold: string; matchThreshold: string; matchMargin: string; visitors: string; todayThreshold: string; json?: boolean }>();
for (const needed of [folder, pairsFile]) {
  if (!fs.existsSync(needed)) {
    console.error(`not found: ${needed}`);
    process.exit(2);
  }
}

const header = fs.readFileSync(pairsFile, 'utf8').split(/\r?\n/)[0]!.trim().split(/\s+/).map(Number);
const folds = header.length === 2 ? header[0]! : 1;
const pairs = readPairs(pairsFile);
const images = fs
  .readdirSync(folder, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((dir) => fs.readdirSync(path.join(folder, dir.name)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).map((f) => `${dir.name}/${f}`));
const wanted = [...new Set([...images, ...pairs.flatMap((p) => [p.a, p.b])])].sort();

const started = performance.now();
const descriptors = await describeWithCache(folder, wanted, Number(opts.threads), opts.cache);
const noFace = wanted.filter((image) => !descriptors.get(image));
const distances = pairs.map((pair) => pairDistance(descriptors, pair));

/** The threshold with the best accuracy on these pairs (grid 0.300…0.800). */
function bestThreshold(subset: Pair[], subsetDistances: number[]): number {
  let best = { threshold: 0.6, accuracy: -1 };
  for (let t = 0.3; t <= 0.8; t += 0.0025) {
    const { accuracy } = accuracyAt(subset, subsetDistances, t);
    if (accuracy > best.accuracy) best = { threshold: t, accuracy };
  }
  return Number(best.threshold.toFixed(4));
}

// Verification.
const recommended = bestThreshold(pairs, distances);
let verification: { protocol: string; accuracy: number; std?: number; threshold: number };
if (folds > 1) {
  const perFold = pairs.length / folds;
  const scores: number[] = [];
  for (let k = 0; k < folds; k++) {
    const inFold = (i: number) => Math.floor(i / perFold) === k;
    const trainIdx = pairs.map((_, i) => i).filter((i) => !inFold(i));
    const testIdx = pairs.map((_, i) => i).filter(inFold);
    const t = bestThreshold(trainIdx.map((i) => pairs[i]!), trainIdx.map((i) => distances[i]!));
    scores.push(accuracyAt(testIdx.map((i) => pairs[i]!), testIdx.map((i) => distances[i]!), t).accuracy);
  }
  const mean = scores.reduce((a, b) => a + b, 0) / folds;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / folds);
  verification = { protocol: `${folds}-fold`, accuracy: mean, std, threshold: recommended };
} else {
  const threshold = Number(opts.verifyThreshold);
  verification = { protocol: `at the configured ${threshold}`, accuracy: accuracyAt(pairs, distances, threshold).accuracy, threshold };
}

// Open set.
const run: OpenSetRun = runOpenSet(images, descriptors);
const matchThreshold = Number(opts.matchThreshold);
const margin = Number(opts.matchMargin);
const at1 = thresholdForFpir(run, 0.01);
const at01 = thresholdForFpir(run, 0.001);
const openSet = {
  galleryPeople: run.galleryPeople,
  distractors: run.distractors,
  matedSearches: run.searches.filter((s) => s.mated).length,
  nonMatedSearches: run.searches.filter((s) => !s.mated).length,
  fnirAtFpir1pct: fnirAt(run, at1),
  thresholdAtFpir1pct: at1,
  fnirAtFpir01pct: fnirAt(run, at01),
  thresholdAtFpir01pct: at01,
  atConfigured: {
    threshold: matchThreshold,
    margin,
    fpir: fpirAt(run, matchThreshold, margin),
    fnir: fnirAt(run, matchThreshold, margin),
    wrongMember: wrongMemberAt(run, matchThreshold, margin),
  },
  atConfiguredWithoutMargin: { fpir: fpirAt(run, matchThreshold), fnir: fnirAt(run, matchThreshold), wrongMember: wrongMemberAt(run, matchThreshold) },
};

// A simulated day at the till: today's visitors first.
const visitors = Number(opts.visitors);
const day = [matchThreshold, Number(opts.todayThreshold), 0.4, 0.42, 0.45]
  .filter((t, i, all) => all.indexOf(t) === i)
  .map((todayThreshold) => ({ todayThreshold, ...simulateDay(images, descriptors, { visitors, threshold: matchThreshold, todayThreshold, margin }) }));

// DET curves: verification pairs and open-set searches.
const grid = Array.from({ length: 401 }, (_, i) => 0.2 + i * 0.0025);
const verificationCurve: CurvePoint[] = grid.map((t) => {
  const { tar, far } = accuracyAt(pairs, distances, t);
  return { fmr: far, fnmr: 1 - tar };
});
const openSetCurve: CurvePoint[] = grid.map((t) => ({ fmr: fpirAt(run, t), fnmr: fnirAt(run, t) }));
fs.mkdirSync(path.dirname(opts.png), { recursive: true });
await writeDetPng(
  opts.png,
  `DET: ${path.basename(pairsFile)} and open-set 1:N, ${path.basename(path.resolve(folder))}`,
  [
    { label: `verification (${pairs.length} pairs)`, colour: '#1f77b4', points: verificationCurve },
    { label: `open-set 1:N (${run.galleryPeople + run.distractors} enrolled)`, colour: '#d62728', points: openSetCurve },
  ],
  [{ label: `1:N at ${matchThreshold}, margin ${margin}`, fmr: openSet.atConfigured.fpir, fnmr: openSet.atConfigured.fnir }],
);

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const seconds = ((performance.now() - started) / 1000).toFixed(0);
console.log(`\n${wanted.length} photos (${noFace.length} without a face: ${pct(noFace.length / wanted.length)}), ${seconds} s, ${opts.threads} threads`);
console.log(`verification (${pairs.length} pairs, ${verification.protocol}): accuracy ${pct(verification.accuracy)}${verification.std !== undefined ? ` ± ${pct(verification.std)}` : ''}`);
console.log(`recommended 1:1 threshold (best accuracy on these pairs): ${recommended}`);
console.log(`open set: ${openSet.galleryPeople} people enrolled + ${openSet.distractors} distractors; ${openSet.matedSearches} mated and ${openSet.nonMatedSearches} non-mated searches`);
console.log(`  FNIR at FPIR 1%:   ${pct(openSet.fnirAtFpir1pct)} (threshold ${at1.toFixed(3)})`);
console.log(`  FNIR at FPIR 0.1%: ${pct(openSet.fnirAtFpir01pct)} (threshold ${at01.toFixed(3)})`);
console.log(`  at the configured ${matchThreshold}, margin ${margin}: FPIR ${pct(openSet.atConfigured.fpir)}, FNIR ${pct(openSet.atConfigured.fnir)}, wrong member ${pct(openSet.atConfigured.wrongMember)}`);
const plain = openSet.atConfiguredWithoutMargin;
console.log(`  (without the margin: FPIR ${pct(plain.fpir)}, FNIR ${pct(plain.fnir)}, wrong member ${pct(plain.wrongMember)})`);
console.log(`simulated day: ${visitors} members walked in; the till searches them first, the whole gallery at ${matchThreshold} (margin ${margin})`);
for (const d of day) {
  const label = d.todayThreshold === matchThreshold ? '(no narrowing)' : `today's visitors at ${d.todayThreshold}`;
  console.log(`  ${label.padEnd(32)} FNIR ${pct(d.fnir)}, wrong member ${pct(d.wrongMember)}, FPIR ${pct(d.fpir)} (${d.matedSearches} mated searches)`);
}
console.log(`DET curve: ${opts.png}`);
if (opts.json) {
  console.log(JSON.stringify({ photos: wanted.length, noFace: noFace.length, verification, recommendedThreshold: recommended, openSet, simulatedDay: day }));
}
