import { describe, expect, it } from 'vitest';
import type { VisitRepository } from '../../repositories/visitRepository.js';
import { TodaysVisitors } from './todaysVisitors.js';

/** The visits table's answer, fixed: this tests the local-day bookkeeping, not the query. */
const visitsSeen = (ids: string[]) => ({ memberIdsSinceLocalMidnight: () => Promise.resolve(ids) }) as unknown as VisitRepository;

describe("today's visitors", () => {
  it('keeps the members seen since local midnight and forgets them when the local day changes', async () => {
    let now = new Date('2026-11-24T15:00:00Z'); // 23:00 in Shanghai
    const today = new TodaysVisitors(visitsSeen(['a', 'b']), 'Asia/Shanghai', () => now);
    expect(today.list()).toEqual([]); // not read yet
    await today.refresh();
    today.add('c');
    expect(today.list().sort()).toEqual(['a', 'b', 'c']);
    now = new Date('2026-11-24T16:30:00Z'); // 00:30 the next day in Shanghai (still the 24th in UTC)
    expect(today.list()).toEqual([]);
    today.add('d'); // not counted until the next refresh reads the new day
    expect(today.list()).toEqual([]);
  });
});
