/**
 * Debian's Chromium for the UI tests (never a downloaded browser). Missing Chromium skips the
 * tests with a visible message, except in CI (MLMETA_REQUIRE_BROWSER=true), where it fails.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.MLMETA_CHROMIUM ?? '/usr/bin/chromium';
export const browserRequired = process.env.MLMETA_REQUIRE_BROWSER === 'true';
export const browserMissing = !existsSync(CHROMIUM);

if (browserMissing) {
  const message = `${CHROMIUM} not found: install it with \`apt-get install -y chromium\``;
  if (browserRequired) throw new Error(`MLMETA_REQUIRE_BROWSER=true but ${message}`);
  console.warn(`SKIPPING web UI tests: ${message}`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-gpu',
    ],
  });
}

/** Where screenshots go (gitignored; CI keeps the folder as an artifact). */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-output', 'ui');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Content-Security-Policy violations and uncaught errors seen by a page, for asserting none happen. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(`csp: ${message.text()}`);
  });
  return problems;
}
