import hnswlib from 'hnswlib-node';
import { EntryTable, type IndexEntry } from './entryTable.js';

const { HierarchicalNSW } = hnswlib;

/** One face template as the index knows it. `label` is the template's stable integer key. */
export type { IndexEntry } from './entryTable.js';

export interface IndexHit extends IndexEntry {
  /** Euclidean distance (not squared) between the query and the template's descriptor. */
  distance: number;
}

export interface FaceIndexOptions {
  /** Values per descriptor: the face model's (512 for the default model, 128 for face-api). */
  dimensions: number;
  initialCapacity?: number;
  /** HNSW graph degree: higher is more accurate and larger. */
  m?: number;
  efConstruction?: number;
  /** Candidate list size at search time: higher is more accurate and slower. Unset: by gallery size. */
  efSearch?: number;
}

/**
 * Search-time candidate list by gallery size, measured on hard probes (`npm run bench:scale`:
 * another photo at cosine 0.55–0.75 to its own template, the searches near the threshold that
 * decide who is missed): at 10,000 templates ef=64 found the exact nearest member for 1,000 of
 * 1,000; at 100,000 ef=64 found 97.2%, ef=128 99.6%, ef=256 100% (p99 3.9 ms). Above 150,000 the
 * graph is searched at 512 (the identification issue measured 99.9% there at 200,000, against
 * ≈99% at 256).
 */
const efForSize = (templates: number): number => (templates <= 20_000 ? 64 : templates <= 150_000 ? 256 : 512);

export const euclideanDistance = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
};

/**
 * In-memory 1:N search over face templates: an HNSW graph (hnswlib-node) plus a compact table of
 * which template and member each label is. Postgres holds every descriptor, so this index can
 * always be rebuilt from it. hnswlib's add and search are synchronous and take plain arrays; they
 * cost microseconds to a fraction of a millisecond, so they run on the event loop.
 */
export class FaceIndex {
  private readonly hnsw: InstanceType<typeof HierarchicalNSW>;
  private readonly entries = new EntryTable();
  /** Values per descriptor (the face model's). */
  readonly dimension: number;
  /** Slots that hold a removed template and can be reused by the next add. */
  private deletedSlots = 0;
  /** While the graph is being written to disk, changes wait here (the writer reads the graph). */
  private saving = false;
  private queued: (() => void)[] = [];
  private readonly efSearch: number | undefined;
  private ef = 0;

  constructor(options: FaceIndexOptions) {
    this.dimension = options.dimensions;
    this.hnsw = new HierarchicalNSW('l2', this.dimension);
    this.hnsw.initIndex({
      maxElements: options.initialCapacity ?? 1024,
      m: options.m ?? 16,
      efConstruction: options.efConstruction ?? 200,
      randomSeed: 100,
      allowReplaceDeleted: true,
    });
    this.efSearch = options.efSearch;
    this.tuneEf();
  }

  private tuneEf(): void {
    const ef = this.efSearch ?? efForSize(this.entries.size);
    if (ef !== this.ef) this.hnsw.setEf((this.ef = ef));
  }

  /**
   * Writes the graph to `graphPath` (hnswlib's format) and returns the entries it holds. Searches
   * go on meanwhile; adds and removes wait until the write is done, then apply in order.
   */
  async saveGraph(graphPath: string): Promise<IndexEntry[]> {
    if (this.saving) throw new Error('a save is already running');
    this.saving = true;
    try {
      const entries = [...this.entries.all()];
      await this.hnsw.writeIndex(graphPath);
      return entries;
    } finally {
      this.saving = false;
      const queued = this.queued;
      this.queued = [];
      for (const apply of queued) apply();
    }
  }

  /** An index read back from a graph written by saveGraph, with the entries saved beside it. */
  static async loadGraph(graphPath: string, entries: Iterable<IndexEntry>, options: FaceIndexOptions): Promise<FaceIndex> {
    const index = new FaceIndex(options);
    await index.hnsw.readIndex(graphPath, true);
    for (const entry of entries) index.entries.set(entry);
    index.ef = 0;
    index.tuneEf();
    index.deletedSlots = index.hnsw.getCurrentCount() - index.entries.size;
    return index;
  }

  /** Fixes the search-time candidate list size (benchmarks compare several on one built index). */
  setEf(ef: number): void {
    this.hnsw.setEf((this.ef = ef));
  }

  get size(): number {
    return this.entries.size;
  }

  has(label: number): boolean {
    return this.entries.has(label);
  }

  /** Adds a template; adding one that is already there is a no-op (replays are harmless). */
  add(entry: IndexEntry, descriptor: ArrayLike<number>): void {
    if (descriptor.length !== this.dimension) {
      throw new RangeError(`descriptor has ${descriptor.length} values, expected ${this.dimension}`);
    }
    if (this.saving) {
      const copy = Array.from(descriptor);
      this.queued.push(() => this.add(entry, copy));
      return;
    }
    if (this.entries.has(entry.label)) return;
    const reuseSlot = this.deletedSlots > 0;
    if (!reuseSlot && this.hnsw.getCurrentCount() >= this.hnsw.getMaxElements()) {
      this.hnsw.resizeIndex(Math.max(1024, this.hnsw.getMaxElements() * 2));
    }
    this.hnsw.addPoint(Array.from(descriptor), entry.label, reuseSlot);
    if (reuseSlot) this.deletedSlots--;
    this.entries.set(entry);
    if (this.efSearch === undefined && (this.entries.size & 1023) === 0) this.tuneEf();
  }

  /** Removes one template by its label; returns whether it was there. */
  remove(label: number): boolean {
    if (!this.entries.has(label)) return false;
    if (this.saving) {
      this.queued.push(() => this.remove(label));
      return true;
    }
    this.hnsw.markDelete(label);
    this.deletedSlots++;
    this.entries.delete(label);
    return true;
  }

  /** Removes every template of a member; returns how many there were. */
  removeMember(memberId: string): number {
    const labels = this.entries.labelsOf(memberId);
    for (const label of labels) this.remove(label);
    return labels.length;
  }

  /** Members with at least one template here. */
  get memberCount(): number {
    return this.entries.memberCount;
  }

  memberIds(): string[] {
    return this.entries.members();
  }

  templateCountOf(memberId: string): number {
    return this.entries.countOf(memberId);
  }

  templatesOf(memberId: string): IndexEntry[] {
    return this.entries.labelsOf(memberId).map((label) => this.entries.get(label)!);
  }

  /** The k nearest templates, nearest first (approximate: HNSW). */
  search(descriptor: ArrayLike<number>, k: number): IndexHit[] {
    if (descriptor.length !== this.dimension) {
      throw new RangeError(`descriptor has ${descriptor.length} values, expected ${this.dimension}`);
    }
    const wanted = Math.min(k, this.entries.size);
    if (wanted <= 0) return [];
    const { neighbors, distances } = this.hnsw.searchKnn(Array.from(descriptor), wanted);
    return neighbors.map((label, i) => ({ ...this.entries.get(label)!, distance: Math.sqrt(Math.max(0, distances[i]!)) }));
  }

  /** Exact distances from a descriptor to every template of one member, nearest first (1:1). */
  distancesToMember(memberId: string, descriptor: ArrayLike<number>): IndexHit[] {
    return this.templatesOf(memberId)
      .map((entry) => ({ ...entry, distance: euclideanDistance(descriptor, this.hnsw.getPoint(entry.label)) }))
      .sort((a, b) => a.distance - b.distance);
  }

  /** The stored descriptor of a template (as the index holds it). */
  descriptorOf(label: number): number[] | undefined {
    return this.entries.has(label) ? this.hnsw.getPoint(label) : undefined;
  }
}
