import net from 'node:net';
import { Webhook } from 'standardwebhooks';
import { Agent, fetch, type Response } from 'undici';
import type { AttemptResult } from '../repositories/webhookDeliveryRepository.js';
import { forbiddenAddress, type WebhookAddressGuard } from './webhookAddressGuard.js';

/** Where a delivery goes and the secrets it is signed with (two during a rotation's grace). */
export interface WebhookTarget {
  url: string;
  secrets: string[];
}

/** The longest error text kept with a delivery: the receiver's own words are not stored at length. */
const MAX_ERROR_CHARS = 200;

/**
 * Sends one event by the Standard Webhooks convention: a JSON body, `webhook-id` (the event's id,
 * the same on every attempt, so receivers drop duplicates), `webhook-timestamp` (this attempt, in
 * seconds) and `webhook-signature` (HMAC-SHA256 of id.timestamp.body with the subscription's
 * secret, and with the previous one too while a rotation's grace lasts). A 2xx answer is delivered; anything else, a redirect included, is retried. The answer's
 * body is read and thrown away: nothing a receiver says is stored but its status.
 */
export interface SendOptions {
  timeoutMs: number;
  userAgent: string;
  /** Where webhooks may go: judged again at every delivery, on the address connected to. */
  guard: WebhookAddressGuard;
}

/** One connection pool per guard, whose DNS lookups the guard filters. */
const agents = new WeakMap<WebhookAddressGuard, Agent>();
const agentOf = (guard: WebhookAddressGuard): Agent => {
  let agent = agents.get(guard);
  if (!agent) agents.set(guard, (agent = new Agent({ connect: { lookup: guard.lookup } })));
  return agent;
};

export async function sendWebhook(target: WebhookTarget, event: { id: string }, options: SendOptions): Promise<AttemptResult> {
  // A literal address is connected to without a lookup: judged here.
  const host = new URL(target.url).hostname.replace(/^\[|\]$/g, '');
  const literal = net.isIP(host) && !options.guard.allowPrivate ? forbiddenAddress(host) : undefined;
  if (literal) return { delivered: false, statusCode: null, error: `refused: ${literal}`.slice(0, MAX_ERROR_CHARS) };
  const body = JSON.stringify(event);
  const timestamp = new Date();
  const headers = {
    'content-type': 'application/json',
    'user-agent': options.userAgent,
    'webhook-id': event.id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    // Space-separated signatures: a receiver verifies with whichever secret it holds.
    'webhook-signature': target.secrets.map((secret) => new Webhook(secret).sign(event.id, timestamp, body)).join(' '),
  };
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
      dispatcher: agentOf(options.guard),
    });
    await discardBody(response);
    const delivered = response.status >= 200 && response.status < 300;
    const retryAfterSeconds = response.status === 429 || response.status === 503 ? secondsOf(response.headers.get('retry-after')) : undefined;
    return { delivered, statusCode: response.status, error: delivered ? null : `HTTP ${response.status}`, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) };
  } catch (error) {
    return { delivered: false, statusCode: null, error: describeFailure(error).slice(0, MAX_ERROR_CHARS) };
  }
}

/** How much of an answer's body is read (and thrown away) before the rest is cut off. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a short answer's body to its end, so the connection can be reused, and cuts a long one off:
 * a receiver streaming megabytes back must not fill this process's memory.
 */
async function discardBody(response: Response): Promise<void> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return;
  try {
    for (let read = 0; read <= MAX_BODY_BYTES; ) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // A body cut off by the receiver or by the timeout: the status is what counts.
  }
}

/** A Retry-After header — seconds, or an HTTP date — as seconds from now; undefined when absent or unreadable. */
function secondsOf(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = /^\d+$/.test(header.trim()) ? Number(header) : (Date.parse(header) - Date.now()) / 1000;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/** A network failure in a few words: the cause's code when fetch wraps one (ECONNREFUSED, …). */
function describeFailure(error: unknown): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'timed out';
  if (err.cause?.code === 'EFORBIDDENADDRESS') return `refused: ${err.cause.message}`;
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(error);
}
