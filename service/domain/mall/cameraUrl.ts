import { invalidInput } from '../errors.js';

/** RTSP (and RTSP over TLS) streams, or MJPEG over HTTP(S). */
const SCHEMES = new Set(['rtsp:', 'rtsps:', 'http:', 'https:']);

/** A camera URL as configured, checked: a scheme Visage can pull and a host. */
export function checkedCameraUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidInput('url: not a URL');
  }
  if (!SCHEMES.has(url.protocol)) throw invalidInput('url: rtsp://, rtsps://, http:// or https:// (MJPEG)');
  if (!url.hostname) throw invalidInput('url: a host is needed');
  return url.toString();
}
