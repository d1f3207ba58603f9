// Time from navigation start to the secrets list rendered, in headless
// Chromium against the built worker with 100 secrets stored. Median of runs.
import { chromium } from 'playwright-core';
import { client, dockerconfig, startWorker, TOKENS } from '../e2e/harness.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const w = await startWorker({ vars: { REGCRED_MAX_SECRETS: '200' } });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: FLAGS });
try {
  const editor = client(w.url, 'editor');
  for (let i = 0; i < 100; i += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, j) => editor('POST', '/v2/admin/dockerRegistrySecrets',
      { name: `render-${i + j}`, data: { '.dockerconfigjson': dockerconfig('registry.example.com', 'u', 'p') } })));
  }
  const samples = [];
  for (let r = 0; r < RUNS; r++) {
    const ctx = await browser.newContext();
    await ctx.addInitScript((token) => {
      sessionStorage.setItem('regcred.token', token);
      new MutationObserver((_, obs) => {
        if (document.querySelector('table.secrets tbody tr')) {
          window.__listRendered = performance.now();
          obs.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    }, TOKENS.viewer);
    const page = await ctx.newPage();
    await page.goto(`${w.url}/`);
    await page.waitForFunction(() => window.__listRendered !== undefined, null, { timeout: 30_000 });
    samples.push(await page.evaluate(() => window.__listRendered));
    await ctx.close();
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  console.log(JSON.stringify({ figure: 'console_first_render_100_secrets', n: samples.length, median_ms: +median.toFixed(1), min_ms: +samples[0].toFixed(1), max_ms: +samples[samples.length - 1].toFixed(1) }));
} finally {
  await browser.close();
  await w.stop();
}
