/* Credentials in camera URLs and in the text that repeats them, masked for answers and logs (the domain and the ingest both show them). */

/** The URL as it may be shown or logged: a password becomes *** (`rtsp://user:***@host/…`). */
export function maskedCameraUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(invalid url)';
  }
}

/** Any credentials in a text (ffmpeg's error lines repeat the URL): masked the same way. */
export const maskCredentials = (text: string): string => text.replace(/([a-z]+:\/\/[^:/@\s]+):[^@\s]*@/gi, '$1:***@');
