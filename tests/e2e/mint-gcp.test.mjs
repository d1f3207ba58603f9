// Google Artifact Registry, brokered: the built worker in workerd signs an
// RS256 assertion with WebCrypto and posts it to an RFC 7523 token endpoint
// that checks it with Authlib against the service account's public key
// (tests/standins/google_token.py). The access token logs in to a real
// docker-registry as `oauth2accesstoken`, through which skopeo pulls.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, ROOT, startWorker, TOKENS } from './harness.mjs';
import { inspectThroughHelper, pushImage } from './images.mjs';
import { startRegistry } from './registry.mjs';
import { startStandin } from './standins.mjs';

const BIN = process.env.REGCRED_CLI_BIN ?? path.join(ROOT, 'target', 'cli', 'bin');
const S = '/v2/admin/dockerRegistrySecrets';
const ACCESS_TOKEN = 'ya29.regcred-standin-token';
// Short, so "past half its life" comes within the test.
const LIFE_SECONDS = 6;
let w, google, reg, dir, editor, puller, admin;

before(async () => {
  [google, reg] = await Promise.all([
    startStandin('google_token.py', [String(LIFE_SECONDS), ACCESS_TOKEN]),
    startRegistry('oauth2accesstoken', ACCESS_TOKEN),
  ]);
  w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true' } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'regcred-gcp-'));
  editor = client(w.url, 'editor');
  puller = client(w.url, 'puller');
  admin = client(w.url, 'admin');
});
after(async () => {
  await w?.stop();
  await google?.stop();
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const mints = async () => (await (await fetch(`${google.url}/mints`)).json()).mints;
const source = (keyFile) => ({ type: 'gcpServiceAccount', registry: `http://${reg.host}`, serviceAccountKey: JSON.stringify(keyFile) });

test('a key the endpoint trusts mints once for 20 pulls at once, and again past half its life', async () => {
  const c = await editor('POST', S, { name: 'gar', source: source(google.info.known) });
  assert.equal(c.status, 202, c.text);
  const got = await client(w.url, 'viewer')('GET', `${S}/gar`);
  assert.equal(got.json.source.clientEmail, google.info.known.client_email);
  assert.ok(!got.text.includes('PRIVATE KEY'), 'never the private key');
  const pulls = await Promise.all(Array.from({ length: 20 }, () => puller('GET', `${S}/gar/dockerconfigjson`)));
  for (const p of pulls) {
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.auths[`http://${reg.host}`].password, ACCESS_TOKEN);
    assert.equal(p.json.auths[`http://${reg.host}`].username, 'oauth2accesstoken');
  }
  assert.equal(await mints(), 1, '20 pulls at once share one mint');
  const kept = await puller('GET', `${S}/gar/dockerconfigjson`);
  assert.equal(kept.status, 200);
  assert.equal(await mints(), 1, 'kept while more than half its life is left');
  const shown = await client(w.url, 'viewer')('GET', `${S}/gar`);
  assert.ok(shown.json.source.mintedUntil, shown.text);
  await new Promise((r) => setTimeout(r, (LIFE_SECONDS / 2) * 1000 + 1200));
  assert.equal((await puller('GET', `${S}/gar/dockerconfigjson`)).status, 200);
  assert.equal(await mints(), 2, 'past half its life the next pull mints again');
  const audit = await admin('GET', '/v2/admin/auditEvents');
  const ours = audit.json.resources.filter((e) => e.action === 'mint' && e.secret === 'gar');
  assert.equal(ours.length, 2, audit.text);
  assert.ok(ours.every((e) => e.provider === 'gcpServiceAccount' && e.kept === true));
  assert.ok(!audit.text.includes(ACCESS_TOKEN));
});

test('a key the endpoint does not know is 502 MintFailed: Google, invalid_grant', async () => {
  assert.equal((await editor('POST', S, { name: 'stranger', source: source(google.info.unknown) })).status, 202);
  const r = await puller('GET', `${S}/stranger/dockerconfigjson`);
  assert.equal(r.status, 502, r.text);
  assert.equal(r.json.error.code, 'MintFailed');
  assert.match(r.json.error.message, /Google/);
  assert.match(r.json.error.message, /invalid_grant/);
  assert.ok(!r.text.includes('PRIVATE KEY'));
  // Two secrets for one registry would be ambiguous to the credential helper.
  assert.equal((await editor('DELETE', `${S}/stranger`)).status, 202);
});

test('skopeo pulls through docker-credential-regcred with the Google access token', async () => {
  await pushImage(dir, reg.host, 'gar/app', `oauth2accesstoken:${ACCESS_TOKEN}`);
  const env = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, HOME: dir, REGCRED_CONFIG: path.join(dir, 'config.json'), REGCRED_URL: w.url, REGCRED_TOKEN: TOKENS.puller };
  const helper = spawnSync(path.join(BIN, 'docker-credential-regcred'), ['get'], { input: reg.host, env, encoding: 'utf8' });
  assert.equal(helper.status, 0, helper.stdout + helper.stderr);
  const inspect = await inspectThroughHelper(dir, reg.host, 'gar/app', env);
  assert.equal(inspect.status, 0, inspect.stderr);
  console.log(`# skopeo inspect docker://${reg.host}/gar/app:latest through docker-credential-regcred (Google via Authlib): ${JSON.parse(inspect.stdout).Digest}`);
});
