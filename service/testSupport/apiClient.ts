import { expect } from 'vitest';

export interface Json {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A small fetch wrapper for tests against a running service. */
export function apiClient(baseUrl: () => string, defaultHeaders: Record<string, string> = {}) {
  async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Json> {
    const init: RequestInit = { method, headers: { ...defaultHeaders, ...headers } };
    if (Buffer.isBuffer(body) || body instanceof FormData) init.body = body as BodyInit;
    else if (typeof body === 'string') init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(`${baseUrl()}${url}`, init);
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  }
  const post = (url: string, body?: unknown, headers?: Record<string, string>) => call('POST', url, body, headers);
  const postImage = (url: string, bytes: Buffer, contentType = 'image/jpeg') => post(url, bytes, { 'content-type': contentType });
  return { call, post, postImage, get: (url: string) => call('GET', url) };
}

/** Asserts the API's error shape with an exact status and code. */
export function expectError(res: Json, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe('string');
  expect(typeof res.body.requestId).toBe('string');
}
