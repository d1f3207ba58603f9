// The console on a phone and on a desktop, in headless Chromium against the
// real worker: at 360, 390 and 1280 px no signed-in page is wider than the
// screen (document scrollWidth <= viewport), with long names, several
// registries, open confirmations and the header's menu; a list row's delete
// confirmation gets its own row and never widens the table. Screenshots of
// the list and a secret's page (desktop and phone) land in target/e2e/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser } from './browser.mjs';
import { ARTIFACTS, client, startWorker, TOKENS } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const WIDTHS = [360, 390, 1280];
// A name as long as names get in practice, and one secret with several registries.
const LONG = 'platform-team-gitlab-registry-for-ci-pipelines-in-eu-central';
const MANY = 'mirrors';

let w, browser, admin, editor, tokenId;
before(async () => {
  w = await startWorker();
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
  admin = client(w.url, 'admin');
  editor = client(w.url, 'editor');
  const soon = new Date(Date.now() + 5 * 86400e3).toISOString().slice(0, 10);
  const auths = (servers) => JSON.stringify({ auths: Object.fromEntries(servers.map((s, i) => [s, { username: `robot-account-${i}`, password: `pw-${i}` }])) });
  const make = async (name, servers, extra = {}) => {
    const r = await editor('POST', S, { name, data: { '.dockerconfigjson': auths(servers) }, ...extra });
    assert.equal(r.status, 202, r.text);
  };
  await make(LONG, ['registry.gitlab.platform-team.example.com:5050'], { expiresAt: soon });
  await make(MANY, ['ghcr.io', 'quay.io', 'registry.example.com:5000', '123456789012.dkr.ecr.eu-central-1.amazonaws.com']);
  await make('web', ['ghcr.io']);
  await make('gone', ['quay.io']);
  const r = await editor('PATCH', `${S}/web`, { data: { '.dockerconfigjson': auths(['ghcr.io', 'quay.io']) } });
  assert.equal(r.status, 202, r.text);
  assert.equal((await editor('DELETE', `${S}/gone`)).status, 202);
  const t = await admin('POST', '/v2/admin/tokens', { label: 'ci-runner-for-the-platform-team', role: 'puller', scope: ['platform-team-*', 'mirrors', 'web'] });
  assert.equal(t.status, 201, t.text);
  tokenId = t.json.id;
});
after(async () => {
  await browser?.close();
  await w?.stop();
});

async function tab(width, token = TOKENS.admin) {
  const ctx = await browser.newContext({ viewport: { width, height: 800 } });
  await ctx.addInitScript(([t]) => { sessionStorage.setItem('regcred.token', t); }, [token]);
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  return { ctx, page };
}

/** How much wider than the screen the page is (0: it fits), and the widest element. */
const overflow = (page) => page.evaluate(() => {
  const vw = window.innerWidth;
  const doc = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
  let widest = '';
  let right = vw;
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > right + 0.5) {
      right = r.right;
      widest = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).replace(/ /g, '.')}` : ''} (${Math.round(r.right)} px)`;
    }
  }
  return { over: doc - vw, widest };
});

async function fits(page, what) {
  const { over, widest } = await overflow(page);
  const width = page.viewportSize().width;
  assert.ok(over <= 0, `${what} at ${width} px is ${over} px wider than the screen; widest: ${widest}`);
}

// Every signed-in page, and what shows it is loaded.
const PAGES = [
  ['/', 'table.secrets tbody tr'],
  [`/secrets/${LONG}`, '#versions tbody tr'],
  [`/secrets/${MANY}`, '#versions tbody tr'],
  [`/secrets/${MANY}/edit`, '#username'],
  ['/secrets/new', '#name'],
  ['/deleted', '#deleted tbody tr'],
  ['/secrets/gone', '#deleted-line'],
  ['/activity', '#activity tbody tr'],
  ['/tokens', '#tokens tbody tr'],
  ['/decode', '#decode-input'],
];

for (const width of WIDTHS) {
  test(`every signed-in page fits ${width} px`, async () => {
    const { ctx, page } = await tab(width);
    for (const [url, ready] of PAGES) {
      await page.goto(`${w.url}${url}`);
      await page.locator(ready).first().waitFor();
      await fits(page, url);
    }
    // Import with its rows.
    await page.goto(`${w.url}/import`);
    await page.fill('#config-text', JSON.stringify({
      auths: { 'registry.gitlab.platform-team.example.com:5050': { auth: Buffer.from('ci:t').toString('base64') }, 'ghcr.io': {} },
      credHelpers: { '123456789012.dkr.ecr.eu-central-1.amazonaws.com': 'ecr-login' },
    }));
    await page.locator('#import-rows tbody tr').nth(2).waitFor();
    await fits(page, '/import with rows');
    // Open confirmations.
    await page.goto(`${w.url}/`);
    await page.getByRole('button', { name: `Delete ${LONG}` }).click();
    await page.getByRole('alertdialog').waitFor();
    await fits(page, 'the list with a delete confirmation');
    await page.goto(`${w.url}/secrets/web`);
    await page.getByRole('button', { name: 'Restore version 1' }).click();
    await page.getByRole('alertdialog').waitFor();
    await fits(page, 'a restore confirmation');
    await page.click('#delete-secret');
    await page.locator('#delete-confirm').waitFor();
    await fits(page, 'a secret\'s delete confirmation');
    await page.goto(`${w.url}/tokens`);
    await page.getByRole('button', { name: 'Revoke ci-runner-for-the-platform-team' }).click();
    await page.getByRole('alertdialog').waitFor();
    await fits(page, 'a revoke confirmation');
    await ctx.close();
  });
}

test('on a phone the header folds its links behind Menu', async () => {
  const { ctx, page } = await tab(360);
  await page.goto(`${w.url}/`);
  await page.locator('table.secrets tbody tr').first().waitFor();
  const nav = page.locator('header nav');
  assert.equal(await nav.isVisible(), false, 'the links are folded');
  const header = await page.locator('header').boundingBox();
  assert.ok(header.height <= 110, `the folded header is ${header.height} px tall`);
  await page.click('header .menu-toggle');
  assert.equal(await page.getAttribute('header .menu-toggle', 'aria-expanded'), 'true');
  await nav.getByText('Tokens').waitFor();
  await fits(page, 'the open menu');
  await nav.getByText('Activity').click();
  await page.locator('#activity tbody tr').first().waitFor();
  assert.equal(await nav.isVisible(), false, 'following a link folds them again');
  await ctx.close();
});

test('on a phone every list row is a card with labelled cells', async () => {
  const { ctx, page } = await tab(390);
  await page.goto(`${w.url}/`);
  const row = page.locator('table.secrets tbody tr', { hasText: MANY });
  await row.waitFor();
  const cells = await row.evaluate((tr) => [...tr.cells].map((td) => [getComputedStyle(td).display, getComputedStyle(td, '::before').content]));
  assert.ok(cells.every(([d]) => d === 'block'), JSON.stringify(cells));
  assert.deepEqual(cells.slice(0, 2).map(([, c]) => c), ['"Name"', '"Registries"']);
  // The README's phone screenshots: what a phone shows first.
  await page.screenshot({ path: path.join(ARTIFACTS, 'list-phone.png') });
  await page.goto(`${w.url}/secrets/${MANY}`);
  await page.locator('#versions tbody tr').first().waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'detail-phone.png') });
  await ctx.close();
});

test('at 1280 px a delete confirmation has its own row and leaves the table as wide', async () => {
  const { ctx, page } = await tab(1280);
  await page.goto(`${w.url}/`);
  const table = page.locator('table.secrets');
  await table.locator('tbody tr').first().waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'list-desktop.png'), fullPage: true });
  const before = await table.boundingBox();
  // Lines of each date's text (a cell is as tall as its row).
  const lines = () => page.locator('table.secrets td.time').evaluateAll((tds) => tds.map((td) => {
    const range = document.createRange();
    range.selectNodeContents(td);
    return Math.round(range.getBoundingClientRect().height / parseFloat(getComputedStyle(td).lineHeight));
  }));
  const row = page.locator('table.secrets tbody tr', { hasText: LONG });
  await page.getByRole('button', { name: `Delete ${LONG}` }).click();
  const question = page.getByRole('alertdialog');
  await question.waitFor();
  const after = await table.boundingBox();
  assert.equal(Math.round(after.width), Math.round(before.width), 'the table keeps its width');
  assert.ok(after.width <= 1280, `the table is ${after.width} px wide`);
  // The question is in the row after the secret's, spanning the table.
  assert.equal(await question.evaluate((q) => q.closest('tr').previousElementSibling.textContent.includes('platform-team')), true);
  assert.equal(await question.evaluate((q) => q.closest('td').colSpan), 6);
  assert.equal(await row.locator('td.actions').innerText(), 'Delete');
  assert.ok((await lines()).every((n) => n <= 1.5), `dates keep one line: ${await lines()}`);
  await question.getByRole('button', { name: 'Cancel' }).click();
  await question.waitFor({ state: 'detached' });
  await page.goto(`${w.url}/secrets/${MANY}`);
  await page.locator('#versions tbody tr').first().waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'detail-desktop.png') });
  await ctx.close();
});

test('a puller\'s page fits a phone too', async () => {
  const { ctx, page } = await tab(360, TOKENS.puller);
  await page.goto(`${w.url}/`);
  await page.locator('#puller-home pre').first().waitFor();
  await fits(page, 'the puller page');
  await ctx.close();
});

test('the tokens list and the activity name the token by id', async () => {
  const { ctx, page } = await tab(1280);
  await page.goto(`${w.url}/tokens`);
  const row = page.locator('#tokens tbody tr', { hasText: 'ci-runner-for-the-platform-team' });
  await row.waitFor();
  assert.equal(await row.locator('td.id').innerText(), tokenId);
  await page.goto(`${w.url}/activity`);
  const made = page.locator('#activity tbody tr', { hasText: 'token-create' });
  await made.first().waitFor();
  assert.match(await made.first().innerText(), new RegExp(`token ${tokenId}`));
  await ctx.close();
});
