import { describe, expect, it } from 'vitest';
import { DescriptorShape, seededRandom } from '../benchmarks/syntheticFaces.js';
import { FaceIndex } from './faceIndex.js';

function exactNearest(query: Float32Array, points: Map<number, Float32Array>): number {
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const [label, point] of points) {
    let d = 0;
    for (let i = 0; i < query.length; i++) d += (query[i]! - point[i]!) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = label;
    }
  }
  return best;
}

describe('FaceIndex', () => {
  it('finds the exact nearest template for at least 99.5% of queries, through growth and removals', () => {
    // Descriptors shaped like the default model's (LFW's measured spectra, benchmarks/syntheticFaces.ts):
    // an isotropic cloud would test a harder problem than faces pose.
    const shape = DescriptorShape.of('yunet-fr512');
    const { descriptors: data } = shape.gallery(6000, 3, 7);
    const index = new FaceIndex({ dimensions: shape.dimension, initialCapacity: 16 }); // forces several resizes; default (size-chosen) ef
    const live = new Map<number, Float32Array>();
    data.forEach((descriptor, label) => {
      index.add({ label, templateId: `t${label}`, memberId: `m${Math.floor(label / 3)}` }, descriptor);
      live.set(label, descriptor);
    });
    // Remove every 7th template, then add a fresh batch that reuses the freed slots.
    for (let label = 0; label < data.length; label += 7) {
      expect(index.remove(label)).toBe(true);
      live.delete(label);
    }
    const { descriptors: extra } = shape.gallery(600, 3, 99);
    extra.forEach((descriptor, i) => {
      const label = data.length + i;
      index.add({ label, templateId: `t${label}`, memberId: `x${i}` }, descriptor);
      live.set(label, descriptor);
    });
    expect(index.size).toBe(live.size);

    // Probes as the service sees them: another photo of a known person.
    const random = seededRandom(12345);
    const queries = Array.from({ length: 500 }, () => shape.probeNear(data[Math.floor(random.uniform() * data.length)]!, random));
    let agree = 0;
    for (const query of queries) {
      const [hit] = index.search(query, 1);
      if (hit?.label === exactNearest(query, live)) agree++;
    }
    const recall = agree / queries.length;
    expect(recall).toBeGreaterThanOrEqual(0.995);
  });

  it('reports true Euclidean distances, nearest first', () => {
    const index = new FaceIndex({ dimensions: 128 });
    const a = new Float32Array(128);
    const b = new Float32Array(128).fill(0);
    b[0] = 0.3;
    b[1] = 0.4; // |b - a| = 0.5
    index.add({ label: 1, templateId: 'a', memberId: 'm1' }, a);
    index.add({ label: 2, templateId: 'b', memberId: 'm2' }, b);
    const hits = index.search(a, 5);
    expect(hits.map((h) => h.templateId)).toEqual(['a', 'b']);
    expect(hits[0]!.distance).toBeCloseTo(0, 6);
    expect(hits[1]!.distance).toBeCloseTo(0.5, 6);
  });

  it('never returns removed templates, and removes a whole member', () => {
    const index = new FaceIndex({ dimensions: 128 });
    const d = (v: number) => new Float32Array(128).fill(v);
    index.add({ label: 1, templateId: 'a1', memberId: 'A' }, d(0.1));
    index.add({ label: 2, templateId: 'a2', memberId: 'A' }, d(0.11));
    index.add({ label: 3, templateId: 'b1', memberId: 'B' }, d(0.5));
    expect(index.removeMember('A')).toBe(2);
    expect(index.size).toBe(1);
    expect(index.search(d(0.1), 3).map((h) => h.memberId)).toEqual(['B']);
    expect(index.templatesOf('A')).toEqual([]);
    expect(index.remove(1)).toBe(false);
    index.removeMember('B');
    expect(index.search(d(0.1), 3)).toEqual([]);
  });

  it('is idempotent on re-adding a template and measures 1:1 distances exactly', () => {
    const index = new FaceIndex({ dimensions: 128 });
    const d = (v: number) => new Float32Array(128).fill(v);
    index.add({ label: 1, templateId: 'a1', memberId: 'A' }, d(0.1));
    index.add({ label: 1, templateId: 'a1', memberId: 'A' }, d(0.1));
    index.add({ label: 2, templateId: 'a2', memberId: 'A' }, d(0.2));
    expect(index.size).toBe(2);
    const hits = index.distancesToMember('A', d(0.2));
    expect(hits.map((h) => h.templateId)).toEqual(['a2', 'a1']);
    expect(hits[1]!.distance).toBeCloseTo(Math.sqrt(128 * 0.01), 5);
  });

  it('rejects descriptors of the wrong length', () => {
    const index = new FaceIndex({ dimensions: 128 });
    expect(() => index.add({ label: 1, templateId: 'a', memberId: 'A' }, new Float32Array(127))).toThrow(RangeError);
    expect(() => index.search(new Float32Array(3), 1)).toThrow(RangeError);
  });
});

describe('FaceIndex bookkeeping', () => {
  it('keeps members and templates straight through removals and slot reuse', () => {
    const index = new FaceIndex({ dimensions: 128, initialCapacity: 4 });
    const d = (v: number) => new Float32Array(128).fill(v);
    for (let label = 1; label <= 30; label++) index.add({ label, templateId: `t${label}`, memberId: `m${label % 5}` }, d(label / 100));
    expect(index.templatesOf('m1').map((e) => e.label).sort((a, b) => a - b)).toEqual([1, 6, 11, 16, 21, 26]);
    expect(index.remove(11)).toBe(true);
    expect(index.remove(26)).toBe(true);
    expect(index.templatesOf('m1').map((e) => e.label).sort((a, b) => a - b)).toEqual([1, 6, 16, 21]);
    expect(index.removeMember('m2')).toBe(6);
    index.add({ label: 31, templateId: 't31', memberId: 'new' }, d(0.9));
    index.add({ label: 32, templateId: 't32', memberId: 'm1' }, d(0.91));
    expect(index.size).toBe(30 - 2 - 6 + 2);
    expect(index.templatesOf('new')).toEqual([{ label: 31, templateId: 't31', memberId: 'new' }]);
    expect(index.templatesOf('m2')).toEqual([]);
    expect(index.search(d(0.9), 1)[0]).toMatchObject({ label: 31, templateId: 't31', memberId: 'new' });
    expect(index.templatesOf('m1')).toHaveLength(5);
  });
});
