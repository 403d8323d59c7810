/**
 * What describing camera frames once a face (AnalyzeTask.describeOnce: no mirror run) costs when
 * they are compared with templates of the model's full recipe (the mirror average): the default
 * model's View 1 descriptors both ways, the open-set protocol of bench:cohort with the gallery
 * described as enrollment photos are and the probes as camera frames are, against both described
 * alike; and the false matches per pair over every different-person pair of DevTrain images at the
 * committed thresholds, mixed pairs against alike ones (the partition size rule rests on that rate).
 *
 *   npm run bench:camera-probes [-- --dir ../shared/datasets/lfw-view1] [--cache file] [--camera-cache file] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FACE_MODELS, readCalibratedThresholds } from '../models/faceModels.js';
import { benchCommand } from './benchCommand.js';
import { DEFAULT_LFW_DIR, describeWithCache, differentPersonScores, pairsImages, view1Images } from './lfw.js';
import { fnirAt, openSetSplit, runOpenSet, thresholdForFpir, type OpenSetRun } from './openSet.js';

const program = benchCommand()
  .option('--dir <folder>', 'LFW folder with pairsDevTrain.txt and pairsDevTest.txt', DEFAULT_LFW_DIR)
  .option('--threads <n>', 'inference threads', String(os.availableParallelism()))
  .option('--cache <file>', 'reuse (or save) the descriptors of photos (the full recipe)')
  .option('--camera-cache <file>', 'reuse (or save) the descriptors of the same photos described as camera frames')
  .parse();
const opts = program.opts<{ dir: string; threads: string; cache?: string; cameraCache?: string; json?: boolean }>();

if (!fs.existsSync(path.join(opts.dir, 'pairsDevTrain.txt'))) {
  console.error(`no LFW View 1 data at ${opts.dir}: pass --dir <folder with pairsDevTrain.txt>`);
  process.exit(2);
}

const model = FACE_MODELS['yunet-fr512+omz256'];
const thresholds = readCalibratedThresholds(model);
const all = view1Images(opts.dir);
const photos = await describeWithCache(model, opts.dir, all, Number(opts.threads), opts.cache);
const frames = await describeWithCache(model, opts.dir, all, Number(opts.threads), opts.cameraCache, 'camera');

const fnirs = (run: OpenSetRun): [number, number] => [fnirAt(run, thresholdForFpir(run, 0.01)), fnirAt(run, thresholdForFpir(run, 0.001))];
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
console.log(`${model.name} ${model.version}: LFW View 1, ${all.length} photos; FNIR at FPIR 1% / 0.1% (thresholds on each run's own strangers)`);
const openSet = ([0, 1] as const).map((half) => {
  const split = openSetSplit(all, half);
  const gallery = new Set([...split.enrolled, ...split.distractors].map((person) => split.byPerson.get(person)![0]!));
  const mixed = new Map(all.map((image) => [image, (gallery.has(image) ? photos : frames).get(image) ?? null]));
  const row = { half, photos: fnirs(runOpenSet(all, photos, 'cosine', half)), frames: fnirs(runOpenSet(all, frames, 'cosine', half)), framesAgainstPhotos: fnirs(runOpenSet(all, mixed, 'cosine', half)) };
  console.log(`  half ${half}: all described as photos ${row.photos.map(pct).join(' / ')}; all as frames ${row.frames.map(pct).join(' / ')}; frames against photo templates ${row.framesAgainstPhotos.map(pct).join(' / ')}`);
  return row;
});

// Different-person pairs of DevTrain images at or above each threshold: photo–photo, frame–frame
// (unordered pairs), and frame–photo (ordered: either image may be the frame).
const images = pairsImages(opts.dir, 'pairsDevTrain.txt').filter((image) => photos.get(image) && frames.get(image));
const cuts = [thresholds.today, thresholds.match];
function falseMatches(a: Map<string, Float32Array | null>, b: Map<string, Float32Array | null>) {
  const scores = differentPersonScores(images, 'cosine', b, a);
  return { pairs: scores.length, atOrAbove: Object.fromEntries(cuts.map((cut) => [cut, scores.filter((score) => score >= cut).length])) };
}
const pairs = { photos: falseMatches(photos, photos), frames: falseMatches(frames, frames), framesAgainstPhotos: falseMatches(frames, photos) };
console.log(`different-person DevTrain pairs at or above ${cuts.join(' / ')} (TODAY_MATCH_THRESHOLD / MATCH_THRESHOLD):`);
for (const [name, p] of Object.entries(pairs)) console.log(`  ${name}: ${Object.values(p.atOrAbove).join(' / ')} of ${p.pairs} (${Object.values(p.atOrAbove).map((n) => (n / p.pairs).toExponential(1)).join(' / ')})`);
if (opts.json) console.log(JSON.stringify({ model: `${model.name} ${model.version}`, openSet, pairs }));
