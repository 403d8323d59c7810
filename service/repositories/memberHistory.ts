import type { Queryable } from '../db/pool.js';
import { toPage, type Page, type PageCursor } from './pageCursor.js';

/** A table of a member's events, paged newest first by (time, key). Names are the repositories' constants, never input. */
export interface HistoryTable<R> {
  table: 'visits' | 'purchases';
  time: keyof R & string;
  key: keyof R & string;
  keyType: 'uuid' | 'text';
}

/** One page of a member's events, newest first, after the cursor (keyset pagination: stable under inserts). */
export async function historyPage<R extends object, T>(
  db: Queryable,
  source: HistoryTable<R>,
  memberId: string,
  limit: number,
  after: PageCursor | undefined,
  view: (row: R) => T,
): Promise<Page<T>> {
  const { table, time, key, keyType } = source;
  const { rows } = await db.query<R>(
    `SELECT * FROM ${table} WHERE member_id = $1
       AND ($2::timestamptz IS NULL OR (${time}, ${key}) < ($2, $3::${keyType}))
     ORDER BY ${time} DESC, ${key} DESC LIMIT $4`,
    [memberId, after?.at ?? null, after?.id ?? null, limit + 1],
  );
  return toPage(rows, limit, view, (row) => ({ at: row[time] as Date, id: String(row[key]) }));
}
