// The console's cloud sources in headless Chromium against the built
// worker: the create form offers Amazon ECR, Google and Azure beside Docker
// Hub and a private registry, checks each field as it is typed, tests the
// login by minting from moto's server (SigV4 and IAM checked) against a
// real docker-registry, and the list and detail say who mints the
// credentials and when they run out. No key reaches localStorage.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, shot, signIn } from './browser.mjs';
import { ARTIFACTS, client, startWorker, TOKENS } from './harness.mjs';
import { startRegistry } from './registry.mjs';
import { startStandin } from './standins.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
let w, browser, moto, reg, dir, viewer;

before(async () => {
  [moto, reg] = await Promise.all([startStandin('moto_ecr.py'), startRegistry('AWS', '123456789012-auth-token')]);
  w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true' } });
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
  dir = await mkdtemp(path.join(os.tmpdir(), 'regcred-console-cloud-'));
  viewer = client(w.url, 'viewer');
});
after(async () => {
  await browser?.close();
  await w?.stop();
  await moto?.stop();
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const signedIn = (token) => signIn(browser, w.url, token, { height: 1100, timeout: 30_000 });
const stored = (page) => page.evaluate(() => JSON.stringify({ ...localStorage }));

test('an Amazon ECR secret: fields checked as typed, the login tested by a mint, then created', async () => {
  const { ctx, page } = await signedIn(TOKENS.editor);
  const key = moto.info.allowed;
  await page.goto(`${w.url}/secrets/new`);
  await page.fill('#name', 'ecr-console');
  await page.check('#kind-ecr');
  assert.equal(await page.locator('#username').count(), 0, 'no username and password for a cloud source');
  await page.fill('#region', 'Frankfurt');
  await page.locator('#region-error').getByText(/not an AWS region/).waitFor();
  await page.fill('#region', 'us-east-1');
  assert.equal(await page.locator('#region-error').innerText(), '');
  await page.fill('#access-key-id', key.accessKeyId);
  await page.fill('#secret-access-key', key.secretAccessKey);
  await page.fill('#registry-id', '123456789012');
  // The endpoint is moto's: the form has no field for it, so the test
  // sends it by rewriting the request (what the API takes is the same).
  await page.route('**/v2/admin/**', async (route) => {
    const req = route.request();
    const body = req.postDataJSON?.() ?? null;
    if (body?.source) {
      body.source.endpoint = moto.url;
      body.source.registry = `http://${reg.host}`;
      return route.continue({ postData: JSON.stringify(body) });
    }
    return route.continue();
  });
  assert.match(await page.locator('#preview').innerText(), /Amazon ECR mints its registry credential at pull time/);
  assert.ok(!(await page.locator('#preview').innerText()).includes(key.secretAccessKey));
  await page.click('#test-login');
  await page.locator('#login-results').getByText('Login works').waitFor({ timeout: 30_000 });
  await shot(page, 'console-cloud-ecr');
  await page.click('button[type=submit]');
  await page.locator('#flash').getByText('Secret "ecr-console" created.').waitFor();
  await page.locator('tr', { hasText: 'ecr-console' }).getByText('minted by Amazon ECR: minted at the next pull').waitFor();
  const got = await viewer('GET', `${S}/ecr-console`);
  assert.equal(got.json.source.accessKeyId, key.accessKeyId);
  assert.ok(!(await stored(page)).includes(key.secretAccessKey), 'no key in localStorage');
  await ctx.close();
});

test('a Google key file chosen from disk makes a brokered secret; its page says who mints it', async () => {
  const { ctx, page } = await signedIn(TOKENS.editor);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = {
    type: 'service_account', project_id: 'p', private_key_id: 'k1', client_email: 'puller@p.iam.gserviceaccount.com',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }), token_uri: 'https://oauth2.googleapis.com/token',
  };
  const file = path.join(dir, 'sa.json');
  await writeFile(file, JSON.stringify(keyFile));
  await page.goto(`${w.url}/secrets/new`);
  await page.fill('#name', 'gar-console');
  await page.check('#kind-gcp');
  await page.fill('#cloud-registry', 'europe-docker.pkg.dev');
  await page.setInputFiles('#key-file-input', file);
  await page.waitForFunction(() => document.querySelector('#key-file').value.includes('PRIVATE KEY'));
  assert.equal(await page.locator('#key-file-error').innerText(), '');
  await page.click('button[type=submit]');
  await page.locator('#flash').getByText('Secret "gar-console" created.').waitFor();
  await page.goto(`${w.url}/secrets/gar-console`);
  await page.locator('#source').getByText('minted by Google: minted at the next pull').waitFor();
  assert.ok(!(await page.content()).includes('PRIVATE KEY'));
  assert.ok(!(await stored(page)).includes('PRIVATE KEY'));
  await ctx.close();
});
