import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { decodeCursor, encodeCursor, toPage } from './pageCursor.js';

describe('page cursors', () => {
  it('round-trips the last row of a page and refuses anything else', () => {
    const cursor = { at: new Date('2026-11-24T10:00:00.123Z'), id: 'b75c892f-044f-4894-b2c7-f25601772517' };
    expect(decodeCursor(encodeCursor(cursor), /^[0-9a-f-]{36}$/)).toEqual(cursor);
    for (const bad of ['', 'garbage', Buffer.from('["not a time","x"]').toString('base64url'), Buffer.from('{}').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(AppError);
    }
    expect(() => decodeCursor(encodeCursor({ at: new Date(), id: "1' OR 1=1" }), /^[0-9a-f-]{36}$/)).toThrow(AppError);
  });

  it('makes a page of limit rows and a cursor only when more rows exist', () => {
    const rows = [1, 2, 3].map((n) => ({ n, at: new Date(2026, 0, n) }));
    const page = toPage(rows, 2, (r) => r.n, (r) => ({ at: r.at, id: String(r.n) }));
    expect(page.items).toEqual([1, 2]);
    expect(decodeCursor(page.nextCursor!).id).toBe('2');
    expect(toPage(rows.slice(0, 2), 2, (r) => r.n, (r) => ({ at: r.at, id: String(r.n) })).nextCursor).toBeNull();
  });
});
