// The real console in headless Chromium against the real worker.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { ARTIFACTS, startWorker } from './harness.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// Without the networking switches Chromium floods the closed network.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let w, browser;
before(async () => {
  w = await startWorker();
  // Playwright gives every launch a new empty profile directory.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  await mkdir(ARTIFACTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await w?.stop();
});

test('the console renders and shows it is connected to the API', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${w.url}/`);
  const status = page.locator('#api-status.ok');
  await status.waitFor({ timeout: 30_000 });
  assert.match(await status.textContent(), /Connected to the regcred API/);
  assert.equal(await page.locator('h1').textContent(), 'regcred');
  await page.screenshot({ path: path.join(ARTIFACTS, 'console-home.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('a deep link loads the console too', async () => {
  const page = await browser.newPage();
  await page.goto(`${w.url}/secrets/x`);
  await page.locator('#api-status.ok').waitFor({ timeout: 30_000 });
});
