import { FaceIndex, type IndexHit } from '../../../index/faceIndex.js';

/**
 * Search-time candidate list of a partition's graph. Partitions are searched only while their
 * threshold can hold the target FPIR (≈12,000 templates at 0.1% with the default model), and at
 * that size ef=256 found the exact nearest member for every hard probe (`npm run bench:scale`,
 * README); below ef templates the search visits every one, so it is exact.
 */
export const PARTITION_EF = 256;

/** Templates read per partition search: enough to find the best *different* member of the partition. */
const PARTITION_NEIGHBOURS = 10;

/**
 * One partition's templates (those a mall saw today, its regulars) in a small HNSW graph of its
 * own, copied from the group's index: a partition search costs what a search of its size costs
 * (an exact scan of 12,000 512-d templates took 5–6 ms on the event loop; this graph, a fraction
 * of a millisecond), and finds what the group's graph might rank below ef other members' templates.
 * Members are added as they join the partition and dropped when they leave; a template the
 * group's index no longer holds (removed, purged) is never answered.
 */
export class PartitionGallery {
  private readonly own: FaceIndex;

  constructor(private readonly index: FaceIndex) {
    this.own = new FaceIndex({ dimensions: index.dimension, efSearch: PARTITION_EF });
  }

  /** Templates held (the partition's size, as its threshold counts it). */
  get templates(): number {
    return this.own.size;
  }

  /** Brings the copy in line with the partition's member list and the group's index. */
  sync(wanted: ReadonlySet<string>): void {
    for (const memberId of this.own.memberIds()) if (!wanted.has(memberId)) this.own.removeMember(memberId);
    for (const memberId of wanted) {
      const current = this.index.templatesOf(memberId);
      const held = this.own.templatesOf(memberId);
      // Most members are unchanged since the last sync: nothing to copy.
      if (held.length === current.length && held.every((h) => this.index.has(h.label))) continue;
      for (const entry of held) if (!this.index.has(entry.label)) this.own.remove(entry.label);
      for (const entry of current) {
        if (this.own.has(entry.label)) continue;
        const descriptor = this.index.descriptorOf(entry.label);
        if (descriptor) this.own.add(entry, descriptor);
      }
    }
  }

  /** Each member's best template among the partition's nearest, nearest first. */
  rank(probe: ArrayLike<number>): IndexHit[] {
    const best = new Map<string, IndexHit>();
    for (const hit of this.own.search(probe, PARTITION_NEIGHBOURS)) {
      if (!this.index.has(hit.label)) continue; // removed from the group since the last sync
      const known = best.get(hit.memberId);
      if (!known || hit.distance < known.distance) best.set(hit.memberId, hit);
    }
    return [...best.values()].sort((a, b) => a.distance - b.distance);
  }
}
