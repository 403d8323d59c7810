/**
 * Identification at a mall group's gallery sizes: for each size, the index's recall@1 at the member
 * level on easy and on hard probes (another photo whose cosine to its own template is ~0.55–0.75,
 * LFW's genuine range near the threshold), search p50/p99 and bytes per template, and what the
 * partition rule does at that size: the threshold it sets (from the model's measured false-match
 * curve), the expected FPIR, and the FNIR of the hard probes at that threshold.
 *
 *   npm run bench:scale [-- --sizes 10000,100000,1000000] [--ef 64,128,256,512] [--json]
 *
 * The galleries are synthetic (syntheticFaces.ts, shaped like the model's descriptors). Their
 * strangers are far rarer near the threshold than real faces' (a Gaussian tail is thin), so the
 * FPIR printed is the real-photo curve's (LFW View 1 impostor pairs, binomial in N), never the
 * synthetic strangers'; the synthetic strangers' own false matches are printed beside it to show it.
 */
import os from 'node:os';
import { FaceIndex, type IndexHit } from '../index/faceIndex.js';
import { readFalseMatchCurve } from '../models/faceModels.js';
import { readCalibratedThresholds } from '../models/faceModels.js';
import { MatchRule } from '../service/domain/recognition/matchRule.js';
import { PARTITION_EF } from '../service/domain/recognition/partitionGallery.js';
import { PartitionThresholds } from '../service/domain/recognition/partitionThresholds.js';
import { benchCommand } from './benchCommand.js';
import { benchModel } from './benchModel.js';
import { DescriptorShape, seededRandom } from './syntheticFaces.js';

const opts = benchCommand()
  .option('--sizes <list>', 'gallery sizes (templates), comma-separated', '10000,100000')
  .option('--ef <list>', 'HNSW search-time candidate list sizes to measure', '64,128,256,512')
  .option('--probes <n>', 'easy and hard probes per size', '1000')
  .option('--target-fpir <x>', 'TARGET_FPIR', '0.001')
  .parse()
  .opts<{ sizes: string; ef: string; probes: string; targetFpir: string; json?: boolean }>();

const model = benchModel();
if (model.metric !== 'cosine') throw new Error('bench:scale measures the default (cosine) model');
const shape = DescriptorShape.of(model.key);
const calibrated = readCalibratedThresholds(model);
const rule = new MatchRule(model.metric, calibrated);
const curve = readFalseMatchCurve(model);
const thresholds = new PartitionThresholds(model.metric, curve);
const targetFpir = Number(opts.targetFpir);
const efs = opts.ef.split(',').map(Number);
const probeCount = Number(opts.probes);
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const uuid = (n: number, kind: number) => `00000000-0000-4000-8${kind}00-${n.toString(16).padStart(12, '0')}`;
const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
};

/** Probes of gallery templates: easy (the model's within-person spread) and hard (cosine to the template 0.55–0.75). */
function probesFor(descriptors: Float32Array[], identityOf: Int32Array) {
  const random = seededRandom(11);
  const pick = () => Math.floor(random.uniform() * descriptors.length);
  const easy = Array.from({ length: probeCount }, () => {
    const i = pick();
    return { identity: identityOf[i]!, probe: shape.probeNear(descriptors[i]!, random) };
  });
  const hard: { identity: number; probe: Float32Array; cosine: number }[] = [];
  // A hard probe: the template moved further along the within-person axes, kept when it lands in the band.
  while (hard.length < probeCount) {
    const i = pick();
    let probe = descriptors[i]!;
    for (let step = 0; step < 6; step++) {
      probe = shape.probeNear(probe, random);
      const c = cosine(probe, descriptors[i]!);
      if (c < 0.55) break;
      if (c <= 0.75) {
        hard.push({ identity: identityOf[i]!, probe, cosine: c });
        break;
      }
    }
  }
  return { easy, hard };
}

/** Each member's best template among hits, nearest first. */
function byMember(hits: IndexHit[]): IndexHit[] {
  const best = new Map<string, IndexHit>();
  for (const hit of hits) if (!best.has(hit.memberId) || hit.distance < best.get(hit.memberId)!.distance) best.set(hit.memberId, hit);
  return [...best.values()].sort((a, b) => a.distance - b.distance);
}

const results = [];
for (const n of opts.sizes.split(',').map(Number)) {
  const { descriptors, identityOf } = shape.gallery(n);
  gc();
  const rssBefore = process.memoryUsage().rss;
  const index = new FaceIndex({ dimensions: shape.dimension, initialCapacity: n });
  const started = performance.now();
  for (let i = 0; i < n; i++) index.add({ label: i + 1, templateId: uuid(i, 1), memberId: uuid(identityOf[i]!, 2) }, descriptors[i]!);
  const buildS = (performance.now() - started) / 1000;
  gc();
  const bytesPerTemplate = Math.round((process.memoryUsage().rss - rssBefore) / n);

  // The exact answer: every template compared.
  const { easy, hard } = probesFor(descriptors, identityOf);
  const exactTimes: number[] = [];
  const truth = (set: { probe: Float32Array }[]) =>
    set.map(({ probe }) => {
      const t = performance.now();
      let best = -1;
      let bestCosine = -Infinity;
      for (let i = 0; i < n; i++) {
        const c = cosine(probe, descriptors[i]!);
        if (c > bestCosine) [best, bestCosine] = [i, c];
      }
      exactTimes.push(performance.now() - t);
      return uuid(identityOf[best]!, 2);
    });
  const easyTruth = truth(easy);
  const hardTruth = truth(hard);
  exactTimes.sort((a, b) => a - b);

  const set = thresholds.forSize(n, targetFpir, calibrated.match);
  // Strangers: new identities drawn the same way (the synthetic tail is thin: see the header).
  const strangers = shape.gallery(probeCount, 1, 999).descriptors;

  const perEf = efs.map((ef) => {
    index.setEf(ef);
    const times: number[] = [];
    const recall = (set: { probe: Float32Array }[], expected: string[]) => {
      let agree = 0;
      set.forEach(({ probe }, i) => {
        const t = performance.now();
        const hits = index.search(probe, 10);
        times.push(performance.now() - t);
        if (byMember(hits)[0]?.memberId === expected[i]) agree++;
      });
      return agree / set.length;
    };
    const easyRecall = recall(easy, easyTruth);
    const hardRecall = recall(hard, hardTruth);
    times.sort((a, b) => a - b);
    // FNIR of hard probes at the partition's threshold, through the service's decision rule (margin included).
    let missed = 0;
    let wrong = 0;
    let strangersMatched = 0;
    if (set) {
      for (const { probe, identity } of hard) {
        const decision = rule.decide(index.search(probe, 10), set.threshold);
        if (!decision.hit) missed++;
        else if (decision.hit.memberId !== uuid(identity, 2)) wrong++;
      }
      for (const stranger of strangers) if (rule.decide(index.search(stranger, 10), set.threshold).hit) strangersMatched++;
    }
    return {
      ef,
      easyRecall: Number(easyRecall.toFixed(4)),
      hardRecall: Number(hardRecall.toFixed(4)),
      p50Ms: Number(percentile(times, 0.5).toFixed(3)),
      p99Ms: Number(percentile(times, 0.99).toFixed(3)),
      hardFnir: set ? Number((missed / hard.length).toFixed(4)) : null,
      hardWrongMember: set ? wrong : null,
      syntheticStrangersMatched: set ? strangersMatched : null,
    };
  });
  const result = {
    n,
    buildS: Number(buildS.toFixed(1)),
    bytesPerTemplate,
    hardProbeCosineMedian: Number(hard.map((h) => h.cosine).sort((a, b) => a - b)[hard.length >> 1]!.toFixed(3)),
    exactP50Ms: Number(percentile(exactTimes, 0.5).toFixed(2)),
    exactP99Ms: Number(percentile(exactTimes, 0.99).toFixed(2)),
    threshold: set?.threshold ?? null,
    expectedFpir: set?.expectedFpir ?? null,
    perEf,
  };
  results.push(result);
  console.log(`n=${n}: built in ${result.buildS} s, ${bytesPerTemplate} B/template; threshold ${result.threshold ?? 'none: second factor'}`);
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);
console.log(`
bench:scale — ${model.name} ${model.version}, synthetic galleries (3 templates per member), ${os.availableParallelism()} cores, node ${process.version}
TARGET_FPIR ${targetFpir}; thresholds from the real-photo false-match curve (${curve?.pairs ?? 0} LFW View 1 impostor pairs), binomial in N, floor MATCH_THRESHOLD ${calibrated.match}.
Recall@1 is at the member level against the exact search; hard probes have cosine 0.55–0.75 to their own template.
A mall's partitions are graphs of the same kind searched at ef=${PARTITION_EF} (partitionGallery.ts): the ef=${PARTITION_EF} rows are theirs at that size.
`);
console.log('templates   threshold   expected FPIR   exact p50/p99 ms   ef    recall easy   recall hard   p50 ms   p99 ms   hard FNIR   wrong   synth. strangers matched   B/template');
for (const r of results) {
  for (const e of r.perEf) {
    console.log(
      [
        String(r.n).padEnd(12),
        String(r.threshold ?? 'second factor').padEnd(12),
        pct(r.expectedFpir).padEnd(16),
        `${r.exactP50Ms}/${r.exactP99Ms}`.padEnd(19),
        String(e.ef).padEnd(6),
        String(e.easyRecall).padEnd(14),
        String(e.hardRecall).padEnd(14),
        String(e.p50Ms).padEnd(9),
        String(e.p99Ms).padEnd(9),
        pct(e.hardFnir).padEnd(12),
        String(e.hardWrongMember ?? '—').padEnd(8),
        String(e.syntheticStrangersMatched ?? '—').padEnd(27),
        r.bytesPerTemplate,
      ].join(''),
    );
  }
}
console.log(`\nThe largest gallery any measured threshold holds to ${targetFpir}: ${thresholds.maxTemplates(targetFpir)} templates (past it, a second factor).`);
if (opts.json) console.log(JSON.stringify({ cores: os.availableParallelism(), targetFpir, results }));
