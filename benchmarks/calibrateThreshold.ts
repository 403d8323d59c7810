/**
 * Chooses the default thresholds on LFW View 1 pairsDevTrain with the service's own pipeline and
 * reports verification accuracy on pairsDevTest.
 *
 *   npm run calibrate [-- --dir ../shared/datasets/lfw-view1] [--json]
 *
 * - VERIFY_THRESHOLD (1:1): the distance that maximises DevTrain pair accuracy.
 * - MATCH_THRESHOLD (1:N): the largest distance at which the 1:1 false-match rate over *every*
 *   different-person pair of DevTrain images stays at or below 1e-6, so that a stranger matches
 *   someone in a 10,000-template gallery with probability ≈ 1 − (1 − 1e-6)^10000 ≈ 1%.
 */
import os from 'node:os';
import { Command } from 'commander';
import { euclideanDistance } from '../index/faceIndex.js';
import { accuracyAt, DEFAULT_LFW_DIR, describeWithCache, identityOf, pairDistance, readPairs } from './lfw.js';
import path from 'node:path';
import fs from 'node:fs';

const TARGET_FMR = 1e-6;
const REFERENCE_GALLERY = 10_000;

const program = new Command()
  .option('--dir <folder>', 'LFW folder with pairsDevTrain.txt and pairsDevTest.txt', DEFAULT_LFW_DIR)
  .option('--threads <n>', 'inference threads', String(os.availableParallelism()))
  .option('--cache <file>', 'reuse (or save) the descriptors of a previous run of the same pipeline')
  .option('--json', 'print one JSON object on the last line')
  .parse();
const opts = program.opts<{ dir: string; threads: string; cache?: string; json?: boolean }>();

if (!fs.existsSync(path.join(opts.dir, 'pairsDevTrain.txt'))) {
  console.error(`no LFW View 1 data at ${opts.dir}: pass --dir <folder with pairsDevTrain.txt>`);
  process.exit(2);
}

const train = readPairs(path.join(opts.dir, 'pairsDevTrain.txt'));
const test = readPairs(path.join(opts.dir, 'pairsDevTest.txt'));
const images = [...new Set([...train, ...test].flatMap((p) => [p.a, p.b]))].sort();

const started = performance.now();
const descriptors = await describeWithCache(opts.dir, images, Number(opts.threads), opts.cache);
const seconds = (performance.now() - started) / 1000;
const noFace = [...descriptors.values()].filter((d) => d === null).length;

// 1:1 threshold: best DevTrain accuracy over a fine grid.
const trainDistances = train.map((p) => pairDistance(descriptors, p));
let verify = { threshold: 0, accuracy: 0 };
for (let t = 0.3; t <= 0.8 + 1e-9; t += 0.005) {
  const { accuracy } = accuracyAt(train, trainDistances, t);
  if (accuracy > verify.accuracy) verify = { threshold: Number(t.toFixed(3)), accuracy };
}

// 1:N threshold: impostor distances over every cross-identity pair of DevTrain images.
const trainImages = [...new Set(train.flatMap((p) => [p.a, p.b]))].filter((image) => descriptors.get(image));
const impostor: number[] = [];
for (let i = 0; i < trainImages.length; i++) {
  const a = descriptors.get(trainImages[i]!)!;
  for (let j = i + 1; j < trainImages.length; j++) {
    if (identityOf(trainImages[i]!) === identityOf(trainImages[j]!)) continue;
    impostor.push(euclideanDistance(a, descriptors.get(trainImages[j]!)!));
  }
}
impostor.sort((x, y) => x - y);
const allowedFalseMatches = Math.floor(TARGET_FMR * impostor.length);
// The largest threshold with at most `allowedFalseMatches` impostor distances at or below it.
const matchThreshold = Math.floor((impostor[allowedFalseMatches]! - 1e-6) * 1000) / 1000;
const fmrAt = (t: number) => impostor.filter((d) => d <= t).length / impostor.length;
const fpirAt = (t: number, gallery: number) => 1 - (1 - fmrAt(t)) ** gallery;

const testDistances = test.map((p) => pairDistance(descriptors, p));
const atVerify = accuracyAt(test, testDistances, verify.threshold);
const atMatch = accuracyAt(test, testDistances, matchThreshold);
const trainAtMatch = accuracyAt(train, trainDistances, matchThreshold);

const report = {
  images: images.length,
  imagesWithoutFace: noFace,
  describeSeconds: Number(seconds.toFixed(1)),
  verifyThreshold: verify.threshold,
  devTrainAccuracyAtVerify: Number(verify.accuracy.toFixed(4)),
  devTestAccuracyAtVerify: Number(atVerify.accuracy.toFixed(4)),
  devTestTarAtVerify: Number(atVerify.tar.toFixed(4)),
  devTestFarAtVerify: Number(atVerify.far.toFixed(4)),
  impostorPairs: impostor.length,
  matchThreshold,
  fmrAtMatch: fmrAt(matchThreshold),
  expectedFpirAt10k: Number(fpirAt(matchThreshold, REFERENCE_GALLERY).toFixed(4)),
  devTrainTarAtMatch: Number(trainAtMatch.tar.toFixed(4)),
  devTestAccuracyAtMatch: Number(atMatch.accuracy.toFixed(4)),
  devTestTarAtMatch: Number(atMatch.tar.toFixed(4)),
  devTestFarAtMatch: Number(atMatch.far.toFixed(4)),
};

console.log(`
LFW View 1 through the service pipeline (${images.length} images, ${noFace} without a detected face, ${report.describeSeconds} s)

                         threshold   DevTrain acc   DevTest acc   DevTest TAR   DevTest FAR
verification (1:1)       ${verify.threshold.toFixed(3).padEnd(11)} ${(verify.accuracy * 100).toFixed(2).padEnd(14)} ${(atVerify.accuracy * 100).toFixed(2).padEnd(13)} ${(atVerify.tar * 100).toFixed(2).padEnd(13)} ${(atVerify.far * 100).toFixed(2)}
identification (1:N)     ${matchThreshold.toFixed(3).padEnd(11)} ${'-'.padEnd(14)} ${(atMatch.accuracy * 100).toFixed(2).padEnd(13)} ${(atMatch.tar * 100).toFixed(2).padEnd(13)} ${(atMatch.far * 100).toFixed(2)}

1:N threshold: FMR ${report.fmrAtMatch.toExponential(2)} over ${impostor.length} DevTrain impostor pairs → expected FPIR ${(report.expectedFpirAt10k * 100).toFixed(2)}% in a ${REFERENCE_GALLERY}-template gallery`);

// The trade-off an operator makes when moving MATCH_THRESHOLD: recognised members vs strangers matched.
console.log('\nthreshold   DevTest TAR   DevTrain FMR   expected FPIR at 1k / 10k / 100k templates');
for (const t of [0.35, matchThreshold, 0.4, 0.45, 0.5, 0.55, verify.threshold]) {
  const fpir = [1_000, 10_000, 100_000].map((n) => `${(fpirAt(t, n) * 100).toFixed(1)}%`).join(' / ');
  console.log(`${t.toFixed(3).padEnd(12)}${(accuracyAt(test, testDistances, t).tar * 100).toFixed(1).padEnd(14)}${fmrAt(t).toExponential(1).padEnd(15)}${fpir}`);
}
if (opts.json) console.log(JSON.stringify(report));
