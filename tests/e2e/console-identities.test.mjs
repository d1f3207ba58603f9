// Workload identities in the console, in headless Chromium against the
// built worker: an admin adds a trust rule through the form (checked by the
// API's rules as it is typed: a rule with no claims is refused before sending),
// sees it listed, and removes it.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { launchBrowser, shot, signIn } from './browser.mjs';
import { ARTIFACTS, client, startWorker, TOKENS } from './harness.mjs';

let w, browser;
before(async () => {
  w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true' } });
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await w?.stop();
});

test('an admin adds a rule (checked as typed), sees it, and removes it', async () => {
  const { ctx, page } = await signIn(browser, w.url, TOKENS.admin, { height: 1000, timeout: 30_000 });
  await page.goto(`${w.url}/identities`);
  await page.locator('#no-identities').waitFor();
  await page.fill('#rule-label', 'ci team a');
  await page.fill('#rule-issuer', 'http://127.0.0.1:9');
  await page.fill('#rule-claims', 'repository=acme/team-a-*\nref=refs/heads/main');
  await page.selectOption('#rule-role', 'editor');
  await page.fill('#rule-scope', 'team-a-*');
  assert.equal(await page.locator('#rule-error').innerText(), '');
  await page.fill('#rule-claims', '');
  await page.locator('#rule-error').getByText(/claims/).waitFor();
  await page.fill('#rule-claims', 'repository=acme/team-a-*');
  await page.click('button[type=submit]');
  await page.locator('#notice').getByText('Added workload identity ci team a.').waitFor();
  await page.locator('#identities').getByText('repository=acme/team-a-*').waitFor();
  const rules = (await client(w.url, 'admin')('GET', '/v2/admin/workloadIdentities')).json;
  assert.deepEqual([rules.count, rules.resources[0].role, rules.resources[0].scope], [1, 'editor', ['team-a-*']]);
  await shot(page, 'console-identities');
  await page.getByRole('button', { name: 'Remove' }).click();
  await page.locator('#no-identities').waitFor();
  await ctx.close();
  const viewer = await signIn(browser, w.url, TOKENS.viewer, { height: 800, timeout: 30_000 });
  await viewer.page.goto(`${w.url}/identities`);
  await viewer.page.locator('#identities-forbidden').waitFor();
  await viewer.ctx.close();
});
