/**
 * The members a replica serving some malls holds: the regulars of those malls (home members, and
 * members active there since `activeSince`). Repositories that feed the index filter by it.
 */
export interface ServedScope {
  mallIds: readonly string[];
  activeSince: Date;
}

/**
 * SQL: whether the member in `column` is in the scope, its malls and time given as parameters
 * `$mallsParam` (text[]) and `$sinceParam` (timestamptz).
 */
export const servedMemberSql = (column: string, mallsParam: number, sinceParam: number): string =>
  `(EXISTS (SELECT 1 FROM members sm WHERE sm.id = ${column} AND sm.home_mall_id = ANY($${mallsParam}::text[]))
    OR EXISTS (SELECT 1 FROM member_mall_activity sa
                WHERE sa.member_id = ${column} AND sa.mall_id = ANY($${mallsParam}::text[]) AND sa.last_at >= $${sinceParam}))`;

/** The scope of a replica serving `serveMalls` at `now` (undefined: it serves every mall, and holds everything). */
export function servedScopeOf(serveMalls: 'all' | readonly string[], regularDays: number, now: Date): ServedScope | undefined {
  return serveMalls === 'all' ? undefined : { mallIds: serveMalls, activeSince: new Date(now.getTime() - regularDays * 86_400_000) };
}
