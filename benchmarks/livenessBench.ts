/**
 * The passive liveness check (MiniFASNet V2 + V1SE, fused) on labelled photos: the anti-spoofing
 * samples (a real camera frame, a printed photo, a tablet replay), and ordinary photos of real
 * people (LFW View 1: web photos, not till camera frames) for the share of bona fide faces each
 * threshold would refuse; and the time the check adds per face, against the same photos without it.
 *
 *   npm run bench:liveness [-- --lfw ../shared/datasets/lfw-view1 --limit 1000] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FacePipeline } from '../models/facePipeline.js';
import { FACE_MODELS } from '../models/faceModels.js';
import { benchCommand } from './benchCommand.js';
import { DEFAULT_LFW_DIR, readPairs } from './lfw.js';

const DEFAULT_SAMPLES = path.resolve(import.meta.dirname, '../../shared/datasets/antispoof-samples');
const opts = benchCommand()
  .option('--samples <folder>', 'antispoof-samples folder', DEFAULT_SAMPLES)
  .option('--lfw <folder>', 'LFW View 1 folder', DEFAULT_LFW_DIR)
  .option('--limit <n>', 'LFW photos to score', '1000')
  .option('--rounds <n>', 'timed rounds per photo for the cost', '20')
  .parse()
  .opts<{ samples: string; lfw: string; limit: string; rounds: string; json?: boolean }>();

const pipeline = new FacePipeline({ model: FACE_MODELS['yunet-fr512'], threads: 1, decodeLimits: { maxPixels: 40_000_000, maxSidePx: 1920 } });
await pipeline.start();

const scoreOf = async (file: string): Promise<number | undefined> => (await pipeline.analyze(fs.readFileSync(file), { liveness: true })).faces[0]?.livenessScore;

const samples: Record<string, { label: string; score: number | undefined }> = {};
for (const [file, label] of [['image_T1.jpg', 'real'], ['image_F1.jpg', 'printed photo'], ['image_F2.jpg', 'tablet replay']] as const) {
  samples[file] = { label, score: await scoreOf(path.join(opts.samples, file)) };
}

const pairs = [...readPairs(path.join(opts.lfw, 'pairsDevTrain.txt')), ...readPairs(path.join(opts.lfw, 'pairsDevTest.txt'))];
const lfwImages = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort().slice(0, Number(opts.limit));
const lfwScores: number[] = [];
for (const image of lfwImages) {
  const score = await scoreOf(path.join(opts.lfw, image));
  if (score !== undefined) lfwScores.push(score);
}
const refusedAt = (threshold: number) => lfwScores.filter((s) => s < threshold).length / lfwScores.length;
const thresholds = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8];

// Cost: the same photo analysed with and without the check, one worker, one face.
const rounds = Number(opts.rounds);
const photo = fs.readFileSync(path.join(opts.samples, 'image_T1.jpg'));
const timeOf = async (liveness: boolean) => {
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await pipeline.analyze(photo, { liveness });
    ms.push(performance.now() - started);
  }
  return ms.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
};
await timeOf(true);
const without = await timeOf(false);
const withCheck = await timeOf(true);
await pipeline.close();

const result = {
  machine: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}`,
  samples,
  lfw: { photos: lfwScores.length, refusedAt: Object.fromEntries(thresholds.map((t) => [t, Number(refusedAt(t).toFixed(4))])) },
  lfwScorePercentiles: Object.fromEntries([0.01, 0.05, 0.1, 0.5].map((q) => [q, Number([...lfwScores].sort((a, b) => a - b)[Math.floor(q * lfwScores.length)]!.toFixed(3))])),
  costMsPerFace: { withoutP50: Number(without.toFixed(1)), withP50: Number(withCheck.toFixed(1)), added: Number((withCheck - without).toFixed(1)) },
};
console.log('samples:');
for (const [file, { label, score }] of Object.entries(samples)) console.log(`  ${file} (${label}): ${score?.toFixed(3) ?? 'no face'}`);
console.log(`LFW View 1 (${lfwScores.length} real faces, web photos): refused at ${thresholds.map((t) => `${t}: ${(refusedAt(t) * 100).toFixed(1)}%`).join(', ')}`);
console.log(`score percentiles on LFW: ${JSON.stringify(result.lfwScorePercentiles)}`);
console.log(`cost per face (p50 of ${rounds}, one worker): ${without.toFixed(1)} ms without, ${withCheck.toFixed(1)} ms with: +${(withCheck - without).toFixed(1)} ms`);
if (opts.json) console.log(JSON.stringify(result));
