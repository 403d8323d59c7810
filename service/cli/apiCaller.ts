import { setTimeout as sleep } from 'node:timers/promises';
import { IMAGE_FORMATS, imageFormatOfFileName } from '../../models/imageFormats.js';
import { exponentialBackoff } from '../shared/backoff.js';
/**
 * The CLI talks to a running service over HTTP with an API key, so it works against a remote
 * deployment as well as a local one.
 */
export interface ApiTarget {
  url: string;
  key: string;
  /** Told before each wait for a 429 or 503 (the seconds, and the code): a progress bar shows it. */
  onWait?: (seconds: number, code: string) => void;
}

/** Answers that say "later": the key's rate limit, or the service shedding load or warming up. */
const RETRYABLE = new Set([429, 503]);
/** Waits a call may sit through before its error is given up to the caller (about 20 minutes at most). */
const MAX_WAITS = 30;
const FIRST_WAIT_S = 1;
const LONGEST_WAIT_S = 60;

/** The seconds a `Retry-After` header asks for (seconds or an HTTP date), if it says anything. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/**
 * Sends a request, and again while the service answers 429 or 503: after the `Retry-After` it
 * gives, else after a backoff (1 s, doubling to a minute, with jitter), at most MAX_WAITS times.
 */
async function send(target: ApiTarget, path: string, init: RequestInit): Promise<Response> {
  for (let waits = 0; ; waits++) {
    const res = await fetch(new URL(path, target.url), init);
    if (!RETRYABLE.has(res.status) || waits >= MAX_WAITS) return res;
    const asked = retryAfterSeconds(res.headers.get('retry-after'));
    const seconds = asked ?? exponentialBackoff(waits, FIRST_WAIT_S, LONGEST_WAIT_S) * (0.5 + Math.random() / 2);
    const code = ((await res.json().catch(() => undefined)) as { error?: { code?: string } } | undefined)?.error?.code ?? String(res.status);
    target.onWait?.(seconds, code);
    await sleep(seconds * 1000);
  }
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, error?.code ?? String(res.status), error?.message ?? text, json);
  }
  return json as T;
}

/** Sends a photo as raw bytes (the service sniffs the real format). */
export async function postImage<T>(target: ApiTarget, path: string, bytes: Buffer, fileName: string): Promise<T> {
  const format = imageFormatOfFileName(fileName);
  const res = await send(target, path, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.key}`, 'content-type': format ? IMAGE_FORMATS[format].mediaType : 'application/octet-stream' },
    body: new Uint8Array(bytes),
  });
  return answer<T>(res);
}

export async function callApi<T>(target: ApiTarget, method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(target, path, {
    method,
    headers: { authorization: `Bearer ${target.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer<T>(res);
}

/** --url / VISAGE_URL and --key / VISAGE_KEY. */
export function targetFrom(options: { url?: string; key?: string }): ApiTarget {
  const url = options.url ?? process.env.VISAGE_URL ?? 'http://127.0.0.1:8080';
  const key = options.key ?? process.env.VISAGE_KEY;
  if (!key) throw new Error('an API key is needed: --key <key> or VISAGE_KEY');
  return { url, key };
}
