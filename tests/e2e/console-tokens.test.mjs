// The console's Tokens page and session badge in headless Chromium against
// the real worker: an admin makes a scoped puller token, sees it once, copies
// it, finds it listed without it, uses it against the API, revokes it after a
// confirmation; scoped and non-admin sessions; and, behind Cloudflare Access
// (this file plays the Access team: RSA keys, a JWKs server on loopback,
// minted assertions sent by Chromium), the console signs in by itself.
// Screenshots (1280 px wide) land in target/e2e/.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, shot } from './browser.mjs';
import { ARTIFACTS, client, dockerconfig, startWorker, TOKENS } from './harness.mjs';

const VIEWPORT = { width: 1280, height: 800 };
const SECRETS = '/v2/admin/dockerRegistrySecrets';
const TOKEN_SHAPE = /^rc_[0-9a-f]{48}$/;

let w, browser, admin, editor;
before(async () => {
  w = await startWorker();
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
  admin = client(w.url, 'admin');
  editor = client(w.url, 'editor');
  for (const name of ['team-a-app', 'team-b-app']) {
    const r = await editor('POST', SECRETS, {
      name, data: { '.dockerconfigjson': dockerconfig('ghcr.io', `${name}-user`, `${name}-pw`) },
    });
    assert.equal(r.status, 202, r.text);
  }
});
after(async () => {
  await browser?.close();
  await w?.stop();
});

/** A fresh tab (its own session storage) at `url`, `base` the worker. */
async function tab(extra = {}, base = w.url) {
  const ctx = await browser.newContext({ viewport: VIEWPORT, ...extra });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  page.base = base;
  return { ctx, page };
}

async function signIn(page, token) {
  await page.goto(`${page.base}/signin`);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.locator('#whoami').waitFor();
}

const navLinks = (page) => page.locator('header nav a').allInnerTexts();
async function waitText(page, sel, re) {
  await page.waitForFunction(([s, src]) => {
    const el = document.querySelector(s);
    return el && new RegExp(src).test(el.textContent);
  }, [sel, re.source]);
}

// Shared by the create and revoke tests, which run in order.
let made = null;
let adminTab = null;

test('an admin makes a scoped puller token and sees it once, with copy and a warning', async () => {
  adminTab = await tab({ permissions: ['clipboard-read', 'clipboard-write'] });
  const { page } = adminTab;
  await signIn(page, TOKENS.admin);
  assert.equal(await page.locator('#whoami').innerText(), 'test-admin · admin');
  assert.ok((await navLinks(page)).includes('Tokens'), 'admins get the Tokens link');
  await page.click('header nav >> text=Tokens');
  await page.locator('#token-form').waitFor();
  assert.equal(await page.title(), 'API tokens · regcred');
  assert.equal(await page.getAttribute('header nav a[href="/tokens"]', 'aria-current'), 'page');
  await page.locator('#tokens-empty').waitFor();

  // Live checks, by shared's rules, before anything is sent.
  await page.fill('#token-label', 'ci: team a');
  await waitText(page, '#token-label-error', /':'/);
  await page.fill('#token-label', 'ci-team-a');
  await waitText(page, '#token-label-error', /^$/);
  await page.fill('#token-scope', 'Team-A-*');
  await waitText(page, '#token-scope-error', /'T' at position 1/);
  await page.fill('#token-scope', 'team-a-*');
  await page.selectOption('#token-role', 'admin');
  await waitText(page, '#token-scope-error', /admin token/);
  await page.selectOption('#token-role', 'puller');
  await waitText(page, '#token-scope-error', /^$/);
  assert.match(await page.locator('#token-role-hint').innerText(), /one secret's credentials/);
  const yesterday = new Date(Date.now() - 86400e3).toISOString().slice(0, 10);
  await page.fill('#token-expires', yesterday);
  await waitText(page, '#token-expires-error', /not in the future/);
  const later = new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10);
  await page.fill('#token-expires', later);
  await waitText(page, '#token-expires-error', /^$/);
  await page.fill('#token-scope', 'team-a-*,\nci-pull');
  await shot(page, 'tokens-form');

  const sent = [];
  page.on('request', (r) => { if (r.url().endsWith('/v2/admin/tokens') && r.method() === 'POST') sent.push(r.postDataJSON()); });
  await page.click('#token-create');
  await page.locator('#created-token-card').waitFor();
  assert.deepEqual(sent, [{ label: 'ci-team-a', role: 'puller', scope: ['team-a-*', 'ci-pull'], expiresAt: `${later}T00:00:00Z` }]);
  const token = await page.inputValue('#created-token');
  assert.match(token, TOKEN_SHAPE);
  assert.equal(await page.getAttribute('#created-token', 'readonly'), '');
  assert.match(await page.locator('#created-token-warning').innerText(), /shown only this once/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'created-token', 'focus goes to the new token');
  await page.click('#copy-token');
  await waitText(page, '#copy-token', /Copied/);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token, 'Copy puts the token on the clipboard');
  assert.equal(await page.inputValue('#token-label'), '', 'the form starts over');

  // Listed, without the token.
  await waitText(page, '#tokens', /ci-team-a/);
  const row = page.locator('#tokens tbody tr', { hasText: 'ci-team-a' });
  const cells = await row.locator('td').allInnerTexts();
  assert.deepEqual(cells.slice(0, 4), ['ci-team-a', await row.getAttribute('data-id'), 'puller', 'team-a-*, ci-pull']);
  assert.match(cells[1], /^[0-9a-f]{16}$/, 'the id regcred token revoke takes');
  assert.equal(cells[5], 'test-admin');
  assert.equal(cells[6], `${later} 00:00`);
  assert.equal(cells[7], 'never');
  assert.ok(!(await page.locator('#tokens').innerText()).includes(token));
  await shot(page, 'tokens-created');

  // Never stored in the browser; the API lists it without the token too.
  const storage = await page.evaluate(() => ({
    local: localStorage.length,
    session: Object.fromEntries(Object.keys(sessionStorage).map((k) => [k, sessionStorage.getItem(k)])),
  }));
  assert.equal(storage.local, 0);
  assert.deepEqual(storage.session, {
    'regcred.token': TOKENS.admin,
    'regcred.session': JSON.stringify({ label: 'test-admin', role: 'admin', via: 'environmentToken' }),
  });
  const listed = await admin('GET', '/v2/admin/tokens');
  assert.equal(listed.status, 200, listed.text);
  assert.ok(!listed.text.includes(token));
  made = { token, id: listed.json.resources.find((t) => t.label === 'ci-team-a').id };

  // It works, inside its scope only.
  const puller = client(w.url, token);
  const pulled = await puller('GET', `${SECRETS}/team-a-app/dockerconfigjson`);
  assert.equal(pulled.status, 200, pulled.text);
  assert.equal(pulled.json.auths['ghcr.io'].password, 'team-a-app-pw');
  assert.equal((await puller('GET', `${SECRETS}/team-b-app/dockerconfigjson`)).status, 404, 'outside the scope a secret does not exist');

  // Leaving the page drops it: back on Tokens, it is gone for good.
  await page.click('header nav >> text=Secrets');
  await page.locator('table.secrets').waitFor();
  await page.click('header nav >> text=Tokens');
  await waitText(page, '#tokens', /ci-team-a/);
  assert.equal(await page.locator('#created-token').count(), 0);
  assert.ok(!(await page.content()).includes(token), 'the token is not shown again');
  // Used once, so the list says in which hour.
  await waitText(page, '#tokens', /\d\d:00–\d\d:00/);
  const used = (await row.locator('td').allInnerTexts())[7];
  assert.match(used, /^\d{4}-\d\d-\d\d \d\d:00–\d\d:00$/);
});

test('revoking asks for a confirmation; the token is refused afterwards', async () => {
  assert.ok(made && adminTab, 'the create test ran');
  const { page } = adminTab;
  const puller = client(w.url, made.token);
  await page.click('button[aria-label="Revoke ci-team-a"]');
  await waitText(page, '.confirm', /Revoke "ci-team-a"\?/);
  await shot(page, 'tokens-revoke-confirm');
  await page.click('.confirm >> text=Cancel');
  await page.locator('.confirm').waitFor({ state: 'detached' });
  assert.equal((await puller('GET', `${SECRETS}/team-a-app/dockerconfigjson`)).status, 200, 'cancel keeps it');
  await page.click('button[aria-label="Revoke ci-team-a"]');
  await page.click('.confirm button.danger');
  await waitText(page, '#tokens-notice', /Revoked "ci-team-a"/);
  await page.locator('#tokens-empty').waitFor();
  const after = await puller('GET', `${SECRETS}/team-a-app/dockerconfigjson`);
  assert.equal(after.status, 401, after.text);
  assert.equal((await admin('GET', '/v2/admin/tokens')).json.count, 0);
  await adminTab.ctx.close();
});

test('a scoped session shows its scope and only its secrets; no Tokens link for editors', async () => {
  const r = await admin('POST', '/v2/admin/tokens', { label: 'team-a-editor', role: 'editor', scope: ['team-a-*'] });
  assert.equal(r.status, 201, r.text);
  const { ctx, page } = await tab();
  await signIn(page, r.json.token);
  assert.equal(await page.locator('#whoami').innerText(), 'team-a-editor · editor');
  assert.equal(await page.locator('#session-scope').innerText(), 'scope: team-a-*');
  await page.goto(`${w.url}/`);
  await page.locator('table.secrets >> text=team-a-app').waitFor();
  assert.ok(!(await page.locator('table.secrets').innerText()).includes('team-b-app'));
  assert.match(await page.locator('#scope-hint').innerText(), /team-a-\*/);
  assert.ok(!(await navLinks(page)).includes('Tokens'), 'editors get no Tokens link');
  await shot(page, 'session-scoped');
  await page.goto(`${w.url}/tokens`);
  await page.locator('#tokens-forbidden').waitFor();
  assert.match(await page.locator('#tokens-forbidden').innerText(), /Only admin tokens list, create and revoke API tokens\. You are signed in as team-a-editor with the editor role/);
  assert.equal(await page.locator('#token-form').count(), 0);
  await shot(page, 'tokens-forbidden');
  await ctx.close();
});

test('a viewer sees no Tokens link', async () => {
  const { ctx, page } = await tab();
  await signIn(page, TOKENS.viewer);
  assert.equal(await page.locator('#whoami').innerText(), 'test-viewer · viewer');
  assert.equal(await page.locator('#session-scope').count(), 0, 'an unscoped session shows no scope');
  const links = await navLinks(page);
  assert.ok(links.includes('Secrets') && !links.includes('Tokens') && !links.includes('Activity'), links.join());
  await ctx.close();
});

// Cloudflare Access, played by this file.
const AUD = 'aud-tag';
const team = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...team.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
function mint(iss, email) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64({ aud: [AUD], iss, email, exp: now + 600, nbf: now, iat: now })}`;
  return `${input}.${sign('sha256', Buffer.from(input), team.privateKey).toString('base64url')}`;
}

test('behind Cloudflare Access the console signs in by itself', async () => {
  const certs = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/cdn-cgi/access/certs') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => certs.listen(0, '127.0.0.1', resolve));
  const iss = `http://127.0.0.1:${certs.address().port}`;
  // The certs server is closed even when the worker does not start: an
  // open server keeps the test process, and so the whole run, waiting.
  const aw = await startWorker({
    vars: {
      REGCRED_ACCESS_TEAM_DOMAIN: iss,
      REGCRED_ACCESS_AUD: AUD,
      REGCRED_ACCESS_ROLES: 'alice@example.com:admin,bob@example.com:editor:team-a-*',
      REGCRED_ALLOW_HTTP_LOOPBACK: 'true',
    },
  }).catch(async (e) => {
    await new Promise((resolve) => certs.close(resolve));
    throw e;
  });
  const tabs = [];
  const accessTab = async (email) => {
    const t = await tab(email ? { extraHTTPHeaders: { 'cf-access-jwt-assertion': mint(iss, email) } } : {}, aw.url);
    tabs.push(t);
    return t.page;
  };
  try {
    // Alice: an admin, no token to paste.
    let page = await accessTab('alice@example.com');
    const sessionCalls = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/v2/session') sessionCalls.push(r.headers().authorization ?? null);
    });
    await page.goto(`${aw.url}/`);
    await waitText(page, '#whoami', /alice@example\.com/);
    assert.equal(await page.locator('#whoami').innerText(), 'alice@example.com · admin');
    assert.equal(await page.locator('#signed-in-via').innerText(), 'Cloudflare Access');
    assert.equal(await page.locator('#token').count(), 0, 'no token field');
    assert.deepEqual(sessionCalls, [null], 'one /v2/session, without a token');
    assert.ok((await navLinks(page)).includes('Tokens'));
    await page.locator('#empty-state').waitFor();
    await shot(page, 'access-signed-in');
    // The Access identity can do what its role allows: the Tokens page lists.
    await page.click('header nav >> text=Tokens');
    await page.locator('#tokens-empty').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0, 'nothing is stored');
    // Sign out forgets the session and says how to end Access's.
    await page.click('#signout');
    await page.locator('#access-ended').waitFor();
    assert.match(await page.locator('#access-ended').innerText(), /close this page/);
    assert.equal(await page.getAttribute('#access-ended a', 'href'), '/cdn-cgi/access/logout');
    assert.equal(await page.locator('#token').count(), 0, 'still no token field');
    await shot(page, 'access-signed-out');
    await page.click('#access-again');
    await waitText(page, '#whoami', /alice@example\.com/);

    // Bob: a scoped editor.
    page = await accessTab('bob@example.com');
    await page.goto(`${aw.url}/`);
    await waitText(page, '#whoami', /bob@example\.com/);
    assert.equal(await page.locator('#whoami').innerText(), 'bob@example.com · editor');
    assert.equal(await page.locator('#session-scope').innerText(), 'scope: team-a-*');
    assert.ok(!(await navLinks(page)).includes('Tokens'));

    // Carol: Access knows her, regcred does not; the page says so.
    page = await accessTab('carol@other.org');
    await page.goto(`${aw.url}/`);
    await page.locator('#edge-refused').waitFor();
    assert.match(await page.locator('#edge-refused').innerText(), /REGCRED_ACCESS_ROLES/);
    await page.locator('#signin-needed #token').waitFor();

    // Without Access's header the same worker asks for a token.
    page = await accessTab(null);
    await page.goto(`${aw.url}/`);
    await page.locator('#signin-needed #token').waitFor();
    assert.equal(await page.locator('#edge-refused').count(), 0);
  } finally {
    for (const t of tabs) await t.ctx.close();
    await aw.stop();
    await new Promise((resolve) => certs.close(resolve));
  }
});
