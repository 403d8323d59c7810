import { IMAGE_FORMATS, imageFormatOfFileName } from '../../models/imageFormats.js';
/**
 * The CLI talks to a running service over HTTP with an API key, so it works against a remote
 * deployment as well as a local one.
 */
export interface ApiTarget {
  url: string;
  key: string;
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
  const res = await fetch(new URL(path, target.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${target.key}`, 'content-type': format ? IMAGE_FORMATS[format].mediaType : 'application/octet-stream' },
    body: new Uint8Array(bytes),
  });
  return answer<T>(res);
}

export async function callApi<T>(target: ApiTarget, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(new URL(path, target.url), {
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
