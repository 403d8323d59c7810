/**
 * The project's FaceIndex at gallery sizes a mall group reaches: build time, recall@1 against
 * exact search, search latency, memory per template, and snapshot save/load times, on synthetic
 * descriptors (syntheticFaces.ts: clustered, several templates per identity).
 *
 *   npm run bench:index [-- --sizes 10000,100000,1000000] [--json]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { euclideanDistance, FaceIndex } from '../index/faceIndex.js';
import { loadSnapshot, saveSnapshot } from '../index/indexSnapshot.js';
import { benchModel } from './benchModel.js';
import { DescriptorShape, seededRandom } from './syntheticFaces.js';
import { benchCommand } from './benchCommand.js';

const opts = benchCommand()
  .option('--sizes <list>', 'gallery sizes, comma-separated', '10000,100000,1000000')
  .option('--searches <n>', 'timed searches per size', '2000')
  .option('--recall-probes <n>', 'probes checked against exact search per size (default: 200 to 1,000 by size)')
  .option('--ef <list>', 'search-time candidate list sizes to measure on each built index (the service uses 64 up to 150k templates, 128 up to 400k, 256 above)', '64,128,256')
  .option('--m <n>', 'HNSW graph degree (the service uses 16)', '16')
  .parse()
  .opts<{ sizes: string; searches: string; recallProbes?: string; ef: string; m: string; json?: boolean }>();
const efs = opts.ef.split(',').map(Number);
const sizes = opts.sizes.split(',').map(Number);
const model = benchModel();
const shape = DescriptorShape.of(model.key);
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const uuid = (n: number, kind: number) => `00000000-0000-4000-8${kind}00-${n.toString(16).padStart(12, '0')}`;

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Exact nearest template by brute force (the ground truth for recall). */
function exactNearest(descriptors: Float32Array[], probe: Float32Array): number {
  let best = -1;
  let bestDistance = Infinity;
  for (let i = 0; i < descriptors.length; i++) {
    const d = descriptors[i]!;
    let sum = 0;
    for (let j = 0; j < probe.length; j++) {
      const diff = d[j]! - probe[j]!;
      sum += diff * diff;
      if (sum >= bestDistance) break;
    }
    if (sum < bestDistance) [best, bestDistance] = [i, sum];
  }
  return best;
}

const results = [];
for (const n of sizes) {
  const gallery = shape.gallery(n);
  gc();
  const rssBefore = process.memoryUsage().rss;
  const index = new FaceIndex({ dimensions: shape.dimension, initialCapacity: n, m: Number(opts.m) });
  let started = performance.now();
  for (let i = 0; i < n; i++) index.add({ label: i + 1, templateId: uuid(i, 1), memberId: uuid(gallery.identityOf[i]!, 2) }, gallery.descriptors[i]!);
  const buildMs = performance.now() - started;
  gc();
  const bytesPerTemplate = Math.round((process.memoryUsage().rss - rssBefore) / n);

  const random = seededRandom(7);
  const probes = Array.from({ length: Number(opts.searches) }, () => shape.probeNear(gallery.descriptors[Math.floor(random.uniform() * n)]!, random));
  // Exact search costs n×dimension per probe: fewer probes at the largest sizes keep it to seconds.
  const recallProbes = probes.slice(0, opts.recallProbes ? Number(opts.recallProbes) : Math.max(200, Math.min(1000, Math.floor(2e8 / n))));
  const exact = recallProbes.map((probe) => exactNearest(gallery.descriptors, probe));
  const perEf = efs.map((ef) => {
    index.setEf(ef);
    const times: number[] = [];
    for (const probe of probes) {
      const t = performance.now();
      index.search(probe, 1);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    let agree = 0;
    recallProbes.forEach((probe, i) => {
      const [hit] = index.search(probe, 1);
      const truth = exact[i]!;
      if (hit && (hit.label === truth + 1 || Math.abs(hit.distance - euclideanDistance(probe, gallery.descriptors[truth]!)) < 1e-6)) agree++;
    });
    return { ef, recallAt1: Number((agree / recallProbes.length).toFixed(4)), p50Ms: Number(percentile(times, 0.5).toFixed(3)), p99Ms: Number(percentile(times, 0.99).toFixed(3)) };
  });

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-index-bench-'));
  started = performance.now();
  const meta = (await saveSnapshot(index, dir, { instanceId: 'bench', model, seq: 0 }))!;
  const saveMs = performance.now() - started;
  started = performance.now();
  const loaded = await loadSnapshot(dir, meta, { dimensions: shape.dimension });
  const loadMs = performance.now() - started;
  if (loaded.size !== n) throw new Error(`loaded ${loaded.size} of ${n}`);
  await fs.rm(dir, { recursive: true, force: true });

  for (const measured of perEf) {
    const result = { n, ...measured, buildMs: Math.round(buildMs), recallProbes: recallProbes.length, bytesPerTemplate, saveMs: Math.round(saveMs), loadMs: Math.round(loadMs) };
    results.push(result);
    console.log(`n=${n} ef=${result.ef}: recall@1 ${result.recallAt1}, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (built in ${result.buildMs} ms, ${bytesPerTemplate} B/template)`);
  }
}

console.log(`\nFaceIndex (hnswlib-node, M=${opts.m}, efConstruction=200; the service searches with ef=64 up to 150k templates, 128 up to 400k, 256 above), ${os.availableParallelism()} cores, node ${process.version}\n`);
console.log('templates    ef     build s   recall@1   p50 ms   p99 ms   bytes/template   save ms   load ms');
for (const r of results) {
  console.log(
    `${String(r.n).padEnd(13)}${String(r.ef).padEnd(7)}${(r.buildMs / 1000).toFixed(1).padEnd(10)}${String(r.recallAt1).padEnd(11)}${String(r.p50Ms).padEnd(9)}${String(r.p99Ms).padEnd(9)}${String(r.bytesPerTemplate).padEnd(17)}${String(r.saveMs).padEnd(10)}${r.loadMs}`,
  );
}
if (opts.json) console.log(JSON.stringify({ cores: os.availableParallelism(), results }));
