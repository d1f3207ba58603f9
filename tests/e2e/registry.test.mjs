// The login check against a REAL registry: Debian's docker-registry (the
// CNCF distribution registry) with htpasswd auth, started here on loopback,
// plus a plain HTTP server that is not a registry and a closed port.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser } from './browser.mjs';
import { ARTIFACTS, client, dockerconfig, freePort, startWorker, TOKENS } from './harness.mjs';
import { startRegistry } from './registry.mjs';

const USER = 'registry-user';
const PASSWORD = 'registry-Pa55:word';
let w, registry, plain, regUrl, plainUrl, closedUrl, editor;

before(async () => {
  registry = await startRegistry(USER, PASSWORD);
  regUrl = registry.url;
  plain = http.createServer((_, res) => { res.writeHead(404, { 'content-type': 'text/html' }); res.end('<h1>nope</h1>'); });
  await new Promise((r) => plain.listen(0, '127.0.0.1', r));
  plainUrl = `http://127.0.0.1:${plain.address().port}`;
  closedUrl = `http://127.0.0.1:${await freePort()}`;
  w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true' } });
  editor = client(w.url, 'editor');
});
after(async () => {
  await registry?.stop();
  plain?.close();
  await w?.stop();
});

async function check(name, server, password) {
  const c = await editor('POST', '/v2/admin/dockerRegistrySecrets', { name, data: { '.dockerconfigjson': dockerconfig(server, USER, password) } });
  assert.equal(c.status, 202, c.text);
  const r = await editor('POST', `/v2/admin/dockerRegistrySecrets/${name}/check`);
  assert.equal(r.status, 200, r.text);
  assert.ok(!r.text.includes(password), 'the check never echoes the password');
  return r.json.results[0];
}

test('right password: ok', async () => {
  const r = await check('reg-ok', regUrl, PASSWORD);
  assert.equal(r.result, 'ok', r.message);
  assert.match(r.message, /credentials work/);
});

test('wrong password: rejected, with the DEP_E153 advice', async () => {
  const r = await check('reg-wrong', regUrl, 'not-the-password');
  assert.equal(r.result, 'credentialsRejected', r.message);
  assert.match(r.message, /check the username and password/);
  // The trail records the check's result, so failing checks can be found.
  const trail = await editor('GET', '/v2/admin/auditEvents?secret=reg-wrong');
  const checks = trail.json.resources.filter((e) => e.action === 'check');
  assert.deepEqual(checks.map((e) => e.outcome), ['credentialsRejected'], trail.text);
  const okTrail = await editor('GET', '/v2/admin/auditEvents?secret=reg-ok');
  assert.deepEqual(okTrail.json.resources.filter((e) => e.action === 'check').map((e) => e.outcome), ['success']);
});

test('closed port: unreachable', async () => {
  const r = await check('reg-closed', closedUrl, PASSWORD);
  assert.equal(r.result, 'unreachable', r.message);
});

test('a plain HTTP server: not a registry', async () => {
  const r = await check('reg-plain', plainUrl, PASSWORD);
  assert.equal(r.result, 'notARegistry', r.message);
});

test('dry run with credentials not yet saved', async () => {
  const body = { data: { '.dockerconfigjson': dockerconfig(regUrl, USER, PASSWORD) } };
  const r = await editor('POST', '/v2/admin/registryLoginChecks', body);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.results[0].result, 'ok');
  const bad = await editor('POST', '/v2/admin/registryLoginChecks', { data: { '.dockerconfigjson': dockerconfig(regUrl, USER, 'nope-nope') } });
  assert.equal(bad.json.results[0].result, 'credentialsRejected');
});

test('plain http to a non-loopback host is refused', async () => {
  const body = { data: { '.dockerconfigjson': dockerconfig('http://registry.example.com', USER, PASSWORD) } };
  const r = await editor('POST', '/v2/admin/registryLoginChecks', body);
  assert.equal(r.json.results[0].result, 'notAllowed');
});

test('the console tests a login on a secret page and on the create form', async () => {
  const browser = await launchBrowser();
  try {
    const ctx = await browser.newContext();
    await ctx.addInitScript((t) => sessionStorage.setItem('regcred.token', t), TOKENS.editor);
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${w.url}/secrets/reg-wrong`);
    await page.click('#test-login');
    await page.waitForFunction(() => /Credentials rejected/.test(document.querySelector('#login-results')?.textContent ?? ''));
    // The Activity page shows that check as rejected, not as a success.
    await page.goto(`${w.url}/activity`);
    await page.waitForFunction(() => [...document.querySelectorAll('tr')]
      .some((tr) => /reg-wrong/.test(tr.textContent) && /check/.test(tr.textContent) && /credentialsRejected/.test(tr.textContent)));
    await page.goto(`${w.url}/secrets/new`);
    await page.check('#kind-private');
    await page.fill('#server', regUrl);
    await page.fill('#username', USER);
    await page.fill('#password', PASSWORD);
    await page.click('#test-login');
    await page.waitForFunction(() => /Login works/.test(document.querySelector('#login-results')?.textContent ?? ''));
    await page.screenshot({ path: path.join(ARTIFACTS, 'create-test-login.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});

test('passwords never reach the worker log', () => {
  assert.ok(!w.log().includes(PASSWORD));
});
