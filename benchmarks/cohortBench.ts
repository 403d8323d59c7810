/**
 * Measures a decision the service does not make yet: scoring a search by how far its nearest
 * person stands out from the probe's cohort (the next people in the gallery), instead of by the
 * nearest score alone (openSet.ts cohortScored). Same descriptors and protocol as bench:fusion: the
 * default model's descriptors of LFW View 1, the open-set protocol on DevTrain images to choose the
 * cohort's weight and size (fewest misses summed at FPIR 1% and 0.1%), DevTest reported once with
 * the choice; then the whole of View 1, which holds DevTrain and is therefore not a clean test, for
 * the larger gallery. Both halves (which alternate people are enrolled) are run.
 *
 *   npm run bench:cohort [-- --dir ../shared/datasets/lfw-view1] [--cache file] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FACE_MODELS } from '../models/faceModels.js';
import { benchCommand } from './benchCommand.js';
import { DEFAULT_LFW_DIR, describeWithCache, pairsImages, view1Images } from './lfw.js';
import { cohortScored, fnirAt, runOpenSet, thresholdForFpir, type OpenSetRun } from './openSet.js';

const program = benchCommand()
  .option('--dir <folder>', 'LFW folder with pairsDevTrain.txt and pairsDevTest.txt', DEFAULT_LFW_DIR)
  .option('--threads <n>', 'inference threads', String(os.availableParallelism()))
  .option('--cache <file>', 'reuse (or save) the descriptors of a previous run of the same pipeline')
  .parse();
const opts = program.opts<{ dir: string; threads: string; cache?: string; json?: boolean }>();

if (!fs.existsSync(path.join(opts.dir, 'pairsDevTrain.txt'))) {
  console.error(`no LFW View 1 data at ${opts.dir}: pass --dir <folder with pairsDevTrain.txt>`);
  process.exit(2);
}

const model = FACE_MODELS['yunet-fr512+omz256'];
const train = pairsImages(opts.dir, 'pairsDevTrain.txt');
const test = pairsImages(opts.dir, 'pairsDevTest.txt');
const all = view1Images(opts.dir);
const descriptors = await describeWithCache(model, opts.dir, all, Number(opts.threads), opts.cache);

/** FNIR at FPIR 1% and 0.1%, thresholds set on the run's own non-mated searches (as bench:fusion). */
function fnirs(run: OpenSetRun): [number, number] {
  return [fnirAt(run, thresholdForFpir(run, 0.01)), fnirAt(run, thresholdForFpir(run, 0.001))];
}

const GRID = [{ weight: 0, k: 1 }, ...[0.25, 0.5, 0.75, 1].flatMap((weight) => [1, 3, 5, 9].map((k) => ({ weight, k })))];
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const pair = ([a, b]: [number, number]) => `${pct(a)} / ${pct(b)}`;
const results = [];
console.log(`LFW View 1, ${descriptors.size} photos; FNIR at FPIR 1% / 0.1% (thresholds on each run's own strangers); cohort: weight × mean of the next k people`);
for (const half of [0, 1] as const) {
  const onTrain = runOpenSet(train, descriptors, 'cosine', half);
  const scored = GRID.map((g) => ({ ...g, train: fnirs(cohortScored(onTrain, g.weight, g.k)) }));
  const chosen = scored.reduce((a, b) => (b.train[0] + b.train[1] < a.train[0] + a.train[1] ? b : a));
  const onTest = runOpenSet(test, descriptors, 'cosine', half);
  const onAll = runOpenSet(all, descriptors, 'cosine', half);
  const row = {
    half,
    chosen: { weight: chosen.weight, k: chosen.k },
    devTrain: { score: scored[0]!.train, cohort: chosen.train },
    devTest: { score: fnirs(onTest), cohort: fnirs(cohortScored(onTest, chosen.weight, chosen.k)) },
    view1: { score: fnirs(onAll), cohort: fnirs(cohortScored(onAll, chosen.weight, chosen.k)) },
    searches: { devTest: onTest.searches.length, view1: onAll.searches.length },
  };
  results.push(row);
  console.log(`half ${half}: chosen on DevTrain weight ${chosen.weight}, k ${chosen.k}`);
  console.log(`  DevTrain          score alone ${pair(row.devTrain.score)}  cohort ${pair(row.devTrain.cohort)}`);
  console.log(`  DevTest (${row.searches.devTest}) score alone ${pair(row.devTest.score)}  cohort ${pair(row.devTest.cohort)}`);
  console.log(`  View 1 (${row.searches.view1}) score alone ${pair(row.view1.score)}  cohort ${pair(row.view1.cohort)}`);
}
if (opts.json) console.log(JSON.stringify({ model: `${model.name} ${model.version}`, results }));
