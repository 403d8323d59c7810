import { describe, expect, it } from 'vitest';
import type { MallMember, PartitionRepository } from '../../repositories/partitionRepository.js';
import { MallPartitions } from './mallPartitions.js';

/** The database's answers, fixed: this tests the per-mall, local-day bookkeeping, not the queries. */
function repository(state: { zones: Record<string, string | null>; today: MallMember[]; regulars: MallMember[] }) {
  const calls: (Date | undefined)[] = [];
  const repo = {
    mallTimeZones: (fallback: string) => Promise.resolve(Object.entries(state.zones).map(([mallId, tz]) => ({ mallId, timeZone: tz ?? fallback }))),
    seenToday: () => Promise.resolve(state.today),
    regulars: (_since: Date, changedSince?: Date) => {
      calls.push(changedSince);
      return Promise.resolve(state.regulars);
    },
    touch: () => Promise.resolve(),
  } as unknown as PartitionRepository;
  return { repo, calls };
}

describe("a mall's partitions", () => {
  it("keeps each mall's people seen today by its own local day and forgets them when that day ends", async () => {
    let now = new Date('2026-11-24T15:00:00Z'); // 23:00 in Shanghai, 15:00 in London
    const { repo } = repository({
      zones: { sh: 'Asia/Shanghai', ldn: 'Europe/London' },
      today: [{ mallId: 'sh', memberId: 'a' }, { mallId: 'sh', memberId: 'b' }, { mallId: 'ldn', memberId: 'z' }],
      regulars: [],
    });
    const partitions = new MallPartitions(repo, { defaultTimeZone: 'UTC', regularDays: 180 }, () => now);
    expect([...partitions.todayOf('sh')]).toEqual([]); // not read yet
    await partitions.refresh();
    partitions.addVisit('sh', 'c');
    expect([...partitions.todayOf('sh')].sort()).toEqual(['a', 'b', 'c']);
    expect([...partitions.todayOf('ldn')]).toEqual(['z']);
    // A visit today is activity: those seen today are regulars too.
    expect([...partitions.regularsOf('sh')].sort()).toEqual(['a', 'b', 'c']);
    now = new Date('2026-11-24T16:30:00Z'); // 00:30 the next day in Shanghai, still the 24th in London
    expect([...partitions.todayOf('sh')]).toEqual([]);
    expect([...partitions.todayOf('ldn')]).toEqual(['z']);
    partitions.addVisit('sh', 'd'); // not counted until the next read starts the new day
    expect([...partitions.todayOf('sh')]).toEqual([]);
    expect(partitions.regularsOf('sh').has('c')).toBe(true); // regulars outlive the day
  });

  it('reads what changed every time and everything now and then, and keeps the regulars it added itself', async () => {
    let now = new Date('2026-11-24T10:00:00Z');
    const state = { zones: { a: null }, today: [], regulars: [{ mallId: 'a', memberId: 'home' }] as MallMember[] };
    const { repo, calls } = repository(state);
    const partitions = new MallPartitions(repo, { defaultTimeZone: 'UTC', regularDays: 180 }, () => now);
    await partitions.refresh();
    expect(calls.at(-1)).toBeUndefined(); // the first read is whole
    partitions.addRegular('a', 'found-by-phone');
    const version = partitions.versionOf('a');
    state.regulars = [{ mallId: 'a', memberId: 'new-buyer' }];
    now = new Date(now.getTime() + 30_000);
    await partitions.refresh();
    expect(calls.at(-1)).toBeInstanceOf(Date); // only what changed
    expect([...partitions.regularsOf('a')].sort()).toEqual(['found-by-phone', 'home', 'new-buyer']);
    expect(partitions.versionOf('a')).not.toBe(version);
    now = new Date(now.getTime() + 11 * 60_000);
    state.regulars = [{ mallId: 'a', memberId: 'home' }];
    await partitions.refresh();
    expect(calls.at(-1)).toBeUndefined(); // whole again: who left the window is gone
    expect([...partitions.regularsOf('a')]).toEqual(['home']);
  });
});
