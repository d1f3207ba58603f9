// A secret's history in headless Chromium against the real worker and a
// real registry (docker-registry with htpasswd on loopback): Restore asks
// first and says what differs from the current version, then offers a
// login test of what it restored; a deleted secret's page says when it was
// deleted and offers Undelete; a secret's page has Delete, after a
// confirmation. Screenshots (1280 px wide) land in target/e2e/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, shot, signIn } from './browser.mjs';
import { ARTIFACTS, client, dockerconfig, startWorker, TOKENS } from './harness.mjs';
import { startRegistry } from './registry.mjs';

const S = '/v2/admin/dockerRegistrySecrets';

let w, reg, browser, editor, puller;
before(async () => {
  reg = await startRegistry('deployer', 'right-password');
  w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true' } });
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
  editor = client(w.url, 'editor');
  puller = client(w.url, 'puller');
  // Version 1 logs in; version 2 has another user, a wrong password and an expiry.
  let r = await editor('POST', S, { name: 'app', data: { '.dockerconfigjson': dockerconfig(reg.url, 'deployer', 'right-password') } });
  assert.equal(r.status, 202, r.text);
  r = await editor('PATCH', `${S}/app`, {
    data: { '.dockerconfigjson': dockerconfig(reg.url, 'intern', 'wrong-password') },
    expiresAt: '2031-01-02T00:00:00Z',
  });
  assert.equal(r.status, 202, r.text);
  r = await editor('POST', S, { name: 'hub-ci', data: { '.dockerconfigjson': dockerconfig('ghcr.io', 'ci', 'hub-ci-pw') } });
  assert.equal(r.status, 202, r.text);
});
after(async () => {
  await browser?.close();
  await w?.stop();
  await reg?.stop();
});

const signedIn = (token) => signIn(browser, w.url, token, { height: 900 });

const pulled = async (name) => (await puller('GET', `${S}/${name}/dockerconfigjson`)).json?.auths;

test('restore asks first, says what differs, and offers a login test after', async () => {
  const { ctx, page } = await signedIn(TOKENS.editor);
  await page.goto(`${w.url}/secrets/app`);
  await page.locator('#versions tbody tr').nth(1).waitFor();
  await page.getByRole('button', { name: 'Restore version 1' }).click();
  const question = page.getByRole('alertdialog', { name: 'Confirm restore of version 1' });
  await question.waitFor();
  const said = await question.innerText();
  assert.match(said, /Restore version 1 as the new current version\?/);
  assert.match(said, /Version 1 was written \d{4}-\d\d-\d\d \d\d:\d\d UTC by test-editor; the current version 2, \d{4}-\d\d-\d\d \d\d:\d\d UTC by test-editor\./);
  assert.match(said, /Username\s+intern → deployer/);
  assert.match(said, /Expiry\s+2031-01-02 00:00 UTC → none/);
  assert.doesNotMatch(said, /Registries/, 'the registry is the same');
  await shot(page, 'restore-confirm');
  // Nothing happened yet.
  assert.equal((await pulled('app'))[reg.url].password, 'wrong-password');
  await question.getByRole('button', { name: 'Cancel' }).click();
  await question.waitFor({ state: 'detached' });
  assert.equal(await page.locator('#versions tbody tr').count(), 2);

  await page.getByRole('button', { name: 'Restore version 1' }).click();
  await page.click('#restore-confirmed');
  await page.locator('#versions-notice').getByText('restored from version 1').waitFor();
  assert.equal((await pulled('app'))[reg.url].password, 'right-password');
  await page.locator('#versions tbody tr').nth(2).waitFor();
  await page.click('#restored-test-login');
  await page.locator('#versions-notice #login-results').getByText('Login works').waitFor();
  await shot(page, 'restore-tested');
  await ctx.close();
});

test('a deleted secret\'s page says when, and Undelete brings it back; Delete is on the page', async () => {
  const { ctx, page } = await signedIn(TOKENS.editor);
  assert.equal((await editor('DELETE', `${S}/hub-ci`)).status, 202);
  await page.goto(`${w.url}/secrets/hub-ci`);
  const line = page.locator('#deleted-line');
  await line.waitFor();
  assert.match(await line.innerText(), /^This secret was deleted \d{4}-\d\d-\d\d \d\d:\d\d UTC, purged after \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
  await shot(page, 'deleted-secret');
  await page.click('#undelete');
  await page.locator('#notice').getByText('Undeleted "hub-ci".').waitFor();
  await page.locator('#snippet-k8s').waitFor();
  assert.equal((await pulled('hub-ci'))['ghcr.io'].password, 'hub-ci-pw');

  await page.click('#delete-secret');
  const question = page.locator('#delete-confirm');
  await question.waitFor();
  assert.match(await question.innerText(), /Delete "hub-ci"\?/);
  await question.getByRole('button', { name: 'Cancel' }).click();
  await question.waitFor({ state: 'detached' });
  assert.ok(await pulled('hub-ci'), 'cancel keeps it');
  await page.click('#delete-secret');
  await question.getByRole('button', { name: 'Delete hub-ci' }).click();
  await page.locator('#notice').getByText('Deleted "hub-ci".').waitFor();
  await line.waitFor();
  assert.equal(await pulled('hub-ci'), undefined);
  await ctx.close();
});

test('a name that never existed says so, with a way back', async () => {
  const { ctx, page } = await signedIn(TOKENS.viewer);
  await page.goto(`${w.url}/secrets/never-there`);
  await page.locator('main [role=alert]').getByText(/never-there/).waitFor();
  assert.equal(await page.locator('#deleted-line, #undelete').count(), 0);
  assert.equal(await page.locator('main').getByText('Could not load the versions').count(), 0, 'one error, not two');
  await ctx.close();
});
