import type { FaceIndex, IndexHit } from '../../../index/faceIndex.js';

interface MemberTemplates {
  entries: { label: number; templateId: string }[];
  /** The templates' descriptors, one after another (the index's dimension each). */
  descriptors: Float32Array;
}

/**
 * One partition's templates (a mall's visitors today, its regulars), copied out of the index into
 * plain arrays so that searching them all is one exact, tight loop (≈1 ms per few thousand
 * templates) instead of a native call per template: an exact search finds every hard match an
 * HNSW graph may miss, and below the sizes a partition may be searched at it is cheap enough.
 * Members are added as they join the partition and dropped when they leave; a template the index
 * no longer holds (removed, purged) is never answered.
 */
export class PartitionGallery {
  private readonly members = new Map<string, MemberTemplates>();
  private templateCount = 0;

  constructor(private readonly index: FaceIndex) {}

  /** Templates held (the partition's size, as its threshold counts it). */
  get templates(): number {
    return this.templateCount;
  }

  /** Brings the copy in line with the partition's member list. */
  sync(wanted: ReadonlySet<string>): void {
    for (const [memberId, known] of this.members) {
      if (wanted.has(memberId)) continue;
      this.templateCount -= known.entries.length;
      this.members.delete(memberId);
    }
    for (const memberId of wanted) {
      const known = this.members.get(memberId);
      const current = this.index.templatesOf(memberId);
      // Copy when new, and again when the member gained or lost a template.
      if (known && known.entries.length === current.length && current.every((t) => known.entries.some((e) => e.label === t.label))) continue;
      if (known) this.templateCount -= known.entries.length;
      this.templateCount += current.length;
      if (current.length === 0) {
        this.members.delete(memberId);
        continue;
      }
      const { dimension } = this.index;
      const descriptors = new Float32Array(current.length * dimension);
      current.forEach((t, i) => descriptors.set(this.index.descriptorOf(t.label) ?? [], i * dimension));
      this.members.set(memberId, { entries: current.map((t) => ({ label: t.label, templateId: t.templateId })), descriptors });
    }
  }

  /** Each member's best template, nearest first (exact distances). */
  rank(probe: ArrayLike<number>): IndexHit[] {
    const query = Float32Array.from(probe); // one typed array: the inner loop stays monomorphic
    const dimension = query.length;
    const hits: IndexHit[] = [];
    this.members.forEach((templates, memberId) => {
      const { entries, descriptors } = templates;
      let best = -1;
      let bestSquared = Number.POSITIVE_INFINITY;
      for (let t = 0; t < entries.length; t++) {
        let sum = 0;
        for (let i = 0, o = t * dimension; i < dimension; i++) {
          const d = descriptors[o + i]! - query[i]!;
          sum += d * d;
        }
        if (sum < bestSquared && this.index.has(entries[t]!.label)) {
          best = t;
          bestSquared = sum;
        }
      }
      if (best >= 0) hits.push({ label: entries[best]!.label, templateId: entries[best]!.templateId, memberId, distance: Math.sqrt(bestSquared) });
    });
    return hits.sort((a, b) => a.distance - b.distance);
  }
}
