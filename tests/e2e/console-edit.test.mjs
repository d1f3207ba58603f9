// Editing and importing in headless Chromium against the real worker: the
// edit form starts from the stored username and registry, and "only a new
// password" changes only the password (a PATCH with `entry`); Import says
// how many registries fit in the quota and checks only those, checks names
// as they are typed, and shows a name's error once.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, shot, signIn } from './browser.mjs';
import { ARTIFACTS, client, dockerconfig, startWorker, TOKENS } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const LOCAL = 'http://127.0.0.1:5055';

let w, browser, editor, puller;
before(async () => {
  // The default quota (50 secrets).
  w = await startWorker();
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
  editor = client(w.url, 'editor');
  puller = client(w.url, 'puller');
  const r = await editor('POST', S, { name: 'local-ci', data: { '.dockerconfigjson': JSON.stringify({ auths: { [LOCAL]: { username: 'ci', password: 'first-pw', email: 'ci@example.com' } } }) } });
  assert.equal(r.status, 202, r.text);
  const two = JSON.stringify({ auths: { 'ghcr.io': { username: 'octo', password: 'gh-pw' }, 'quay.io': { username: 'robot', password: 'quay-pw' } } });
  assert.equal((await editor('POST', S, { name: 'two', data: { '.dockerconfigjson': two } })).status, 202);
});
after(async () => {
  await browser?.close();
  await w?.stop();
});

const signedIn = (token) => signIn(browser, w.url, token, { height: 900, timeout: 30_000 });


test('an edit of only the password keeps the registry, username and email', async () => {
  const { ctx, page } = await signedIn(TOKENS.editor);
  await page.goto(`${w.url}/secrets/local-ci/edit`);
  await page.locator('#username').waitFor();
  assert.equal(await page.inputValue('#username'), 'ci', 'the username is pre-filled');
  assert.equal(await page.inputValue('#server'), LOCAL, 'the registry is pre-filled');
  assert.equal(await page.inputValue('#email'), 'ci@example.com');
  assert.equal(await page.inputValue('#password'), '');
  await page.fill('#password', 'second-pw');
  assert.match(await page.locator('#preview').innerText(), /password → the new one .* Kept as stored: registry, username, email\./);
  await shot(page, 'edit-password-only');
  const sent = [];
  page.on('request', (r) => { if (r.method() === 'PATCH') sent.push(r.postDataJSON()); });
  await page.click('button[type=submit]');
  await page.locator('#flash').getByText('Secret "local-ci" updated.').waitFor();
  assert.deepEqual(sent, [{ entry: { registry: LOCAL, password: 'second-pw' } }]);
  const got = (await editor('GET', `${S}/local-ci`)).json;
  assert.deepEqual(got.registries, [LOCAL]);
  assert.deepEqual(got.users, [{ registry: LOCAL, username: 'ci', email: 'ci@example.com' }]);
  const pulled = (await puller('GET', `${S}/local-ci/dockerconfigjson`)).json.auths[LOCAL];
  assert.equal(pulled.password, 'second-pw');
  assert.equal(pulled.username, 'ci');

  // Saving an untouched form says there is nothing to save, and sends nothing.
  await page.goto(`${w.url}/secrets/local-ci/edit`);
  await page.locator('#username').waitFor();
  await page.click('button[type=submit]');
  await page.locator('#form-error').getByText(/Nothing to save/).waitFor();
  assert.equal(sent.length, 1);
  await ctx.close();
});

test('a secret with several registries edits the one picked and keeps the other', async () => {
  const { ctx, page } = await signedIn(TOKENS.editor);
  await page.goto(`${w.url}/secrets/two/edit`);
  await page.locator('#entry').waitFor();
  assert.equal(await page.inputValue('#username'), 'octo');
  await page.selectOption('#entry', '1');
  assert.equal(await page.inputValue('#server'), 'quay.io');
  assert.equal(await page.inputValue('#username'), 'robot');
  await page.fill('#username', 'robot2');
  await page.fill('#password', 'quay-pw-2');
  await page.click('button[type=submit]');
  await page.locator('#flash').getByText('Secret "two" updated.').waitFor();
  const auths = (await puller('GET', `${S}/two/dockerconfigjson`)).json.auths;
  assert.deepEqual([auths['ghcr.io'].username, auths['ghcr.io'].password], ['octo', 'gh-pw'], 'the other registry is kept');
  assert.equal(auths['quay.io'].username, 'robot2');
  assert.equal(auths['quay.io'].password, 'quay-pw-2');
  await ctx.close();
});

test('import says how many fit in the quota and checks only those', async () => {
  const { ctx, page } = await signedIn(TOKENS.editor);
  const used = (await editor('GET', '/v2/admin/resourceQuota/dockerRegistrySecrets')).json;
  const free = used.quota.maxCount - used.usage.count;
  assert.ok(free > 0 && free < 100, JSON.stringify(used));
  const auth = Buffer.from('u:p').toString('base64');
  const auths = {};
  for (let i = 0; i < 20_000; i++) auths[`r${i}.example.com`] = { auth };
  // The quota's answer is held until the file is read: the order that once
  // drew all 20,000 rows, because every row was checked before the answer.
  let answer;
  const answered = new Promise((resolve) => { answer = resolve; });
  await page.route('**/v2/admin/resourceQuota/**', async (route) => { await answered; await route.continue(); });
  await page.goto(`${w.url}/import`);
  await page.locator('#config-file').setInputFiles({ name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ auths })) });
  const quota = page.locator('#import-quota');
  await quota.getByText('20000 registries can be imported; asking the quota how many fit…').waitFor({ timeout: 120_000 });
  assert.equal(await page.locator('#import-rows tbody tr').count(), 100, 'nothing is checked yet, so only the first rows are drawn');
  assert.equal(await page.locator('#import-run').innerText(), 'Import 0 selected');
  assert.ok(await page.locator('#import-run').isDisabled(), 'nothing to run until the quota answers');
  answer();
  await quota.getByText(/only \d+ fit/).waitFor({ timeout: 120_000 });
  assert.equal(await quota.innerText(),
    `20000 registries can be imported; only ${free} fit (the quota allows ${used.quota.maxCount} secrets and ${used.usage.count} are stored), so only the first ${free} are checked.`);
  const checked = await page.locator('#import-rows input[type=checkbox]').evaluateAll((boxes) => boxes.filter((b) => b.checked).length);
  assert.equal(checked, free);
  // The first hundred rows are drawn (every checked one among them), the rest on demand.
  assert.equal(await page.locator('#import-rows tbody tr').count(), 100);
  assert.equal(await page.locator('#import-more').innerText(), '19900 more registries are not shown (none of them is checked). Show all');
  assert.equal(await page.locator('#import-run').innerText(), `Import ${free} selected`);
  // Checking one more than fits is warned about before anything is sent.
  await page.locator('#import-rows input[type=checkbox]').nth(free).check();
  await page.locator('#import-over-quota').getByText(`only ${free} fit`).waitFor();
  await page.locator('#import-rows input[type=checkbox]').nth(free).uncheck();
  await page.locator('#import-over-quota').waitFor({ state: 'detached' });
  await ctx.close();
});

test('import checks a name as it is typed and shows its error once', async () => {
  const { ctx, page } = await signedIn(TOKENS.editor);
  const b64 = (s) => Buffer.from(s).toString('base64');
  await page.goto(`${w.url}/import`);
  await page.fill('#config-text', JSON.stringify({ auths: { 'ghcr.io': { auth: b64('octo:t1') }, 'quay.io': { auth: b64('robot:t2') } } }));
  const input = page.locator('input[aria-label="Secret name for ghcr.io"]');
  await input.waitFor();
  // Typed, not yet left: the error is there at once.
  await input.fill('');
  await input.pressSequentially('Ghcr_io');
  const row = page.locator('#import-rows tbody tr', { hasText: 'ghcr.io' });
  await row.locator('.field-error').getByText(/uppercase letter 'G'/).waitFor();
  const sent = [];
  page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === S) sent.push(r.postDataJSON().name); });
  await page.click('#import-run');
  await page.locator('#import-refused').getByText(/1 checked row has a secret name that is not valid/).waitFor();
  assert.deepEqual(sent, [], 'nothing is imported while a checked name is wrong');
  const said = await row.innerText();
  assert.equal(said.split("uppercase letter 'G'").length - 1, 1, `the error shows once: ${said}`);
  await shot(page, 'import-bad-name');
  await input.fill('ghcr-io');
  await row.locator('.field-error').getByText(/uppercase/).waitFor({ state: 'detached' });
  await page.click('#import-run');
  await page.locator('#import-count').getByText('2 of 2').waitFor();
  await row.getByText('created "ghcr-io"').waitFor();
  assert.deepEqual(sent.sort(), ['ghcr-io', 'quay-io']);
  await ctx.close();
});
