/**
 * Keyset pagination over (time, id), newest first. The cursor is opaque to clients: the last
 * row's time and id, base64url-encoded.
 */
export interface PageCursor {
  at: Date;
  id: string;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.at.toISOString(), cursor.id])).toString('base64url');
}

/** Reads a cursor back; undefined for anything this API did not give out (the caller says how to answer). */
export function readCursor(value: string): PageCursor | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown[];
    const date = new Date(String(at));
    if (typeof id !== 'string' || id.length > 200 || Number.isNaN(date.getTime())) return undefined;
    return { at: date, id };
  } catch {
    return undefined;
  }
}

/** Turns `limit + 1` fetched rows into a page and the cursor after it. */
export function toPage<R, T>(rows: R[], limit: number, view: (row: R) => T, key: (row: R) => PageCursor): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(view), nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}
