/**
 * How enrollment judges a folder of ordinary photos (LFW View 1 by default): the dominant-face
 * rule (service/domain/faces/dominantFace.ts: the share of photos it refuses as MULTIPLE_FACES,
 * each with the faces it saw, and how many other faces it set aside as cut by the border or
 * background; beside it, what the old rule — any second face half the largest's area — refused),
 * then the quality policies on the chosen face: the share refused for enrollment and for
 * identification, by reason, and the percentiles of each measure (what the limits in
 * service/domain/faces/qualityPolicies.ts were chosen from).
 *
 *   [FACE_MODEL=…] npm run bench:quality [-- --dir ../shared/datasets/lfw-view1] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FacePipeline } from '../models/facePipeline.js';
import { judgeQuality } from '../service/domain/faces/quality.js';
import { dominantFace, facesSeen, type FaceSeen } from '../service/domain/faces/dominantFace.js';
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
const multiple: { image: string; faces: FaceSeen[] }[] = [];
const setAside = { cut_by_border: 0, background: 0 };
let oldRuleRefused = 0;
const area = (box: { width: number; height: number }) => box.width * box.height;
await Promise.all(
  Array.from({ length: threads * 2 }, async () => {
    while (next < images.length) {
      const image = images[next++]!;
      const analysed = await pipeline.analyze(fs.readFileSync(path.join(opts.dir, image)));
      if (analysed.faces.length === 0) {
        noFace++;
        continue;
      }
      const [largest, second] = analysed.faces;
      if (second && area(second.box) >= 0.5 * area(largest!.box)) oldRuleRefused++;
      const seen = facesSeen(analysed);
      for (const face of seen) if (face.verdict !== 'counted') setAside[face.verdict]++;
      try {
        measures.push(dominantFace(analysed).measures);
      } catch {
        multiple.push({ image, faces: seen });
      }
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
  dominance: { refused: multiple.length, share: multiple.length / images.length, oldRuleRefused, setAside, refusedPhotos: multiple.sort((a, b) => a.image.localeCompare(b.image)) },
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
console.log(`dominant face: ${multiple.length} refused as MULTIPLE_FACES (${pct(report.dominance.share)}); the old area rule refused ${oldRuleRefused} (${pct(oldRuleRefused / images.length)}); faces set aside: ${setAside.cut_by_border} cut by the border, ${setAside.background} background`);
for (const { image, faces } of report.dominance.refusedPhotos) {
  console.log(`  ${image}: ${faces.map((f) => `${f.box.width}×${f.box.height}@${f.box.x},${f.box.y} s=${f.detectionScore} ${f.verdict}`).join('; ')}`);
}
console.log(`enrollment refused by quality (of the faces chosen): ${report.enrollment.refused} (${pct(report.enrollment.share)}) ${JSON.stringify(report.enrollment.byReason)}`);
console.log(`identification refused (same faces): ${report.identification.refused} (${pct(report.identification.share)}) ${JSON.stringify(report.identification.byReason)}`);
console.log('\nmeasure          p0.5      p1        p5        p50       p95       p99       p99.5');
for (const [name, p] of Object.entries(report.measures)) console.log(`${name.padEnd(17)}${Object.values(p).map((v) => String(v).padEnd(10)).join('')}`);
if (opts.json) console.log(JSON.stringify(report));
