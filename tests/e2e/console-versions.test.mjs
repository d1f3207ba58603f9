// The console's versions table and deleted secrets in headless Chromium
// against the real worker: an editor restores an old version from a
// secret's page, deletes a secret and brings it back with Undo, deletes
// another and undeletes it from the Deleted page; a viewer sees versions
// but no restore. Screenshots (1280 px wide) land in target/e2e/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, shot, signIn } from './browser.mjs';
import { ARTIFACTS, client, dockerconfig, startWorker, TOKENS } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';

let w, browser, editor, puller;
before(async () => {
  w = await startWorker();
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
  editor = client(w.url, 'editor');
  puller = client(w.url, 'puller');
  for (const name of ['web', 'batch', 'worker']) {
    const r = await editor('POST', S, { name, data: { '.dockerconfigjson': dockerconfig('ghcr.io', 'ci', `${name}-v1`) } });
    assert.equal(r.status, 202, r.text);
  }
  await editor('PATCH', `${S}/web`, { data: { '.dockerconfigjson': dockerconfig('ghcr.io', 'ci', 'web-v2') } });
});
after(async () => {
  await browser?.close();
  await w?.stop();
});

const signedIn = (token) => signIn(browser, w.url, token);

const pulled = async (name) => (await puller('GET', `${S}/${name}/dockerconfigjson`)).json?.auths?.['ghcr.io']?.password;

test('a secret\'s page lists its versions and restores an old one', async () => {
  const { ctx, page } = await signedIn(TOKENS.editor);
  await page.goto(`${w.url}/secrets/web`);
  const rows = page.locator('#versions tbody tr');
  await rows.nth(1).waitFor();
  assert.deepEqual(await rows.locator('td:first-child').allTextContents(), ['2 (current)', '1']);
  assert.equal(await page.locator('#versions').getByText('test-editor').count(), 2);
  assert.equal(await page.getByRole('button', { name: 'Restore version 2' }).count(), 0);
  await page.getByRole('button', { name: 'Restore version 1' }).click();
  await page.getByRole('alertdialog', { name: 'Confirm restore of version 1' }).waitFor();
  await page.click('#restore-confirmed');
  await page.locator('#versions-notice').getByText('restored from version 1').waitFor();
  await rows.nth(2).waitFor();
  assert.deepEqual(await rows.locator('td:first-child').allTextContents(), ['3 (current)', '2', '1']);
  assert.equal(await pulled('web'), 'web-v1');
  await shot(page, 'console-versions');
  await ctx.close();
});

test('a viewer sees the versions and no restore button', async () => {
  const { ctx, page } = await signedIn(TOKENS.viewer);
  await page.goto(`${w.url}/secrets/web`);
  await page.locator('#versions tbody tr').nth(2).waitFor();
  assert.equal(await page.getByRole('button', { name: /Restore version/ }).count(), 0);
  await ctx.close();
});

test('a delete can be undone at once, or later from the Deleted page', async () => {
  const { ctx, page } = await signedIn(TOKENS.editor);
  await page.goto(`${w.url}/`);
  await page.getByRole('button', { name: 'Delete batch' }).click();
  await page.getByRole('alertdialog').getByText('stays under Deleted secrets').waitFor();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete batch' }).click();
  await page.locator('#notice').getByText('Deleted "batch".').waitFor();
  assert.equal(await pulled('batch'), undefined);
  await page.click('#undo-delete');
  await page.locator('#notice').getByText('Undeleted "batch".').waitFor();
  assert.equal(await pulled('batch'), 'batch-v1');

  await page.getByRole('button', { name: 'Delete worker' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete worker' }).click();
  await page.locator('#notice').getByText('Deleted "worker".').waitFor();
  await page.click('#deleted-link');
  await page.waitForURL(/\/deleted$/);
  const row = page.locator('#deleted tbody tr', { hasText: 'worker' });
  await row.waitFor();
  assert.match(await row.textContent(), /deleted \d{4}-\d\d-\d\d \d\d:\d\d UTC, purged after/);
  await shot(page, 'console-deleted');
  await page.getByRole('button', { name: 'Undelete worker' }).click();
  await page.locator('#notice').getByText('Undeleted "worker".').waitFor();
  await page.locator('#no-deleted').waitFor();
  assert.equal(await pulled('worker'), 'worker-v1');
  await ctx.close();
});

test('a tab that signed in before shows its page at once, and a revoked token signs it out', async () => {
  const admin = client(w.url, 'admin');
  const made = await admin('POST', '/v2/admin/tokens', { label: 'tab-viewer', role: 'viewer' });
  assert.equal(made.status, 201, made.text);
  const { ctx, page } = await signedIn(made.json.token);
  // The reload asks the list and the session side by side, not one after the other.
  const asked = [];
  page.on('request', (r) => { if (r.url().includes('/v2/')) asked.push(new URL(r.url()).pathname); });
  await page.reload();
  await page.locator('table.secrets tbody tr').first().waitFor();
  assert.equal(await page.locator('#whoami').textContent(), 'tab-viewer · viewer');
  assert.ok(asked.includes('/v2/session') && asked.includes(S), asked.join(' '));
  assert.equal(await page.evaluate(() => sessionStorage.getItem('regcred.session')?.includes('tab-viewer')), true);
  assert.equal((await admin('DELETE', `/v2/admin/tokens/${made.json.id}`)).status, 202);
  await page.reload();
  await page.locator('#signin-needed').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('regcred.token') ?? sessionStorage.getItem('regcred.session')), null);
  await ctx.close();
});
