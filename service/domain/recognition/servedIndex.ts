import type { Logger } from 'pino';
import { euclideanDistance, type FaceIndex, type IndexHit } from '../../../index/faceIndex.js';
import type { DescriptorModel } from '../../../models/faceModels.js';
import type { FaceTemplateRepository } from '../../repositories/faceTemplateRepository.js';
import type { MallPartitions } from './mallPartitions.js';

/** Members whose templates are read in one query when they join this replica's malls. */
const LOAD_CHUNK = 1_000;

/**
 * What this replica's index holds. Serving every mall (the default), the whole group: the change
 * log keeps it. Serving some malls (SERVE_MALLS), only their regulars: the change log brings
 * their templates (the repositories filter by `scope`), members who join the malls later (a visit,
 * a purchase, a second factor here or on another replica) are read from PostgreSQL when the
 * partitions are read, or at once when this replica made them regulars; members who left are
 * dropped at the partitions' whole reads. Loading runs between the change log's catch-ups, so a
 * removal committed after the read is applied after the load, never before it.
 */
export class ServedIndex {
  /** Members already read from PostgreSQL (whatever they had): not read again at every refresh. */
  private loaded = new Set<string>();
  /** The group's templates in PostgreSQL (for a replica that does not hold them all). */
  private groupCount = 0;

  constructor(
    private readonly deps: {
      index: FaceIndex;
      partitions: MallPartitions;
      templates: Pick<FaceTemplateRepository, 'forMembers' | 'countOfModel' | 'allOfModel'>;
      model: DescriptorModel;
      serveMalls: 'all' | readonly string[];
      /** Runs work between the change log's catch-ups (IndexSync.exclusive). */
      exclusive: <T>(work: () => Promise<T>) => Promise<T>;
      logger: Logger;
    },
  ) {}

  /** Whether the replica holds every mall's members (the whole group). */
  get holdsGroup(): boolean {
    return this.deps.serveMalls === 'all';
  }

  /** Whether this replica holds the member's templates (all, or a regular of a served mall). */
  holds(memberId: string): boolean {
    return this.holdsGroup || this.deps.partitions.isRegular(memberId);
  }

  /** The whole group's size in templates: the index's when it holds the group, else PostgreSQL's count (read with the partitions). */
  groupTemplates(): number {
    return this.holdsGroup ? this.deps.index.size : this.groupCount;
  }

  /**
   * The whole group's nearest templates: the index's when it holds the group; else an exact
   * search of PostgreSQL's templates (only ever asked while the group is small enough to search).
   */
  async nearestInGroup(descriptor: ArrayLike<number>, k: number): Promise<IndexHit[]> {
    if (this.holdsGroup) return this.deps.index.search(descriptor, k);
    const hits = (await this.deps.templates.allOfModel(this.deps.model)).map((t) => ({
      label: t.label,
      templateId: t.id,
      memberId: t.memberId,
      distance: euclideanDistance(descriptor, t.descriptor),
    }));
    return hits.sort((a, b) => a.distance - b.distance).slice(0, k);
  }

  /** Reads the partitions again, then brings the index in line with them. */
  async refresh(): Promise<void> {
    const full = await this.deps.partitions.refresh();
    if (this.holdsGroup) return;
    this.groupCount = await this.deps.templates.countOfModel(this.deps.model);
    const wanted = this.deps.partitions.allRegulars();
    if (full) {
      let dropped = 0;
      for (const memberId of this.deps.index.memberIds()) if (!wanted.has(memberId)) dropped += this.deps.index.removeMember(memberId);
      this.loaded = new Set([...this.loaded].filter((id) => wanted.has(id)));
      if (dropped > 0) this.deps.logger.info({ dropped }, "templates of members no longer regulars of this replica's malls dropped");
    }
    await this.load([...wanted].filter((id) => !this.loaded.has(id) && this.deps.index.templateCountOf(id) === 0));
  }

  /** A member this replica just made a regular of a mall: searchable here before the answer goes out. */
  async join(mallId: string, memberId: string): Promise<void> {
    this.deps.partitions.addRegular(mallId, memberId);
    if (this.holdsGroup || !this.deps.partitions.serves(mallId)) return;
    this.loaded.delete(memberId);
    await this.load([memberId]);
  }

  private async load(memberIds: string[]): Promise<void> {
    const { index, templates, model, exclusive } = this.deps;
    for (let i = 0; i < memberIds.length; i += LOAD_CHUNK) {
      const chunk = memberIds.slice(i, i + LOAD_CHUNK);
      await exclusive(async () => {
        for (const t of await templates.forMembers(chunk, model)) index.add({ label: t.label, templateId: t.id, memberId: t.memberId }, t.descriptor);
      });
      for (const id of chunk) this.loaded.add(id);
    }
  }
}
