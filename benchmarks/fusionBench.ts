/**
 * Measures how to weigh the fused model's two embedders: the descriptors of LFW View 1 through the
 * service's pipeline (FACE_MODEL=yunet-fr512+omz256 keeps both models' descriptors in one vector),
 * split back into fr_feature's and omz-0095's, re-fused at each weight, and run through the
 * open-set protocol (openSet.ts) on DevTrain images. The weight with the fewest misses summed at
 * FPIR 1% (the target) and 0.1% (TARGET_FPIR, where the service runs) on DevTrain is the
 * one to commit (models/faceModels.ts FUSION_FR_WEIGHT); DevTest is reported for the chosen weight
 * and for each model alone, never used to choose.
 *
 *   npm run bench:fusion [-- --dir ../shared/datasets/lfw-view1] [--cache file] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FACE_MODELS } from '../models/faceModels.js';
import { fusedDescriptor, splitFused, type Fusion } from '../models/vectors.js';
import { benchCommand } from './benchCommand.js';
import { DEFAULT_LFW_DIR, describeWithCache, pairsImages } from './lfw.js';
import { fnirAt, fpirAt, runOpenSet, thresholdForFpir, wrongMemberAt } from './openSet.js';

const program = benchCommand()
  .option('--dir <folder>', 'LFW folder with pairsDevTrain.txt and pairsDevTest.txt', DEFAULT_LFW_DIR)
  .option('--threads <n>', 'inference threads', String(os.availableParallelism()))
  .option('--cache <file>', 'reuse (or save) the descriptors of a previous run of the same pipeline')
  .option('--weights <list>', "fr_feature's weights to try (the rest is omz-0095's)", '0,0.3,0.4,0.5,0.6,0.7,1')
  .parse();
const opts = program.opts<{ dir: string; threads: string; cache?: string; weights: string; json?: boolean }>();

if (!fs.existsSync(path.join(opts.dir, 'pairsDevTrain.txt'))) {
  console.error(`no LFW View 1 data at ${opts.dir}: pass --dir <folder with pairsDevTrain.txt>`);
  process.exit(2);
}

const model = FACE_MODELS['yunet-fr512+omz256'];
const fusion = model.fusion!;
const train = pairsImages(opts.dir, 'pairsDevTrain.txt');
const test = pairsImages(opts.dir, 'pairsDevTest.txt');
const described = await describeWithCache(model, opts.dir, [...new Set([...train, ...test])].sort(), Number(opts.threads), opts.cache);
const parts = new Map([...described].map(([image, d]) => [image, d ? splitFused(d, fusion) : null]));

/** The descriptors re-fused with fr_feature weighed `w` (1: fr_feature alone, 0: omz-0095 alone). */
function reweighed(w: number): Map<string, Float32Array | null> {
  const weights: Fusion = { parts: [{ dimension: 512, weight: w }, { dimension: 256, weight: 1 - w }] };
  return new Map([...parts].map(([image, p]) => [image, p ? fusedDescriptor(p, weights) : null]));
}

/** FNIR at FPIR 1% and 0.1% (thresholds set on the same run's non-mated searches), and wrong members at FPIR 1%. */
function measure(images: string[], w: number) {
  const run = runOpenSet(images, reweighed(w), 'cosine');
  const at1 = thresholdForFpir(run, 0.01);
  const at01 = thresholdForFpir(run, 0.001);
  return {
    weight: w,
    fnirAtFpir1: fnirAt(run, at1),
    fnirAtFpir01: fnirAt(run, at01),
    wrongMemberAtFpir1: wrongMemberAt(run, at1),
    fpir: fpirAt(run, at1),
    thresholdAtFpir1: Number(at1.toFixed(4)),
    searches: run.searches.length,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const weights = opts.weights.split(',').map(Number);
const onTrain = weights.map((w) => measure(train, w));
const misses = (r: (typeof onTrain)[number]) => r.fnirAtFpir1 + r.fnirAtFpir01;
const best = onTrain.reduce((a, b) => (misses(b) < misses(a) ? b : a));
console.log(`LFW View 1, ${described.size} photos, ${[...described.values()].filter((d) => d === null).length} without a face; open-set protocol (benchmarks/openSet.ts)`);
console.log(`DevTrain (${onTrain[0]!.searches} searches): fr_feature weight → FNIR at FPIR 1% / 0.1%, wrong member at FPIR 1%`);
for (const r of onTrain) console.log(`  w=${r.weight.toFixed(2)}  ${pct(r.fnirAtFpir1)} / ${pct(r.fnirAtFpir01)}  wrong ${pct(r.wrongMemberAtFpir1)}  (threshold ${r.thresholdAtFpir1})${r === best ? '  ← fewest misses' : ''}`);
const onTest = [best.weight, 1, 0].map((w) => measure(test, w));
console.log(`DevTest (${onTest[0]!.searches} searches), measured once:`);
for (const [label, r] of [['chosen', onTest[0]!], ['fr_feature alone', onTest[1]!], ['omz-0095 alone', onTest[2]!]] as const) {
  console.log(`  ${label} (w=${r.weight}): FNIR at FPIR 1% ${pct(r.fnirAtFpir1)}, at 0.1% ${pct(r.fnirAtFpir01)}, wrong member ${pct(r.wrongMemberAtFpir1)}`);
}
if (opts.json) console.log(JSON.stringify({ model: `${model.name} ${model.version}`, train: onTrain, chosen: best.weight, test: onTest }));
