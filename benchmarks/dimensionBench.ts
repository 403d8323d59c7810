/**
 * What reducing the descriptor's dimension would cost: PCA axes fitted on the DevTrain images of
 * LFW View 1, every descriptor (as the service has it, not centred: at k = 512 this is a rotation
 * and changes nothing) projected onto the first k axes and re-normalised, then the open-set run
 * (openSet.ts) and DevTest verification at each k. Memory per template scales with k (4 bytes a
 * value, plus the graph's links).
 *
 *   npm run bench:dimensions -- --cache benchmarks/out/lfw-yunet.json [--dims 512,256,128]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { l2Normalise } from '../models/vectors.js';
import { benchModel } from './benchModel.js';
import { accuracyAt, DEFAULT_LFW_DIR, describeWithCache, pairCloseness, readPairs } from './lfw.js';
import { fnirAt, runOpenSet, thresholdForFpir } from './openSet.js';
import { principalAxes } from './pca.js';

const opts = new Command()
  .option('--dir <folder>', 'LFW View 1 folder', DEFAULT_LFW_DIR)
  .option('--cache <file>', 'descriptors of a previous run (npm run calibrate -- --cache …)')
  .option('--dims <list>', 'dimensions to try', '512,384,256,192,128')
  .parse()
  .opts<{ dir: string; cache?: string; dims: string }>();
const model = benchModel();
const train = readPairs(path.join(opts.dir, 'pairsDevTrain.txt'));
const test = readPairs(path.join(opts.dir, 'pairsDevTest.txt'));
const images = fs
  .readdirSync(opts.dir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((dir) => fs.readdirSync(path.join(opts.dir, dir.name)).map((f) => `${dir.name}/${f}`))
  .sort();
const descriptors = await describeWithCache(model, opts.dir, images, os.availableParallelism(), opts.cache);
const trainImages = new Set(train.flatMap((p) => [p.a, p.b]));
const fitOn = [...descriptors].filter(([image, d]) => trainImages.has(image) && d).map(([, d]) => d!);
const { axes } = principalAxes(fitOn);

console.log(`\n${model.name}: PCA fitted on ${fitOn.length} DevTrain descriptors\n`);
console.log('dims   bytes/descriptor   DevTest verification (best threshold)   FNIR at FPIR 1%   FNIR at FPIR 0.1%');
for (const k of opts.dims.split(',').map(Number)) {
  const projected = new Map<string, Float32Array | null>();
  for (const [image, d] of descriptors) {
    if (!d) {
      projected.set(image, null);
      continue;
    }
    const out = new Float32Array(k);
    for (let j = 0; j < k; j++) {
      let dot = 0;
      const axis = axes[j]!;
      for (let i = 0; i < d.length; i++) dot += d[i]! * axis[i]!;
      out[j] = dot;
    }
    projected.set(image, l2Normalise(out));
  }
  const scores = test.map((p) => pairCloseness(projected, p, 'cosine'));
  const best = Math.max(...scores.filter(Number.isFinite).map((t) => accuracyAt(test, scores, t).accuracy));
  const run = runOpenSet(images, projected, 'cosine');
  const fnir = (fpir: number) => `${(fnirAt(run, thresholdForFpir(run, fpir)) * 100).toFixed(2)}%`;
  console.log(`${String(k).padEnd(7)}${String(k * 4).padEnd(19)}${`${(best * 100).toFixed(2)}%`.padEnd(40)}${fnir(0.01).padEnd(18)}${fnir(0.001)}`);
}
