// The decoder reads what people paste most (issue 21, item 5): the
// `.dockerconfigjson` value of a Kubernetes Secret (base64 of JSON), and the
// whole Secret as kubectl prints it (YAML or JSON). Before, the value showed
// username `{"auths"` and a Secret gave "not valid base64 at position 11".
// Both places are tested as people use them: the /decode page in headless
// Chromium, and the installed `regcred decode`. Both call shared::paste.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser } from './browser.mjs';
import { ROOT, startWorker } from './harness.mjs';

const BIN = process.env.REGCRED_CLI_BIN ?? path.join(ROOT, 'target', 'cli', 'bin');

const b64 = (s) => Buffer.from(s).toString('base64');
const PASSWORD = 's3cr:et-Dq9';
const CONFIG = JSON.stringify({
  auths: { 'registry.example.com': { username: 'deploy', password: PASSWORD, auth: b64(`deploy:${PASSWORD}`) } },
});
const TWO = JSON.stringify({
  auths: { 'ghcr.io': { auth: b64('bot:ghp_x') }, 'quay.io': { username: 'q', password: 'qp' } },
});
// What people paste, as kubectl prints it.
const VALUE = b64(CONFIG);
const CREATED = `apiVersion: v1
data:
  .dockerconfigjson: ${VALUE}
kind: Secret
metadata:
  creationTimestamp: null
  name: regcred
type: kubernetes.io/dockerconfigjson
`;
const APPLIED = JSON.stringify({ apiVersion: 'v1', data: { '.dockerconfigjson': b64(TWO) }, kind: 'Secret',
  metadata: { annotations: {}, name: 'ci-pull', namespace: 'ci' }, type: 'kubernetes.io/dockerconfigjson' });
const GOT = `apiVersion: v1
data:
  .dockerconfigjson: ${b64(TWO)}
kind: Secret
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      ${APPLIED}
  creationTimestamp: "2026-03-02T10:11:12Z"
  name: ci-pull
  namespace: ci
  resourceVersion: "48213"
  uid: 6f0c6a3e-8f4b-4d0e-9a57-0d3f4c1b2a11
type: kubernetes.io/dockerconfigjson
`;
const AS_JSON = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred' },
  type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': VALUE } }, null, 2);
const LIST = `apiVersion: v1
items:
- apiVersion: v1
  data:
    .dockerconfigjson: ${VALUE}
  kind: Secret
  metadata:
    name: first
  type: kubernetes.io/dockerconfigjson
- apiVersion: v1
  data:
    token: c2VjcmV0
  kind: Secret
  metadata:
    name: opaque-one
  type: Opaque
kind: List
metadata:
  resourceVersion: ""
`;

let w, browser;
before(async () => {
  w = await startWorker();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await w?.stop();
});

test('/decode reads a .dockerconfigjson value and whole Secrets, and sends nothing', async () => {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  p.setDefaultTimeout(20_000);
  await p.goto(`${w.url}/decode`);
  await p.locator('#decode-input').waitFor();
  const requests = [];
  p.on('request', (r) => requests.push(r.url()));
  const rowsOf = async (input, count) => {
    await p.fill('#decode-input', input);
    await p.waitForFunction((n) => document.querySelectorAll('#decoded-rows tbody tr').length === n, count);
    return p.locator('#decoded-rows').innerText();
  };

  for (const [what, input] of [['the base64 value', VALUE], ['kubectl create … -o yaml', CREATED], ['kubectl get … -o json', AS_JSON]]) {
    const rows = await rowsOf(input, 1);
    assert.match(rows, /registry\.example\.com\s+deploy/, what);
    assert.doesNotMatch(rows, /auths/, `${what}: not read as a token`);
    assert.ok(!rows.includes(PASSWORD), `${what}: the password stays masked`);
  }
  assert.match(await p.locator('#decoded-source').innerText(), /the Secret regcred/);
  await p.click('#decoded-rows button');
  await p.waitForFunction((pw) => document.querySelector('#decoded-password-0')?.textContent === pw, PASSWORD);

  // kubectl get after apply: the annotation's copy is no second Secret.
  const got = await rowsOf(GOT, 2);
  assert.match(got, /ghcr\.io\s+bot/);
  assert.match(got, /quay\.io\s+q/);

  // kubectl get secrets -o yaml: every Secret, with a column naming it.
  const list = await rowsOf(LIST, 2);
  assert.match(list, /Secret\s+Registry/);
  assert.match(list, /first\s+registry\.example\.com\s+deploy/);
  assert.match(list, /opaque-one\s+the Secret opaque-one has no data\.".dockerconfigjson" \(its type is Opaque\)/);

  await p.fill('#decode-input', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: aHVudGVyMg==\n');
  await p.waitForFunction(() => /the Secret db has no data/.test(document.querySelector('#decode-error')?.textContent ?? ''));
  assert.doesNotMatch(await p.locator('#decode-error').innerText(), /position/);
  assert.deepEqual(requests, [], 'the decoder must not send anything');
  await ctx.close();
});

test('/decode on a phone: every decoded row fits 390 px, one card per registry', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const p = await ctx.newPage();
  p.setDefaultTimeout(20_000);
  await p.goto(`${w.url}/decode`);
  await p.locator('#decode-input').waitFor();
  const long = JSON.stringify({ auths: {
    'registry.gitlab.platform-team.example.com:5050': { auth: b64('deploy-bot-for-the-platform-team:pw') },
    'quay.io': { auth: b64('q:p') },
  } });
  for (const input of [b64(long), LIST.replace(VALUE, b64(long))]) {
    await p.fill('#decode-input', input);
    await p.locator('#decoded-rows tbody tr').first().waitFor();
    const { over, widest } = await p.evaluate(() => {
      const vw = window.innerWidth;
      let right = vw;
      let widest = '';
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.right > right + 0.5) { right = r.right; widest = `${el.tagName}#${el.id} (${Math.round(r.right)} px)`; }
      }
      return { over: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - vw, widest };
    });
    assert.ok(over <= 0, `the decoded rows are ${over} px wider than the screen; widest: ${widest}`);
  }
  await ctx.close();
});

/** The installed CLI, offline (a closed port as its server). */
function decode(args, input = '') {
  const r = spawnSync(path.join(BIN, 'regcred'), ['decode', ...args], {
    input, encoding: 'utf8', timeout: 30_000,
    env: { PATH: process.env.PATH, HOME: '/nonexistent', REGCRED_URL: 'http://127.0.0.1:9', REGCRED_TOKEN: 'x' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('regcred decode reads a .dockerconfigjson value and whole Secrets', () => {
  const value = decode([VALUE]);
  assert.equal(value.code, 0, value.err);
  assert.match(value.out, new RegExp(`^REGISTRY\\s+USERNAME\\s+PASSWORD\nregistry\\.example\\.com\\s+deploy\\s+\\(${PASSWORD.length} characters; --reveal shows it\\)\n$`));
  assert.match(value.err, /base64 of a Docker config/);

  for (const input of [CREATED, AS_JSON]) {
    const d = decode(['-', '--reveal'], input);
    assert.equal(d.code, 0, d.err);
    assert.match(d.out, new RegExp(`registry\\.example\\.com\\s+deploy\\s+${PASSWORD}`));
  }
  const got = decode(['-'], GOT);
  assert.equal(got.code, 0, got.err);
  assert.match(got.out, /ghcr\.io\s+bot/);
  assert.match(got.out, /quay\.io\s+q /);

  const list = decode(['-'], LIST);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^SECRET\s+REGISTRY\s+USERNAME\s+PASSWORD/);
  assert.match(list.out, /first\s+registry\.example\.com\s+deploy/);
  assert.match(list.out, /opaque-one.*its type is Opaque/);

  const bad = decode(['-'], 'metadata:\n  name: typo\ndata:\n  .dockerconfigjson: eyJhdXRocyI6e30*\n');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /the Secret typo's data\.".dockerconfigjson" is not base64/);
});
