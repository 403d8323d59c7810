import { execFileSync } from 'node:child_process';

/** Whether a command runs here (Debian packages the tests use: ffmpeg, rtsp-server-perl). */
export function hasCommand(command: string, args = ['-version']): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const hasFfmpeg = hasCommand('ffmpeg');

/** Polls until `check` gives a value (not undefined or false), or fails after `ms`. */
export async function eventually<T>(ms: number, check: () => Promise<T | undefined | false>): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
