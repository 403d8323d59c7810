import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (`.ci/run` installs it); browser tests skip without it. */
export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
/** Where the console's tests keep their screenshots. */
export const CONSOLE_ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts/console');

/** Headless Chromium as the tests and benchmarks run it: no sandbox (root in CI), no GPU, no background traffic. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** Signs the console in with `key`, on a page of its own; resolves once the key is accepted (the sections shown). */
export async function signedInConsole(browser: Browser, baseUrl: string, key: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(`${baseUrl}/console/`);
  await page.fill('#key', key);
  await page.keyboard.press('Enter');
  await page.locator('#nav').waitFor({ state: 'visible' });
  return page;
}
