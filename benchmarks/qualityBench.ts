/**
 * How the quality policies judge a folder of ordinary photos (LFW View 1 by default): the share
 * refused for enrollment and for identification, by reason, and the percentiles of each measure
 * (what the limits in service/domain/qualityPolicies.ts were chosen from).
 *
 *   [FACE_MODEL=…] npm run bench:quality [-- --dir ../shared/datasets/lfw-view1] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FacePipeline } from '../models/facePipeline.js';
import { judgeQuality } from '../service/domain/faces/quality.js';
import type { FaceMeasures } from '../models/types.js';
import { loadConfig } from '../service/config.js';
import { enrollmentPolicy, identificationPolicy } from '../service/domain/faces/qualityPolicies.js';
import { benchModel } from './benchModel.js';
import { DEFAULT_LFW_DIR, readPairs } from './lfw.js';
import { benchCommand } from './benchCommand.js';

const opts = benchCommand()
  .option('--dir <folder>', 'LFW folder', DEFAULT_LFW_DIR)
  .parse()
  .opts<{ dir: string; json?: boolean }>();
const model = benchModel();
const config = loadConfig({ FACE_MODEL: model.key });
const pairs = [...readPairs(path.join(opts.dir, 'pairsDevTrain.txt')), ...readPairs(path.join(opts.dir, 'pairsDevTest.txt'))];
const images = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();
const threads = os.availableParallelism();
const pipeline = new FacePipeline({ model, threads, decodeLimits: { maxPixels: 40_000_000, maxSidePx: 1920 } });
await pipeline.start();

const measures: FaceMeasures[] = [];
let noFace = 0;
let next = 0;
await Promise.all(
  Array.from({ length: threads * 2 }, async () => {
    while (next < images.length) {
      const analysed = await pipeline.analyze(fs.readFileSync(path.join(opts.dir, images[next++]!)));
      const [largest] = analysed.faces; // enrollment reads the dominant (largest) face
      if (largest) measures.push(largest.measures);
      else noFace++;
    }
  }),
);
await pipeline.close();

const refusals = (policy: ReturnType<typeof enrollmentPolicy>) => {
  const byReason: Record<string, number> = {};
  let refused = 0;
  for (const m of measures) {
    const verdict = judgeQuality(m, policy);
    if (!verdict.ok) refused++;
    for (const reason of verdict.reasons) byReason[reason] = (byReason[reason] ?? 0) + 1;
  }
  return { refused, share: refused / images.length, byReason };
};
const percentiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2));
  return { p0_5: at(0.005), p1: at(0.01), p5: at(0.05), p50: at(0.5), p95: at(0.95), p99: at(0.99), p99_5: at(0.995) };
};
const report = {
  model: `${model.name} ${model.version}`,
  photos: images.length,
  noFace,
  enrollment: refusals(enrollmentPolicy(config.faceModel.key, config.minEnrollFacePx)),
  identification: refusals(identificationPolicy(config.faceModel.key, config.minIdentifyFacePx)),
  measures: {
    detectionScore: percentiles(measures.map((m) => m.detectionScore)),
    sizePx: percentiles(measures.map((m) => m.sizePx)),
    sharpness: percentiles(measures.map((m) => m.sharpness)),
    brightness: percentiles(measures.map((m) => m.brightness)),
    absYawDeg: percentiles(measures.map((m) => Math.abs(m.pose.yawDeg))),
    absPitchDeg: percentiles(measures.map((m) => Math.abs(m.pose.pitchDeg))),
    absRollDeg: percentiles(measures.map((m) => Math.abs(m.pose.rollDeg))),
  },
};
const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
console.log(`\n${report.model}: ${images.length} photos of ${opts.dir}, ${noFace} without a face`);
console.log(`enrollment refused:     ${report.enrollment.refused} (${pct(report.enrollment.share)}) ${JSON.stringify(report.enrollment.byReason)}`);
console.log(`identification refused: ${report.identification.refused} (${pct(report.identification.share)}) ${JSON.stringify(report.identification.byReason)}`);
console.log('\nmeasure          p0.5      p1        p5        p50       p95       p99       p99.5');
for (const [name, p] of Object.entries(report.measures)) console.log(`${name.padEnd(17)}${Object.values(p).map((v) => String(v).padEnd(10)).join('')}`);
if (opts.json) console.log(JSON.stringify(report));
