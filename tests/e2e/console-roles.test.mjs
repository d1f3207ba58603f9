// Roles in the console, in headless Chromium against the real worker: a
// viewer is shown no button it would be refused on (Create, Import, Edit,
// Delete, Restore, Undelete, Test login) and is told why on the pages it
// may not use; a puller is told what its token is for (the credential
// helper and the kubelet provider) instead of "could not load"; and a
// signed-out page load asks nothing the browser would log as a failure.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, shot, signIn } from './browser.mjs';
import { ARTIFACTS, client, dockerconfig, startWorker, TOKENS } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';

let w, browser;
before(async () => {
  w = await startWorker();
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
  const editor = client(w.url, 'editor');
  for (const [name, server] of [['web', 'ghcr.io'], ['hub', 'https://index.docker.io/v1/'], ['old', 'quay.io']]) {
    const r = await editor('POST', S, { name, data: { '.dockerconfigjson': dockerconfig(server, 'ci', `${name}-v1`) } });
    assert.equal(r.status, 202, r.text);
  }
  await editor('PATCH', `${S}/web`, { data: { '.dockerconfigjson': dockerconfig('ghcr.io', 'ci', 'web-v2') } });
  assert.equal((await editor('DELETE', `${S}/old`)).status, 202);
});
after(async () => {
  await browser?.close();
  await w?.stop();
});

const signedIn = (token, width = 1280) => signIn(browser, w.url, token, { width });

const buttons = (page) => page.locator('main button, main a.button').allInnerTexts();

test('a viewer is shown only what a viewer may do', async () => {
  const { ctx, page } = await signedIn(TOKENS.viewer);
  const links = await page.locator('header nav a').allInnerTexts();
  assert.deepEqual(links, ['Secrets', 'Decoder'], 'no Create, Import, Activity or Tokens link');
  await page.goto(`${w.url}/`);
  await page.locator('table.secrets tbody tr').nth(1).waitFor();
  const onList = await buttons(page);
  for (const b of ['Create', 'Import config.json', 'Delete']) assert.ok(!onList.includes(b), `the list offers ${b}: ${onList}`);

  await page.goto(`${w.url}/secrets/web`);
  await page.locator('#versions tbody tr').nth(1).waitFor();
  await page.locator('#snippet-k8s').waitFor();
  const onSecret = (await buttons(page)).join('|');
  assert.doesNotMatch(onSecret, /Edit|Delete|Test login|Restore/, onSecret);
  await shot(page, 'viewer-secret');

  await page.goto(`${w.url}/deleted`);
  await page.locator('#deleted tbody tr').first().waitFor();
  assert.equal(await page.getByRole('button', { name: /Undelete/ }).count(), 0);

  for (const [url, what] of [['/secrets/new', 'create secrets'], ['/import', 'import secrets'], ['/secrets/web/edit', 'edit secrets'], ['/activity', 'read the activity']]) {
    await page.goto(`${w.url}${url}`);
    const card = page.locator('#not-for-role');
    await card.waitFor();
    assert.match(await card.innerText(), new RegExp(`Only editor or admin tokens ${what}\\. You are signed in as test-viewer with the viewer role`), url);
    assert.equal(await page.locator('form, #config-text').count(), 0, `${url} shows no form`);
  }
  await shot(page, 'viewer-not-for-role');
  await ctx.close();
});

test('a puller is told what its token is for, not "could not load"', async () => {
  const { ctx, page } = await signedIn(TOKENS.puller);
  assert.deepEqual(await page.locator('header nav a').allInnerTexts(), ['Secrets', 'Decoder']);
  await page.goto(`${w.url}/`);
  const home = page.locator('#puller-home');
  await home.locator('#pullable tbody tr').nth(1).waitFor();
  const text = await home.innerText();
  assert.doesNotMatch(await page.locator('main').innerText(), /Could not load/);
  assert.match(text, /signed in as test-puller with the puller role/);
  assert.match(text, /docker-credential-regcred/);
  assert.match(text, /regcred kubelet-credential-provider/);
  assert.match(await page.locator('#pullable').innerText(), /ghcr\.io\s+web\s+ci/);
  const helpers = JSON.parse(await page.locator('#snippet-credhelpers').innerText());
  assert.deepEqual(helpers, { credHelpers: { 'ghcr.io': 'regcred', 'https://index.docker.io/v1/': 'regcred' } });
  const kubelet = await page.locator('#snippet-kubelet').innerText();
  assert.match(kubelet, /matchImages:\n\s+- "docker\.io"\n\s+- "ghcr\.io"/);
  assert.match(kubelet, new RegExp(`value: ${w.url.replace(/[.:/]/g, '\\$&')}\\n`));
  assert.ok(!(await page.content()).includes('web-v2'), 'no password on the page');
  await shot(page, 'puller-home');
  // A secret's page, too, says what the token is for.
  await page.goto(`${w.url}/secrets/web`);
  await page.locator('#puller-home').waitFor();
  await ctx.close();
});

test('a signed-out page load asks for no session and logs no failure', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  const asked = [];
  const failed = [];
  const logged = [];
  page.on('request', (r) => asked.push(new URL(r.url()).pathname));
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  page.on('console', (m) => { if (m.type() === 'error') logged.push(m.text()); });
  for (const url of ['/', '/secrets/web', '/activity']) {
    await page.goto(`${w.url}${url}`);
    await page.locator('#signin-needed #token').waitFor();
  }
  assert.ok(!asked.includes('/v2/session'), `asked: ${asked.filter((p) => p.startsWith('/v2/')).join(' ')}`);
  assert.deepEqual(failed, []);
  assert.deepEqual(logged, []);
  // Signing in still works, and asks then.
  await page.fill('#token', TOKENS.viewer);
  await page.keyboard.press('Enter');
  await page.locator('#whoami').waitFor();
  assert.ok(asked.includes('/v2/session'));
  await ctx.close();
});
