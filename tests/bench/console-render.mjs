// First render, navigation start to content visible, in headless Chromium:
// the console's secrets list with 100 secrets stored (served by the built
// worker), and, in the same run and the same way, the bare Leptos page
// (tests/bench/bare-console, served as static assets in workerd by the same
// asset router). The console loads twice per round: as a tab that signed in
// before (token and who it is in sessionStorage: the goal's case) and with
// only a token (it asks /v2/session before its list); the decoder, its own
// entry, loads once signed out. Loads alternate so the machine's drift hits
// all alike. Median of BENCH_RUNS (15) each.
import path from 'node:path';
import { chromium } from 'playwright-core';
import { client, dockerconfig, ROOT, startWorker, startWranglerDev, TOKENS } from '../e2e/harness.mjs';
import { referenceConfig } from './measure.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const BARE = path.join(ROOT, 'target', 'bench', 'bare-console');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// One after the other: two wranglers starting at once race for the inspector port.
const w = await startWorker({ vars: { REGCRED_MAX_SECRETS: '200' } });
const bare = await startWranglerDev({ config: referenceConfig('regcred-bare-console', BARE) });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: FLAGS });

/** Milliseconds from navigation start until `selector` is in the document. */
async function firstRender(url, selector, token, session) {
  const ctx = await browser.newContext();
  await ctx.addInitScript(([sel, t, known]) => {
    if (t) sessionStorage.setItem('regcred.token', t);
    if (known) sessionStorage.setItem('regcred.session', known);
    new MutationObserver((_, obs) => {
      if (document.querySelector(sel)) {
        window.__rendered = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  }, [selector, token, session ? JSON.stringify(session) : null]);
  const page = await ctx.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.__rendered !== undefined, null, { timeout: 30_000 });
  const t = await page.evaluate(() => window.__rendered);
  await ctx.close();
  return t;
}

try {
  const editor = client(w.url, 'editor');
  for (let i = 0; i < 100; i += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, j) => editor('POST', '/v2/admin/dockerRegistrySecrets',
      { name: `render-${i + j}`, data: { '.dockerconfigjson': dockerconfig('registry.example.com', 'u', 'p') } })));
  }
  const ours = [], tokenOnly = [], decoder = [], base = [];
  const known = { label: 'test-viewer', role: 'viewer', via: 'environmentToken' };
  const LIST = 'table.secrets tbody tr';
  for (let r = 0; r < RUNS; r++) {
    const round = [
      async () => ours.push(await firstRender(`${w.url}/`, LIST, TOKENS.viewer, known)),
      async () => tokenOnly.push(await firstRender(`${w.url}/`, LIST, TOKENS.viewer, null)),
      async () => decoder.push(await firstRender(`${w.url}/decode`, '#decode-input', null, null)),
      async () => base.push(await firstRender(`${bare.url}/`, '#bare', null, null)),
    ];
    if (r % 2) round.reverse();
    for (const f of round) await f();
  }
  const stats = (xs) => ({ n: xs.length, median_ms: +median(xs).toFixed(1), min_ms: +Math.min(...xs).toFixed(1), max_ms: +Math.max(...xs).toFixed(1) });
  console.log(JSON.stringify({ figure: 'console_first_render_100_secrets', ...stats(ours) }));
  console.log(JSON.stringify({ figure: 'console_first_render_token_only', ...stats(tokenOnly) }));
  console.log(JSON.stringify({ figure: 'decoder_first_render', ...stats(decoder) }));
  console.log(JSON.stringify({ figure: 'bare_first_render', ...stats(base) }));
  console.log(JSON.stringify({
    figure: 'first_render_vs_bare', ratio: +(median(ours) / median(base)).toFixed(3),
    token_only_ratio: +(median(tokenOnly) / median(base)).toFixed(3),
    decoder_ratio: +(median(decoder) / median(base)).toFixed(3),
  }));
} finally {
  await browser.close();
  await Promise.all([w.stop(), bare.stop()]);
}
