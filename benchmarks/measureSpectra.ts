/**
 * Measures the shape of a model's descriptors on LFW View 1 for the synthetic galleries of
 * bench:index and the index tests: the eigenvalues of the between-person covariance (people's
 * mean descriptors) and of the within-person covariance (a photo around its person's mean), and
 * the norm of the overall mean. Only these derived statistics are written, never a descriptor.
 *
 *   [FACE_MODEL=…] node --import tsx benchmarks/measureSpectra.ts --cache benchmarks/out/lfw-yunet.json
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { benchModel } from './benchModel.js';
import { covariance, eigenvalues, meanOf } from './pca.js';
import { DEFAULT_LFW_DIR, describeWithCache, identityOf, readPairs } from './lfw.js';
import { spectraFile, type Spectra } from './syntheticFaces.js';

const opts = new Command()
  .option('--dir <folder>', 'LFW View 1 folder', DEFAULT_LFW_DIR)
  .option('--cache <file>', 'descriptors of a previous run (npm run calibrate -- --cache …)')
  .parse()
  .opts<{ dir: string; cache?: string }>();
const model = benchModel();
const pairs = [...readPairs(path.join(opts.dir, 'pairsDevTrain.txt')), ...readPairs(path.join(opts.dir, 'pairsDevTest.txt'))];
const images = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();
const descriptors = await describeWithCache(model, opts.dir, images, os.availableParallelism(), opts.cache);
const n = model.dimension;

const byPerson = new Map<string, Float32Array[]>();
for (const [image, d] of descriptors) if (d) byPerson.set(identityOf(image), [...(byPerson.get(identityOf(image)) ?? []), d]);
const personMeans = [...byPerson.values()].map(meanOf);
const overall = meanOf(personMeans);

const signif = (v: number) => Number(v.toPrecision(3));
const between = eigenvalues(covariance(personMeans.map((v) => ({ v, centre: overall }))), n);
const within = eigenvalues(
  covariance([...byPerson.values()].filter((vs) => vs.length >= 2).flatMap((vs) => {
    const centre = meanOf(vs);
    return vs.map((v) => ({ v, centre }));
  })),
  n,
);
const spectra: Spectra = {
  model: `${model.name} ${model.version}`,
  measuredOn: `LFW View 1, ${[...descriptors.values()].filter(Boolean).length} descriptors of ${byPerson.size} people`,
  meanNorm: signif(Math.hypot(...overall)),
  unitLength: model.metric === 'cosine',
  between: between.map(signif),
  within: within.map(signif),
};
fs.writeFileSync(spectraFile(model.key), `${JSON.stringify(spectra)}\n`);
const effective = (v: number[]) => (v.reduce((a, b) => a + b, 0) ** 2 / v.reduce((a, b) => a + b * b, 0)).toFixed(1);
console.log(`${spectra.model}: mean norm ${spectra.meanNorm}, effective dimension between ${effective(between)}, within ${effective(within)} → ${spectraFile(model.key)}`);
