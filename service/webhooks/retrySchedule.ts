import { exponentialBackoff } from '../shared/backoff.js';

/** How deliveries are retried: exponential backoff with jitter, within a window (24 h by default). */
export interface RetryPolicy {
  /** The wait after the first failed attempt, seconds; it doubles with each further failure. */
  baseSeconds: number;
  /** The longest wait between two attempts, seconds. */
  maxSeconds: number;
  /** Retries stop this many hours after the delivery was queued (or re-sent); it is then failed. */
  windowHours: number;
}

/**
 * Seconds until the next attempt after `failedAttempts` failures: base·2^(n−1), capped, then
 * "equal jitter" — half of it fixed, half random — so that receivers coming back from an outage
 * are not hit by every replica's retries in the same second, while the wait still grows.
 */
export function retryDelaySeconds(failedAttempts: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = exponentialBackoff(failedAttempts - 1, policy.baseSeconds, policy.maxSeconds);
  return exponential / 2 + (random() * exponential) / 2;
}
