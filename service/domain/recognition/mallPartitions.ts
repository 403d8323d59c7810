import { localDate } from '../../shared/timeZones.js';
import type { MallMember, PartitionRepository } from '../../repositories/partitionRepository.js';
import type { Clock } from '../shared/clock.js';

/** How often they are read whole (drops regulars whose window passed, homes that moved). */
const FULL_REFRESH_MS = 10 * 60_000;
const DAY_MS = 86_400_000;

/** The default mall: a deployment that never names a mall runs as this one. */
export const DEFAULT_MALL = 'default';

interface MallSets {
  today: Set<string>;
  regulars: Set<string>;
  /** Changes whenever this mall's partitions may have (a visit elsewhere leaves it alone). */
  version: number;
  /** The local day `today` belongs to ('' until read). */
  day: string;
  timeZone: string;
}

/**
 * Who is in each mall's partitions, in memory: those seen today (seen by the mall's cameras since
 * its local midnight) and its regulars (home members, and members who visited, bought or were
 * found by a second factor there within `regularDays`). A till searches these before the whole
 * group (service/domain/recognition/partitionSearch.ts). Read from PostgreSQL every
 * PARTITIONS_REFRESH_SECONDS (what changed; all of it every 10 minutes), so every replica sees every replica's activity, and added
 * to at once for what this replica records.
 */
export class MallPartitions {
  private readonly malls = new Map<string, MallSets>();
  private lastRead: Date | undefined;
  private lastFullRead = 0;
  /** Bumped at every read: each mall's version starts from it, so no mall's version repeats. */
  private reads = 0;

  constructor(
    private readonly repository: PartitionRepository,
    private readonly options: { defaultTimeZone: string; regularDays: number; serveMalls?: 'all' | readonly string[] },
    private readonly clock: Clock,
  ) {}

  private localDay(timeZone: string): string {
    return localDate(this.clock(), timeZone);
  }

  private sets(mallId: string): MallSets | undefined {
    if (!this.serves(mallId)) return undefined;
    let sets = this.malls.get(mallId);
    if (!sets) {
      const timeZone = this.options.defaultTimeZone;
      sets = { today: new Set(), regulars: new Set(), version: this.reads * 1_000_000_000, day: this.localDay(timeZone), timeZone };
      this.malls.set(mallId, sets);
    }
    return sets;
  }

  /** Changes whenever the mall's partitions may have: readers keep derived data (galleries) until it moves. */
  versionOf(mallId: string): number {
    const sets = this.malls.get(mallId);
    if (!sets) return -1;
    // The day's turn empties those seen today without a write: it counts as a change.
    return this.localDay(sets.timeZone) === sets.day ? sets.version : -2 - sets.version;
  }

  /** The mall's time zone as last read here (served malls); undefined for a mall not known here. */
  timeZoneOf(mallId: string): string | undefined {
    return this.malls.get(mallId)?.timeZone;
  }

  /** The malls known here (the served ones). */
  mallIds(): string[] {
    return [...this.malls.keys()];
  }

  /** Whether this replica serves the mall (SERVE_MALLS). */
  serves(mallId: string): boolean {
    const served = this.options.serveMalls ?? 'all';
    return served === 'all' || served.includes(mallId);
  }

  /** When regular activity must have happened since to count (REGULAR_DAYS before now). */
  activeSince(): Date {
    return new Date(this.clock().getTime() - this.options.regularDays * DAY_MS);
  }

  /** Whether the member is a regular of any served mall. */
  isRegular(memberId: string): boolean {
    for (const sets of this.malls.values()) if (sets.regulars.has(memberId)) return true;
    return false;
  }

  /** Every regular of every served mall (the members a replica serving some malls holds). */
  allRegulars(): Set<string> {
    const all = new Set<string>();
    for (const sets of this.malls.values()) for (const memberId of sets.regulars) all.add(memberId);
    return all;
  }

  /** Members seen at the mall today (empty once its local midnight has passed, until the next read). */
  todayOf(mallId: string): ReadonlySet<string> {
    const sets = this.malls.get(mallId);
    if (!sets || this.localDay(sets.timeZone) !== sets.day) return new Set();
    return sets.today;
  }

  regularsOf(mallId: string): ReadonlySet<string> {
    return this.malls.get(mallId)?.regulars ?? new Set();
  }

  /** A visit this replica recorded: the member is today's visitor and a regular of the mall. */
  addVisit(mallId: string, memberId: string): void {
    const sets = this.sets(mallId);
    if (!sets || this.localDay(sets.timeZone) !== sets.day) return; // not served here; or the next read starts the new day
    if (!sets.today.has(memberId) || !sets.regulars.has(memberId)) {
      sets.today.add(memberId);
      sets.regulars.add(memberId);
      sets.version++;
    }
  }

  /** A member who became a regular here (a second factor, a purchase, a new home). */
  addRegular(mallId: string, memberId: string): void {
    const sets = this.sets(mallId);
    if (sets && !sets.regulars.has(memberId)) {
      sets.regulars.add(memberId);
      sets.version++;
    }
  }

  /** Reads the partitions again; returns whether it was a whole read (regulars who left are gone after one). */
  async refresh(): Promise<boolean> {
    const now = this.clock();
    const full = !this.lastRead || now.getTime() - this.lastFullRead >= FULL_REFRESH_MS;
    const activeSince = this.activeSince();
    // A little overlap: a row committed late with an earlier timestamp is still read.
    const changedSince = full ? undefined : new Date(this.lastRead!.getTime() - 60_000);
    const [zones, today, regulars] = await Promise.all([
      this.repository.mallTimeZones(this.options.defaultTimeZone),
      this.repository.seenToday(now, this.options.defaultTimeZone),
      this.repository.regulars(activeSince, changedSince),
    ]);
    this.reads++;
    const next = new Map<string, MallSets>();
    for (const { mallId, timeZone } of zones) {
      if (!this.serves(mallId)) continue;
      const previous = this.malls.get(mallId);
      const regulars = full || !previous ? new Set<string>() : previous.regulars;
      next.set(mallId, { today: new Set(), regulars, version: this.reads * 1_000_000_000, day: this.localDay(timeZone), timeZone });
    }
    const add = (members: MallMember[], pick: (sets: MallSets) => Set<string>) => {
      for (const { mallId, memberId } of members) {
        const sets = next.get(mallId);
        if (sets) pick(sets).add(memberId);
      }
    };
    add(today, (sets) => sets.today);
    add(regulars, (sets) => sets.regulars);
    add(today, (sets) => sets.regulars); // a visit today is activity within any window
    this.malls.clear();
    for (const [mallId, sets] of next) this.malls.set(mallId, sets);
    this.lastRead = now;
    if (full) this.lastFullRead = now.getTime();
    return full;
  }
}
