// The console talks to the same /v1 API as every client, with the key the operator signed in with
// (kept in sessionStorage: gone when the tab closes).
const KEY = 'visage.key';

export const session = {
  get key() { return sessionStorage.getItem(KEY); },
  set key(value) { if (value) sessionStorage.setItem(KEY, value); else sessionStorage.removeItem(KEY); },
};

export class ApiError extends Error {
  constructor(status, code, message, body) { super(message); this.status = status; this.code = code; this.body = body; }
}

/** Calls the API; JSON in and out, or raw bytes with `image` (a Blob or File). */
export async function api(path, { method = 'GET', json, image, as = 'json' } = {}) {
  const headers = { authorization: `Bearer ${session.key}` };
  let body;
  if (json !== undefined) { headers['content-type'] = 'application/json'; body = JSON.stringify(json); }
  if (image) { headers['content-type'] = image.type || 'image/jpeg'; body = image; }
  const res = await fetch(path, { method, headers, body });
  if (!res.ok) {
    const error = await res.json().catch(() => ({}));
    throw new ApiError(res.status, error.error?.code ?? String(res.status), error.error?.message ?? res.statusText, error);
  }
  if (as === 'blob') return res.blob();
  if (res.status === 204) return undefined;
  return res.json();
}

/** Reads a server-sent event stream with the key (EventSource cannot send headers). */
export async function streamEvents(path, onEvent, signal) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${session.key}` }, signal });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      // Per the event-stream format, "data:" may or may not be followed by one space.
      const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      if (data) onEvent(JSON.parse(data));
    }
  }
}
