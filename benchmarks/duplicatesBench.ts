/**
 * The double-enrollment check on LFW View 1, offline with the service's own rule and thresholds:
 * every distinct person's first photo enrolled in turn (a refusal is a false refusal: they are all
 * different people), then every second photo of an enrolled person enrolled as a new member (a
 * real duplicate: refused, or enrolled and listed by the duplicate sweep, or let through unseen).
 * Run at MATCH_THRESHOLD (the check before issue 23) and at the size-aware bar the service uses
 * now (FaceService.enrolledElsewhere: false refusals held to 0.1% at the group's size), and the
 * expected false refusal rate of each bar for larger groups from the measured false-match curve.
 *
 *   [FACE_MODEL=…] npm run bench:duplicates [-- --dir ../shared/datasets/lfw-view1] [--cache file] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FaceIndex } from '../index/faceIndex.js';
import { readFalseMatchCurve } from '../models/faceModels.js';
import { MatchRule } from '../service/domain/recognition/matchRule.js';
import { PartitionThresholds } from '../service/domain/recognition/partitionThresholds.js';
import { benchCommand } from './benchCommand.js';
import { benchModel, benchThresholds } from './benchModel.js';
import { DEFAULT_LFW_DIR, describeWithCache, identityOf, view1Images } from './lfw.js';

const opts = benchCommand()
  .option('--dir <folder>', 'LFW folder with pairsDevTrain.txt and pairsDevTest.txt', DEFAULT_LFW_DIR)
  .option('--threads <n>', 'inference threads', String(os.availableParallelism()))
  .option('--cache <file>', 'reuse (or save) the descriptors of a previous run of the same pipeline')
  .parse()
  .opts<{ dir: string; threads: string; cache?: string; json?: boolean }>();
if (!fs.existsSync(path.join(opts.dir, 'pairsDevTrain.txt'))) {
  console.error(`no LFW View 1 data at ${opts.dir}: pass --dir <folder with pairsDevTrain.txt>`);
  process.exit(2);
}

const FALSE_REFUSAL_BUDGET = 0.001; // as FaceService
const SUSPECT_FALSE_RATE = 0.01; // as Duplicates
const model = benchModel();
const thresholds = benchThresholds(model);
if (!thresholds) {
  console.error(`${model.key} has no calibrated thresholds yet: run npm run calibrate`);
  process.exit(2);
}
const rule = new MatchRule(model.metric, thresholds);
const curve = new PartitionThresholds(model.metric, readFalseMatchCurve(model));
const images = view1Images(opts.dir);
const descriptors = await describeWithCache(model, opts.dir, images, Number(opts.threads), opts.cache);
const byPerson = new Map<string, string[]>();
for (const image of images) if (descriptors.get(image)) byPerson.set(identityOf(image), [...(byPerson.get(identityOf(image)) ?? []), image]);

type Bar = 'match' | 'sizeAware';
const barAt = (bar: Bar, size: number): number =>
  bar === 'match' ? rule.thresholds.match : (curve.forSize(size, FALSE_REFUSAL_BUDGET, rule.thresholds.match) ?? curve.strictest(size))!.threshold;
const suspectAt = (size: number): number => (curve.forSize(size, SUSPECT_FALSE_RATE, rule.thresholds.match) ?? curve.strictest(size))!.threshold;

function run(bar: Bar) {
  const index = new FaceIndex({ dimensions: model.dimension, initialCapacity: byPerson.size + 10 });
  let label = 1;
  const refused: string[] = [];
  for (const [person, photos] of byPerson) {
    const d = descriptors.get(photos[0]!)!;
    if (rule.sameAsOtherMember(index.search(d, 8), person, barAt(bar, index.size))) refused.push(photos[0]!);
    else index.add({ label: label++, templateId: photos[0]!, memberId: person }, d);
  }
  const duplicates = { tried: 0, refused: 0, flagged: 0, unseen: 0 };
  for (const [person, photos] of byPerson) {
    if (photos.length < 2 || index.templateCountOf(person) === 0) continue;
    duplicates.tried++;
    const hits = index.search(descriptors.get(photos[1]!)!, 8);
    if (rule.sameAsOtherMember(hits, `${person} (again)`, barAt(bar, index.size))) duplicates.refused++;
    else if (rule.sameAsOtherMember(hits, `${person} (again)`, suspectAt(index.size))) duplicates.flagged++;
    else duplicates.unseen++;
  }
  return { bar, people: byPerson.size, falseRefusals: refused.length, falseRefusalRate: refused.length / byPerson.size, refused, threshold: barAt(bar, index.size), duplicates };
}

const pct = (x: number) => `${(100 * x).toFixed(3)}%`;
const runs = [run('match'), run('sizeAware')];
console.log(`${model.name} ${model.version}: LFW View 1, ${byPerson.size} distinct people with a face`);
for (const r of runs) {
  console.log(`\n${r.bar === 'match' ? 'MATCH_THRESHOLD' : 'size-aware bar (≤ 0.1% expected false refusals)'} (${r.threshold.toFixed(3)} at the full gallery):`);
  console.log(`  false refusals: ${r.falseRefusals} of ${r.people} (${pct(r.falseRefusalRate)})${r.refused.length ? ` — ${r.refused.join(', ')}` : ''}`);
  const d = r.duplicates;
  console.log(`  real duplicates (a second photo of an enrolled person, ${d.tried}): refused ${d.refused}, enrolled and listed by the sweep ${d.flagged}, let through unseen ${d.unseen}`);
}
console.log('\nexpected false refusal rate at a group size (measured false-match curve):');
for (const size of [1_000, 10_000, 100_000, 1_000_000]) {
  const at = (t: number) => curve.expectedFpir(size, t);
  console.log(`  ${String(size).padStart(9)} templates: MATCH_THRESHOLD ${pct(at(rule.thresholds.match) ?? NaN)}, size-aware ${pct(at(barAt('sizeAware', size)) ?? NaN)} (bar ${barAt('sizeAware', size).toFixed(3)})`);
}
if (opts.json) console.log(JSON.stringify({ model: `${model.name} ${model.version}`, runs }));
