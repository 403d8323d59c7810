import { describe, expect, it } from 'vitest';
import { FaceIndex } from '../../../index/faceIndex.js';
import { PartitionGallery } from './partitionGallery.js';

const d = (v: number) => new Float32Array(128).fill(v); // any dimension: the gallery takes the index's

describe("a partition's gallery", () => {
  it('ranks each member of the partition by its best template, and never answers a removed template', () => {
    const index = new FaceIndex({ dimensions: 128 });
    index.add({ label: 1, templateId: 'a1', memberId: 'a' }, d(0.1));
    index.add({ label: 2, templateId: 'a2', memberId: 'a' }, d(0.3));
    index.add({ label: 3, templateId: 'b1', memberId: 'b' }, d(0.2));
    index.add({ label: 4, templateId: 'c1', memberId: 'c' }, d(0.12));
    const gallery = new PartitionGallery(index);
    gallery.sync(new Set(['a', 'b'])); // c is not in the partition
    expect(gallery.templates).toBe(3);
    const ranked = gallery.rank(d(0.11));
    expect(ranked.map((h) => [h.memberId, h.templateId])).toEqual([['a', 'a1'], ['b', 'b1']]);
    expect(ranked[0]!.distance).toBeCloseTo(Math.sqrt(128) * 0.01, 5);

    index.remove(1); // a's best template is gone: its other one answers
    expect(gallery.rank(d(0.11))[0]).toMatchObject({ memberId: 'b', templateId: 'b1' });
    gallery.sync(new Set(['b']));
    expect(gallery.templates).toBe(1);
    expect(gallery.rank(d(0.3)).map((h) => h.memberId)).toEqual(['b']);
  });
});
