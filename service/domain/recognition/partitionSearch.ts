import type { FaceIndex, IndexHit } from '../../../index/faceIndex.js';
import type { MatchRule, UnknownReason } from './matchRule.js';
import type { MallPartitions } from './mallPartitions.js';
import { PartitionGallery } from './partitionGallery.js';
import type { PartitionThresholds } from './partitionThresholds.js';
import type { ServedIndex } from './servedIndex.js';

/** Templates read from the whole group's index per search: enough to find the best *different* member. */
export const NEIGHBOURS_FOR_DECISION = 10;

export type PartitionName = 'seen-today' | 'regulars' | 'group';

/** A partition as a search sees it: its size, and the threshold it is searched at (or why not). */
export interface PartitionState {
  name: PartitionName;
  templates: number;
  /** Null for the group of a replica that does not hold it (its size is PostgreSQL's template count). */
  members: number | null;
  /** In the model's scale; null when the partition is not searched. */
  threshold: number | null;
  /** The expected share of strangers matched to someone in it at that threshold (null: not searched, or no measured curve). */
  expectedFpir: number | null;
  searched: boolean;
  /** Why it is not searched: empty; too large for the target (a second factor is needed); the same templates as the group. */
  skipped?: 'empty' | 'too_large' | 'same_as_group';
}

export interface PartitionDecision {
  hit?: IndexHit;
  /** The partition the member was found in ('group': the whole group's index). */
  via?: PartitionName;
  unknownReason?: UnknownReason;
}

interface MallPlan {
  today: PartitionGallery;
  regulars: PartitionGallery;
  version: number;
  indexSize: number;
  /** The match rule's revision the thresholds were derived from (an admin may apply others). */
  ruleRevision: number;
  states: PartitionState[];
}

export interface PartitionSearchOptions {
  /** The expected FPIR one search may have, over every partition it searches (TARGET_FPIR). */
  targetFpir: number;
  /** The largest group searched without a second factor; undefined: what the target allows. */
  groupMaxTemplates: number | undefined;
}

/**
 * 1:N identification at a mall: those seen today at the mall, then its regulars, then the whole
 * group while its size still allows, each partition at the threshold that holds the target FPIR
 * at its current size (PartitionThresholds). The target is shared equally by the partitions a
 * search goes through (a stranger's false match in any of them counts once). A member found in
 * a partition must still lead the best *different* member of that partition and of the whole
 * group by the margin: the look-alike guard looks everywhere. Past the group's limit, a face no
 * partition knows is `needs_second_factor`, not a guess.
 */
export class PartitionSearch {
  private readonly plans = new Map<string, MallPlan>();

  constructor(
    private readonly deps: {
      index: FaceIndex;
      partitions: MallPartitions;
      /** The whole group: its size, and its nearest templates (the index, or PostgreSQL for a replica serving some malls). */
      group: Pick<ServedIndex, 'groupTemplates' | 'nearestInGroup' | 'holdsGroup'>;
      rule: MatchRule;
      thresholds: PartitionThresholds;
      options: PartitionSearchOptions;
    },
  ) {}

  /** The partitions of a mall as searches see them now. */
  statesOf(mallId: string): PartitionState[] {
    return this.plan(mallId).states;
  }

  /** How each mall is searched (GET /v1/admin/recognition): its partitions and the expected FPIR of a search there. */
  report(mallIds: readonly string[]) {
    const { options, thresholds } = this.deps;
    return {
      targetFpir: options.targetFpir,
      groupMaxTemplates: options.groupMaxTemplates ?? null,
      curve: thresholds.source ?? null,
      malls: mallIds.map((mallId) => {
        // The search counts a large partition only past its limit; the report says how large it is.
        const regulars = this.deps.partitions.regularsOf(mallId);
        const partitions = this.statesOf(mallId).map((p) => (p.name === 'regulars' ? { ...p, templates: countTemplates(this.deps.index, regulars) } : p));
        const searched = partitions.filter((p) => p.searched);
        const unmeasured = searched.some((p) => p.expectedFpir === null);
        return { mallId, partitions, expectedFpir: unmeasured ? null : searched.reduce((sum, p) => sum + p.expectedFpir!, 0) };
      }),
    };
  }

  private plan(mallId: string): MallPlan {
    const { index, partitions } = this.deps;
    let plan = this.plans.get(mallId);
    const version = partitions.versionOf(mallId);
    const { revision } = this.deps.rule;
    if (plan && plan.version === version && plan.indexSize === index.size && plan.ruleRevision === revision) return plan;
    plan ??= { today: new PartitionGallery(index), regulars: new PartitionGallery(index), version: -1, indexSize: -1, ruleRevision: -1, states: [] };
    plan.version = version;
    plan.indexSize = index.size;
    plan.ruleRevision = revision;
    plan.states = this.statesFor(plan, partitions.todayOf(mallId), partitions.regularsOf(mallId));
    this.plans.set(mallId, plan);
    return plan;
  }

  private statesFor(plan: MallPlan, today: ReadonlySet<string>, regulars: ReadonlySet<string>): PartitionState[] {
    const { index, rule, thresholds, options } = this.deps;
    // Counted only as far as a partition could ever be searched: a mall whose regulars are a
    // million members must not cost a million look-ups at every visit.
    const regularTemplates = countTemplates(index, regulars, thresholds.maxTemplates(options.targetFpir));
    const group = this.deps.group.groupTemplates();
    plan.today.sync(today);
    const candidates: { name: PartitionName; templates: number; members: number | null; floor: number; skip?: PartitionState['skipped'] }[] = [
      { name: 'seen-today', templates: plan.today.templates, members: today.size, floor: rule.thresholds.today },
      { name: 'regulars', templates: regularTemplates, members: regulars.size, floor: rule.thresholds.match },
      { name: 'group', templates: group, members: this.deps.group.holdsGroup ? index.memberCount : null, floor: rule.thresholds.match },
    ];
    const [, regularsCandidate, groupCandidate] = candidates as [unknown, (typeof candidates)[number], (typeof candidates)[number]];
    for (const c of candidates) if (c.templates === 0) c.skip = 'empty';
    // Regulars are part of the group: the same size is the same set, searched once (as the group, while it may be).
    const regularsAreGroup = regularTemplates === group;
    // The target is shared by the partitions a search goes through; the group only while it is small enough.
    const distinct = candidates.filter((c) => !c.skip && !(c === regularsCandidate && regularsAreGroup)).length;
    // A threshold fitted on the deployment's own members holds the group at the size it was fitted for.
    const groupMax = options.groupMaxTemplates ?? Math.max(thresholds.maxTemplates(options.targetFpir / Math.max(1, distinct)), rule.fit?.templates ?? 0);
    if (!groupCandidate.skip && group > groupMax) groupCandidate.skip = 'too_large';
    else if (!regularsCandidate.skip && regularsAreGroup) regularsCandidate.skip = 'same_as_group';
    const share = options.targetFpir / Math.max(1, candidates.filter((c) => !c.skip).length);
    const states = candidates.map(({ name, templates, members, floor, skip }): PartitionState => {
      const base = { name, templates, members };
      if (skip) return { ...base, threshold: null, expectedFpir: null, searched: false, skipped: skip };
      // A GROUP_SEARCH_MAX_TEMPLATES past what the curve holds searches at its strictest measured threshold.
      const set = thresholds.forSize(templates, share, floor, rule.fit) ?? (name === 'group' ? thresholds.strictest(templates) : undefined);
      if (!set) return { ...base, threshold: null, expectedFpir: null, searched: false, skipped: 'too_large' };
      return { ...base, threshold: set.threshold, expectedFpir: set.expectedFpir, searched: true };
    });
    // A partition that is not searched is never copied (its templates may be many).
    plan.regulars.sync(states[1]!.searched ? regulars : new Set());
    return states;
  }

  /**
   * The member a descriptor is at a mall, and where they were found; `requested` (a stricter
   * threshold a request asked for) tightens every partition.
   */
  async decide(descriptor: ArrayLike<number>, mallId: string, requested?: number): Promise<PartitionDecision> {
    const { index, rule } = this.deps;
    const plan = this.plan(mallId);
    const stateOf = (name: PartitionName) => plan.states.find((s) => s.name === name)!;
    // The look-alike guard reads the group's nearest: the whole group's when it is searched, else what this replica holds.
    const nearest = stateOf('group').searched ? await this.deps.group.nearestInGroup(descriptor, NEIGHBOURS_FOR_DECISION) : index.search(descriptor, NEIGHBOURS_FOR_DECISION);
    const bar = (state: PartitionState) => (requested === undefined ? state.threshold! : rule.stricter(state.threshold!, requested));
    let ambiguous = false;
    for (const [name, gallery] of [['seen-today', plan.today], ['regulars', plan.regulars]] as const) {
      const state = stateOf(name);
      if (!state.searched) continue;
      const ranked = gallery.rank(descriptor);
      const best = ranked[0];
      if (!best || !rule.within(best.distance, bar(state))) continue;
      const rivals = [ranked.find((h) => h.memberId !== best.memberId), nearest.find((h) => h.memberId !== best.memberId)];
      if (rivals.every((rival) => rule.clearlyAhead(best, rival))) return { hit: best, via: name };
      ambiguous = true;
    }
    const group = stateOf('group');
    if (group.searched) {
      const decision = rule.decide(nearest, bar(group));
      if (decision.hit) return { hit: decision.hit, via: 'group' };
      return { unknownReason: ambiguous ? 'ambiguous' : decision.unknownReason };
    }
    if (ambiguous) return { unknownReason: 'ambiguous' };
    return { unknownReason: group.skipped === 'too_large' ? 'needs_second_factor' : 'no_close_member' };
  }
}

/** Templates the index holds for a set of members, counted up to one past `cap`. */
function countTemplates(index: FaceIndex, members: ReadonlySet<string>, cap = Number.POSITIVE_INFINITY): number {
  let count = 0;
  for (const memberId of members) {
    count += index.templateCountOf(memberId);
    if (count > cap) return cap + 1;
  }
  return count;
}
