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
import { thresholdFromCloseness } from '../service/domain/recognition/matchRule.js';
import { benchModel, benchThresholds } from './benchModel.js';
import { writeDetPng, type CurvePoint } from './detCurve.js';
import { accuracyAt, describeWithCache, pairCloseness, readPairs, type Pair } from './lfw.js';
import { fnirAt, fpirAt, runOpenSet, simulateDay, thresholdForFpir, wrongMemberAt, type OpenSetRun } from './openSet.js';
import { benchCommand } from './benchCommand.js';

const model = benchModel();
const { metric } = model;
const calibrated = benchThresholds(model) ?? { match: NaN, margin: 0, today: NaN, verify: NaN };
/** Closeness (higher is closer) of a threshold in the model's scale, and back: the same map. */
const close = (threshold: number) => thresholdFromCloseness(metric, threshold);

const program = benchCommand()
  .argument('<folder>', 'photos in LFW layout: <folder>/<Name>/<Name>_0001.jpg')
  .argument('<pairs>', 'pairs file (LFW format; a header "folds n" means 10-fold protocol)')
  .option('--threads <n>', 'inference threads', String(os.availableParallelism()))
  .option('--cache <file>', 'reuse (or save) the descriptors of a previous run of the same pipeline')
  .option('--png <file>', 'where to write the DET curve', 'benchmarks/out/det.png')
  .option('--verify-threshold <d>', "the configured 1:1 threshold (the model's scale)", String(calibrated.verify))
  .option('--match-threshold <d>', 'the configured 1:N threshold', String(calibrated.match))
  .option('--match-margin <d>', 'the configured 1:N margin to the best different member', String(calibrated.margin))
  .option('--visitors <n>', "a simulated day: members who walked in today (searched first at the till)", '300')
  .option('--today-threshold <d>', "the 1:N threshold for those seen today", String(calibrated.today))
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
const descriptors = await describeWithCache(model, folder, wanted, Number(opts.threads), opts.cache);
const noFace = wanted.filter((image) => !descriptors.get(image));
const distances = pairs.map((pair) => pairCloseness(descriptors, pair, metric)); // closeness: higher is closer

/** The closeness threshold with the best accuracy on these pairs (every distinct score tried). */
function bestThreshold(subset: Pair[], subsetScores: number[]): number {
  let best = { threshold: 0, accuracy: -1 };
  for (const t of [...new Set(subsetScores.filter(Number.isFinite))]) {
    const { accuracy } = accuracyAt(subset, subsetScores, t);
    if (accuracy > best.accuracy) best = { threshold: t, accuracy };
  }
  return best.threshold;
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
  verification = { protocol: `at the configured ${threshold}`, accuracy: accuracyAt(pairs, distances, close(threshold)).accuracy, threshold: close(threshold) };
}

// Open set (thresholds below are closeness; printed in the model's scale).
const run: OpenSetRun = runOpenSet(images, descriptors, metric);
const matchThreshold = close(Number(opts.matchThreshold));
const margin = Number(opts.matchMargin);
const at1 = thresholdForFpir(run, 0.01);
const at01 = thresholdForFpir(run, 0.001);
const openSet = {
  galleryPeople: run.galleryPeople,
  distractors: run.distractors,
  matedSearches: run.searches.filter((s) => s.mated).length,
  nonMatedSearches: run.searches.filter((s) => !s.mated).length,
  fnirAtFpir1pct: fnirAt(run, at1),
  thresholdAtFpir1pct: close(at1),
  fnirAtFpir01pct: fnirAt(run, at01),
  thresholdAtFpir01pct: close(at01),
  atConfigured: {
    threshold: close(matchThreshold),
    margin,
    fpir: fpirAt(run, matchThreshold, margin),
    fnir: fnirAt(run, matchThreshold, margin),
    wrongMember: wrongMemberAt(run, matchThreshold, margin),
  },
  atConfiguredWithoutMargin: { fpir: fpirAt(run, matchThreshold), fnir: fnirAt(run, matchThreshold), wrongMember: wrongMemberAt(run, matchThreshold) },
};

// A simulated day at the till: those seen today first.
const visitors = Number(opts.visitors);
const todaySteps = metric === 'cosine' ? [0, 0.03, 0.06, 0.09] : [0, 0.027, 0.047, 0.077];
const day = [close(Number(opts.todayThreshold)), ...todaySteps.map((s) => matchThreshold - s)]
  .map((t) => Number(t.toFixed(3)))
  .filter((t, i, all) => all.indexOf(t) === i)
  .map((todayThreshold) => ({ todayThreshold: close(todayThreshold), ...simulateDay(images, descriptors, { metric, visitors, threshold: matchThreshold, todayThreshold, margin }) }));

// DET curves: verification pairs and open-set searches.
const grid = metric === 'cosine' ? Array.from({ length: 401 }, (_, i) => -0.1 + i * 0.0025) : Array.from({ length: 401 }, (_, i) => -(0.2 + i * 0.0025));
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
  [{ label: `1:N at ${close(matchThreshold)}, margin ${margin}`, fmr: openSet.atConfigured.fpir, fnmr: openSet.atConfigured.fnir }],
);

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const seconds = ((performance.now() - started) / 1000).toFixed(0);
console.log(`\n${wanted.length} photos (${noFace.length} without a face: ${pct(noFace.length / wanted.length)}), ${seconds} s, ${opts.threads} threads`);
console.log(`verification (${pairs.length} pairs, ${verification.protocol}): accuracy ${pct(verification.accuracy)}${verification.std !== undefined ? ` ± ${pct(verification.std)}` : ''}`);
console.log(`${model.name} ${model.version}: thresholds in ${metric === 'cosine' ? 'cosine similarity (higher is closer)' : 'Euclidean distance (lower is closer)'}`);
console.log(`recommended 1:1 threshold (best accuracy on these pairs): ${close(recommended).toFixed(4)}`);
console.log(`open set: ${openSet.galleryPeople} people enrolled + ${openSet.distractors} distractors; ${openSet.matedSearches} mated and ${openSet.nonMatedSearches} non-mated searches`);
console.log(`  FNIR at FPIR 1%:   ${pct(openSet.fnirAtFpir1pct)} (threshold ${close(at1).toFixed(3)})`);
console.log(`  FNIR at FPIR 0.1%: ${pct(openSet.fnirAtFpir01pct)} (threshold ${close(at01).toFixed(3)})`);
console.log(`  at the configured ${close(matchThreshold)}, margin ${margin}: FPIR ${pct(openSet.atConfigured.fpir)}, FNIR ${pct(openSet.atConfigured.fnir)}, wrong member ${pct(openSet.atConfigured.wrongMember)}`);
const plain = openSet.atConfiguredWithoutMargin;
console.log(`  (without the margin: FPIR ${pct(plain.fpir)}, FNIR ${pct(plain.fnir)}, wrong member ${pct(plain.wrongMember)})`);
console.log(`simulated day: ${visitors} members walked in; the till searches them first, the whole gallery at ${close(matchThreshold)} (margin ${margin})`);
for (const d of day) {
  const label = d.todayThreshold === Number(close(matchThreshold).toFixed(3)) ? '(no narrowing)' : `those seen today at ${d.todayThreshold}`;
  console.log(`  ${label.padEnd(32)} FNIR ${pct(d.fnir)}, wrong member ${pct(d.wrongMember)}, FPIR ${pct(d.fpir)} (${d.matedSearches} mated searches)`);
}
console.log(`DET curve: ${opts.png}`);
if (opts.json) {
  console.log(JSON.stringify({ model: `${model.name} ${model.version}`, metric, photos: wanted.length, noFace: noFace.length, verification: { ...verification, threshold: close(verification.threshold) }, recommendedThreshold: close(recommended), openSet, simulatedDay: day }));
}
