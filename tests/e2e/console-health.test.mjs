// Health in the console, in headless Chromium against the built worker:
// after a scheduled run the list shows each secret's health, "Needs
// attention" keeps the failing one, its page shows the state and the check
// history, and an admin adds a webhook (its secret shown once), sends a
// test and sees it delivered to a receiver that verifies the signature.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { launchBrowser, shot, signIn } from './browser.mjs';
import { ARTIFACTS, client, dockerconfig, startWorker, TOKENS } from './harness.mjs';
import { startRegistry } from './registry.mjs';
import { startStandin } from './standins.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
let w, browser, reg, receiver;

before(async () => {
  [reg, receiver] = await Promise.all([startRegistry('health', 'Health-pw1'), startStandin('webhook_receiver.py')]);
  w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true', REGCRED_CHECK_EVERY: '0s', REGCRED_WEBHOOK_RETRY_SECONDS: '1,2' }, args: ['--test-scheduled'] });
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
  const editor = client(w.url, 'editor');
  for (const [name, pw] of [['works', 'Health-pw1'], ['broken', 'wrong-password']]) {
    const r = await editor('POST', S, { name, data: { '.dockerconfigjson': dockerconfig(`http://${reg.host}`, 'health', pw) } });
    assert.equal(r.status, 202, r.text);
  }
  const run = await fetch(`${w.url}/__scheduled?cron=*/5+*+*+*+*`);
  assert.equal(run.status, 200);
});
after(async () => {
  await browser?.close();
  await w?.stop();
  await reg?.stop();
  await receiver?.stop();
});

test('the list shows health, Needs attention keeps the failing secret, its page shows the checks', async () => {
  const { ctx, page } = await signIn(browser, w.url, TOKENS.viewer, { height: 900, timeout: 30_000 });
  await page.locator('tr', { hasText: 'broken' }).locator('td.health').getByText(/Credentials rejected since/).waitFor();
  assert.equal(await page.locator('tr', { hasText: 'works' }).locator('td.health').innerText(), 'OK');
  await page.check('#needs-attention');
  await page.locator('tr', { hasText: 'works' }).waitFor({ state: 'detached' });
  assert.equal(await page.locator('tbody tr').count(), 1);
  await shot(page, 'console-health-list');
  await page.click('a[href="/secrets/broken"]');
  await page.locator('#health').getByText(/Credentials rejected since/).waitFor();
  await page.locator('#checks li').first().getByText('credentialsRejected').waitFor();
  await ctx.close();
});

test('an admin adds a webhook, sees its secret once, and a test event is delivered', async () => {
  const { ctx, page } = await signIn(browser, w.url, TOKENS.admin, { height: 900, timeout: 30_000 });
  await page.goto(`${w.url}/webhooks`);
  await page.fill('#webhook-url', `${receiver.url}/hook`);
  await page.click('button[type=submit]');
  const secret = await page.locator('#webhook-secret').inputValue();
  assert.match(secret, /^whsec_/);
  await fetch(`${receiver.url}/_standin/secret`, { method: 'POST', body: JSON.stringify({ secret }) });
  assert.ok(!(await page.evaluate(() => JSON.stringify({ ...localStorage }))).includes(secret));
  await page.getByRole('button', { name: 'Send a test' }).click();
  await page.locator('#notice').getByText(/on its way/).waitFor();
  let got = [];
  for (let i = 0; i < 50 && !got.length; i++) {
    got = await (await fetch(`${receiver.url}/_standin/received`)).json();
    if (!got.length) await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(got[0]?.type, 'webhook.test');
  assert.equal(got[0]?.verified, true);
  await page.getByRole('button', { name: 'Deliveries' }).click();
  await page.locator('#deliveries').getByText(/delivered \(HTTP 200\)/).waitFor({ timeout: 15_000 }).catch(async () => {
    await page.getByRole('button', { name: 'Deliveries' }).click();
    await page.locator('#deliveries').getByText(/delivered \(HTTP 200\)/).waitFor();
  });
  await shot(page, 'console-webhooks');
  await page.reload();
  await page.locator('#webhooks').waitFor();
  assert.equal(await page.locator('#webhook-secret').count(), 0, 'the secret is gone once the page is left');
  await ctx.close();
});
