// Debian's Chromium for the console tests, started one way: headless, and
// with the networking switches, without which Chromium floods the closed
// network. Sign-in and screenshots as every console test does them.
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS } from './harness.mjs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A headless Chromium; close it in `after`. */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/**
 * A new context signed in with `token` through the sign-in page, at
 * `width` × `height`; waits for the header to say who it is.
 */
export async function signIn(browser, url, token, { width = 1280, height = 800, timeout = 20_000 } = {}) {
  const ctx = await browser.newContext({ viewport: { width, height } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(timeout);
  await page.goto(`${url}/signin`);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.locator('#whoami').waitFor();
  return { ctx, page };
}

/** A full-page screenshot in target/e2e/. */
export const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
