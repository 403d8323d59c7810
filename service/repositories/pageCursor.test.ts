import { describe, expect, it } from 'vitest';
import { encodeCursor, readCursor, toPage } from './pageCursor.js';

describe('page cursors', () => {
  it('round-trips a cursor and refuses what it did not give out', () => {
    const cursor = { at: new Date('2026-01-02T03:04:05.678Z'), id: '0d0c4f58-8a0e-4a54-9a4e-2f4d1b2f2b11' };
    expect(readCursor(encodeCursor(cursor))).toEqual(cursor);
    for (const bad of ['', 'not-base64!', Buffer.from('[1]').toString('base64url'), Buffer.from('["nope","x"]').toString('base64url')]) {
      expect(readCursor(bad)).toBeUndefined();
    }
  });

  it('gives a next cursor only when there is more', () => {
    const rows = [1, 2, 3].map((n) => ({ n, at: new Date(n * 1000) }));
    const page = toPage(rows, 2, (row) => row.n, (row) => ({ at: row.at, id: String(row.n) }));
    expect(page.items).toEqual([1, 2]);
    expect(readCursor(page.nextCursor!)!.id).toBe('2');
    expect(toPage(rows, 3, (row) => row.n, (row) => ({ at: row.at, id: String(row.n) })).nextCursor).toBeNull();
  });
});
