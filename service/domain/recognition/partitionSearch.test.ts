import { describe, expect, it } from 'vitest';
import { FaceIndex } from '../../../index/faceIndex.js';
import type { FalseMatchCurve } from '../../../models/faceModels.js';
import type { PartitionRepository } from '../../repositories/partitionRepository.js';
import { MatchRule } from './matchRule.js';
import { MallPartitions } from './mallPartitions.js';
import { PartitionSearch } from './partitionSearch.js';
import { PartitionThresholds } from './partitionThresholds.js';

const DIM = 8;
/** A unit vector at `similarity` to the first axis, in the plane of axis `other`. */
const at = (similarity: number, other = 1): number[] => {
  const v = new Array<number>(DIM).fill(0);
  v[0] = similarity;
  v[other] = Math.sqrt(1 - similarity * similarity);
  return v;
};
const probe = at(1);
const thresholds = { match: 0.535, margin: 0.08, today: 0.485, verify: 0.304 };
/** One false match in 100,000 pairs at 0.5, none at 0.6: a partition of 10 may use 0.5, 100 needs 0.6, past 1,000 (target 1%) none. */
const curve: FalseMatchCurve = { pairs: 100_000, source: 'test', points: [[0.4, 1000], [0.5, 10], [0.6, 0]] };

function setUp(options: { groupMaxTemplates?: number; targetFpir?: number } = {}) {
  const index = new FaceIndex({ dimensions: DIM });
  let label = 0;
  const enrol = (memberId: string, descriptor: number[]) => index.add({ label: ++label, templateId: `t${label}`, memberId }, descriptor);
  // Nobody is read from the database here: partitions are filled by what "this replica" records.
  const repository = { mallTimeZones: () => Promise.resolve([]), seenToday: () => Promise.resolve([]), regulars: () => Promise.resolve([]) } as unknown as PartitionRepository;
  const partitions = new MallPartitions(repository, { defaultTimeZone: 'UTC', regularDays: 180 }, () => new Date());
  const rule = new MatchRule('cosine', thresholds);
  const group = { holdsGroup: true, groupTemplates: () => index.size, nearestInGroup: (d: ArrayLike<number>, k: number) => Promise.resolve(index.search(d, k)) };
  const search = new PartitionSearch({
    index,
    partitions,
    group,
    rule,
    thresholds: new PartitionThresholds('cosine', curve),
    options: { targetFpir: options.targetFpir ?? 0.01, groupMaxTemplates: options.groupMaxTemplates },
  });
  return { index, enrol, partitions, search, rule };
}

describe('the partition search', () => {
  it("finds today's visitor at today's looser floor before anything else, and a regular next", async () => {
    const { enrol, partitions, search } = setUp();
    enrol('visitor', at(0.52, 1));
    enrol('regular', at(0.7, 2));
    for (let i = 0; i < 20; i++) enrol(`far-${i}`, at(-0.5, 3 + (i % 5)));
    partitions.addVisit('north', 'visitor');
    partitions.addRegular('north', 'regular');
    // The regular is closer, but those seen today go first; 0.52 is within today's partition's bar but
    // not clearly ahead of the regular (0.7): no guess, the regular is the one.
    expect(await search.decide(probe, 'north')).toMatchObject({ hit: { memberId: 'regular' }, via: 'regulars' });
    // Alone, the visitor is found among those seen today.
    const alone = setUp();
    alone.enrol('visitor', at(0.52, 1));
    for (let i = 0; i < 20; i++) alone.enrol(`far-${i}`, at(-0.5, 3 + (i % 5)));
    alone.partitions.addVisit('north', 'visitor');
    expect(await alone.search.decide(probe, 'north')).toMatchObject({ hit: { memberId: 'visitor' }, via: 'seen-today' });
    // At another mall the visitor is only a member of the group, below the group's threshold.
    expect(await alone.search.decide(probe, 'south')).toEqual({ unknownReason: 'no_close_member' });
  });

  it('shares the target among the partitions it searches, and tightens each with its size', () => {
    const { enrol, partitions, search } = setUp();
    for (let i = 0; i < 3; i++) {
      enrol(`r${i}`, at(-0.2, 1 + i));
      partitions.addRegular('north', `r${i}`);
    }
    for (let i = 0; i < 200; i++) enrol(`g${i}`, at(-0.3, 1 + (i % 7)));
    const states = Object.fromEntries(search.statesOf('north').map((s) => [s.name, s]));
    expect(states['seen-today']).toMatchObject({ searched: false, skipped: 'empty' });
    // Two partitions share 1%: 3 templates hold 0.5% at the floor; 203 need 0.6 (FMR < 1e-5).
    expect(states.regulars).toMatchObject({ templates: 3, threshold: 0.535, searched: true });
    expect(states.group).toMatchObject({ templates: 203, threshold: 0.6, searched: true });
    expect(states.group!.expectedFpir).toBeLessThanOrEqual(0.005);
  });

  it("searches the group at a threshold fitted on the deployment's own members at its size, where LFW's curve asks more", async () => {
    const { enrol, search, rule } = setUp();
    enrol('member', at(0.57, 1));
    for (let i = 0; i < 202; i++) enrol(`g${i}`, at(-0.3, 2 + (i % 6)));
    const group = () => search.statesOf('north').find((s) => s.name === 'group')!;
    expect(group()).toMatchObject({ templates: 203, threshold: 0.6 }); // LFW's curve at 203 templates and 1%
    expect(await search.decide(probe, 'north')).toEqual({ unknownReason: 'no_close_member' });
    // An admin applied 0.55 from a calibration of these 203 templates: the group is searched at it.
    rule.revise({ ...thresholds, match: 0.55, today: 0.5 }, { templates: 203, targetFpir: 0.01 });
    expect(group()).toMatchObject({ templates: 203, threshold: 0.55, searched: true });
    expect(await search.decide(probe, 'north')).toMatchObject({ hit: { memberId: 'member' }, via: 'group' });
    // The same threshold applied without a fit (before fits were recorded) is a floor under the curve, as it was.
    rule.revise({ ...thresholds, match: 0.55, today: 0.5 });
    expect(group()).toMatchObject({ threshold: 0.6 });
  });

  it('answers needs_second_factor past the group limit, and ambiguous for two look-alikes', async () => {
    const { enrol, partitions, search } = setUp({ groupMaxTemplates: 0 });
    enrol('member', at(0.9, 1));
    expect(await search.decide(probe, 'north')).toEqual({ unknownReason: 'needs_second_factor' });
    partitions.addRegular('north', 'member');
    expect(await search.decide(probe, 'north')).toMatchObject({ hit: { memberId: 'member' }, via: 'regulars' });
    // A look-alike anywhere in the group, even one this mall does not search, makes it a coin toss.
    enrol('twin', at(0.88, 2));
    expect(await search.decide(probe, 'north')).toEqual({ unknownReason: 'ambiguous' });
    expect(search.statesOf('north').find((s) => s.name === 'group')).toMatchObject({ searched: false, skipped: 'too_large' });
  });

  it("searches a mall's regulars as the group when they are the whole group, and only stricter when asked", async () => {
    const { enrol, partitions, search } = setUp();
    enrol('member', at(0.56, 1));
    partitions.addRegular('default', 'member');
    const states = search.statesOf('default');
    expect(states.find((s) => s.name === 'regulars')).toMatchObject({ searched: false, skipped: 'same_as_group' });
    expect(await search.decide(probe, 'default')).toMatchObject({ hit: { memberId: 'member' }, via: 'group' });
    expect(await search.decide(probe, 'default', 0.6)).toEqual({ unknownReason: 'no_close_member' });
  });
});
