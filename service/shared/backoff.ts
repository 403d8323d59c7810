/**
 * The wait before retry number `retry` (0 for the first): `first`, doubling with each retry, never
 * more than `longest`. Callers add their own jitter (camera reconnections, webhook deliveries).
 */
export function exponentialBackoff(retry: number, first: number, longest: number): number {
  return Math.min(longest, first * 2 ** Math.max(0, retry));
}
