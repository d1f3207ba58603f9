// Azure Container Registry, brokered: the built worker in workerd takes an
// Entra ID token with the client-credentials grant, exchanges it at the
// registry's /oauth2/exchange for a refresh token, and hands that out as
// the password of 00000000-0000-0000-0000-000000000000. The stand-in
// (tests/standins/azure.py, written from Microsoft's documented protocol)
// fronts a real docker-registry, through which skopeo pulls.
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
const ACR_USER = '00000000-0000-0000-0000-000000000000';
const REAL = ['acr-admin', 'acr-Adm1n-password'];
// The refresh token's `exp`, short so that "past half its life" comes soon.
const LIFE_SECONDS = 6;
let w, azure, reg, dir, editor, puller;

before(async () => {
  reg = await startRegistry(...REAL);
  azure = await startStandin('azure.py', [reg.url, ...REAL, String(LIFE_SECONDS)]);
  w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true' } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'regcred-acr-'));
  editor = client(w.url, 'editor');
  puller = client(w.url, 'puller');
});
after(async () => {
  await w?.stop();
  await azure?.stop();
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const host = () => `127.0.0.1:${azure.port}`;
const exchanges = async () => (await (await fetch(`${azure.url}/_standin/mints`)).json()).mints;
const source = (extra = {}) => ({
  type: 'azureServicePrincipal', registry: `http://${host()}`, authorityHost: azure.url,
  tenantId: azure.info.tenantId, clientId: azure.info.clientId, clientSecret: azure.info.clientSecret, ...extra,
});

test('a service principal mints a refresh token whose exp drives the cache', async () => {
  const c = await editor('POST', S, { name: 'acr', source: source() });
  assert.equal(c.status, 202, c.text);
  const got = await client(w.url, 'viewer')('GET', `${S}/acr`);
  assert.deepEqual([got.json.source.tenantId, got.json.source.clientId], [azure.info.tenantId, azure.info.clientId]);
  assert.ok(!got.text.includes(azure.info.clientSecret), 'never the client secret');
  const before = Date.now();
  const pull = await puller('GET', `${S}/acr/dockerconfigjson`);
  assert.equal(pull.status, 200, pull.text);
  const entry = pull.json.auths[`http://${host()}`];
  assert.equal(entry.username, ACR_USER);
  const exp = JSON.parse(Buffer.from(entry.password.split('.')[1], 'base64url')).exp;
  assert.equal(pull.headers.get('expires-at'), new Date(exp * 1000).toISOString().replace('.000', ''));
  assert.ok(Math.abs(exp * 1000 - (before + LIFE_SECONDS * 1000)) < 5000);
  assert.equal((await puller('GET', `${S}/acr/dockerconfigjson`)).json.auths[`http://${host()}`].password, entry.password, 'kept');
  assert.equal(await exchanges(), 1);
  const check = await editor('POST', `${S}/acr/check`);
  assert.equal(check.json.results[0].result, 'ok', check.text);
  await new Promise((r) => setTimeout(r, (LIFE_SECONDS / 2) * 1000 + 1200));
  assert.equal((await puller('GET', `${S}/acr/dockerconfigjson`)).status, 200);
  assert.equal(await exchanges(), 2, 'past half its life the next pull mints again');
});

test('a wrong client secret is 502 MintFailed: Azure, invalid_client', async () => {
  assert.equal((await editor('POST', S, { name: 'acr-wrong', source: source({ clientSecret: 'not-the-secret' }) })).status, 202);
  const r = await puller('GET', `${S}/acr-wrong/dockerconfigjson`);
  assert.equal(r.status, 502, r.text);
  assert.equal(r.json.error.code, 'MintFailed');
  assert.match(r.json.error.message, /Azure/);
  assert.match(r.json.error.message, /invalid_client/);
  assert.ok(!r.text.includes('not-the-secret'));
  assert.equal((await editor('DELETE', `${S}/acr-wrong`)).status, 202);
});

test('skopeo pulls through docker-credential-regcred with the ACR refresh token', async () => {
  await pushImage(dir, reg.host, 'acr/app', REAL.join(':'));
  const env = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, HOME: dir, REGCRED_CONFIG: path.join(dir, 'config.json'), REGCRED_URL: w.url, REGCRED_TOKEN: TOKENS.puller };
  const helper = spawnSync(path.join(BIN, 'docker-credential-regcred'), ['get'], { input: host(), env, encoding: 'utf8' });
  assert.equal(helper.status, 0, helper.stdout + helper.stderr);
  assert.equal(JSON.parse(helper.stdout).Username, ACR_USER);
  const inspect = await inspectThroughHelper(dir, host(), 'acr/app', env);
  assert.equal(inspect.status, 0, inspect.stderr);
  console.log(`# skopeo inspect docker://${host()}/acr/app:latest through docker-credential-regcred (Azure via its stand-in): ${JSON.parse(inspect.stdout).Digest}`);
});
