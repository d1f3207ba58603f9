// Workload identity in workerd: a local OIDC issuer on loopback
// (tests/standins/oidc_issuer.py: discovery, a key set with an RSA and an EC
// P-256 key) signs GitHub-Actions-shaped (RS256) and Kubernetes-shaped
// (ES256) tokens; trust rules grant exactly their role and scope, every bad
// token is refused like an unknown one, and a rotated key is fetched once.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, dockerconfig, freePort, startWorker, TOKENS } from './harness.mjs';
import { inspectThroughHelper, pushImage } from './images.mjs';
import { pct } from '../bench/measure.mjs';
import { cli } from './cli-harness.mjs';
import { startRegistry } from './registry.mjs';
import { startStandin } from './standins.mjs';

let reg, dir, c;

const S = '/v2/admin/dockerRegistrySecrets';
const W = '/v2/admin/workloadIdentities';
let w, issuer, google, admin, editor;
// A minted credential's life, short of the pod token's (200 s): the
// kubelet's cache must then follow half of it.
const MINT_LIFE = 120;
const MINTED = 'ya29.workload-minted';

before(async () => {
  [issuer, reg, google] = await Promise.all([startStandin('oidc_issuer.py'), startRegistry('team-a', 'Team-a-registry-pw'),
    startStandin('google_token.py', [String(MINT_LIFE), MINTED])]);
  dir = await mkdtemp(path.join(os.tmpdir(), 'regcred-workload-'));
  w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true' } });
  c = cli(dir, () => w.url);
  admin = client(w.url, 'admin');
  editor = client(w.url, 'editor');
  for (const name of ['team-a-app', 'team-b-app']) {
    const r = await editor('POST', S, { name, data: { '.dockerconfigjson': dockerconfig(`${name}.example.com`, 'u', `${name}-pw`) } });
    assert.equal(r.status, 202, r.text);
  }
  const gar = await editor('POST', S, { name: 'team-a-gar', source: { type: 'gcpServiceAccount', registry: 'team-a-gar.example.com', serviceAccountKey: JSON.stringify(google.info.known) } });
  assert.equal(gar.status, 202, gar.text);
  const r = await editor('POST', S, { name: 'team-a-registry', data: { '.dockerconfigjson': dockerconfig(`http://${reg.host}`, 'team-a', 'Team-a-registry-pw') } });
  assert.equal(r.status, 202, r.text);
});
after(async () => {
  await w?.stop();
  await issuer?.stop();
  await google?.stop();
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// The installed binaries with no stored token unless `extra` gives one.
const run = (bin, args, extra, input = '') => c.run(args, { bin, extra, input, role: null });
const runAsync = (bin, args, extra, input = '') => c.runAsync(args, { bin, extra, input, role: null });

const now = () => Math.floor(Date.now() / 1000);
const sign = async (claims, opts = {}) => {
  const r = await fetch(`${issuer.url}/_standin/sign`, { method: 'POST', body: JSON.stringify({ claims, ...opts }) });
  return (await r.json()).token;
};
const github = (extra = {}) => ({
  iss: issuer.info.issuer, aud: 'regcred', sub: 'repo:acme/team-a-web:ref:refs/heads/main',
  repository: 'acme/team-a-web', ref: 'refs/heads/main', iat: now(), nbf: now(), exp: now() + 300, ...extra,
});
const k8s = (extra = {}) => ({
  iss: issuer.info.issuer, aud: ['regcred', 'other'], sub: 'system:serviceaccount:build:puller', iat: now(), exp: now() + 300, ...extra,
});
const as = (jwt) => client(w.url, jwt);
const fetches = async () => (await (await fetch(`${issuer.url}/_standin/fetches`)).json()).fetches;

test('rules grant exactly their role and scope; the session and the audit name the rule and the subject', async () => {
  const gh = await admin('POST', W, { label: 'ci team a', issuer: issuer.info.issuer, audience: 'regcred',
    claims: { repository: 'acme/team-a-*', ref: 'refs/heads/main' }, role: 'puller', scope: ['team-a-*'] });
  assert.equal(gh.status, 201, gh.text);
  assert.match(gh.json.id, /^[0-9a-f]{16}$/);
  const kube = await admin('POST', W, { label: 'build pods', issuer: issuer.info.issuer, audience: 'regcred',
    claims: { sub: 'system:serviceaccount:build:*' }, role: 'viewer' });
  assert.equal(kube.status, 201, kube.text);
  assert.equal((await admin('POST', W, { label: 'x', issuer: issuer.info.issuer, audience: 'a', claims: { sub: '*' }, role: 'admin' })).status, 400);
  assert.equal((await admin('GET', W)).json.count, 2);

  const ci = as(await sign(github()));
  const session = await ci('GET', '/v2/session');
  assert.equal(session.status, 200, session.text);
  assert.deepEqual([session.json.label, session.json.role, session.json.via, session.json.subject],
    ['ci team a', 'puller', 'workloadIdentity', 'repo:acme/team-a-web:ref:refs/heads/main']);
  const pulled = await ci('GET', `${S}/team-a-app/dockerconfigjson`);
  assert.equal(pulled.status, 200, pulled.text);
  assert.equal(pulled.json.auths['team-a-app.example.com'].password, 'team-a-app-pw');
  assert.equal((await ci('GET', `${S}/team-b-app/dockerconfigjson`)).status, 404, 'outside the scope');
  assert.equal((await ci('GET', S)).status, 403, 'a puller does not list');

  const pod = as(await sign(k8s(), { alg: 'ES256' }));
  const listed = await pod('GET', S);
  assert.equal(listed.status, 200, listed.text);
  assert.equal(listed.json.count, 4);
  assert.equal((await pod('GET', `${S}/team-a-app/dockerconfigjson`)).status, 403, 'a viewer does not pull');

  const audit = await admin('GET', '/v2/admin/auditEvents?$top=50');
  const pull = audit.json.resources.find((e) => e.action === 'pull' && e.actor === 'ci team a');
  assert.equal(pull?.subject, 'repo:acme/team-a-web:ref:refs/heads/main');
  assert.ok(!audit.text.includes('eyJ'), 'no record holds the JWT');
});

test('a rotated key is fetched once, even by a burst; the old key keeps working; pulls cost like a managed token', async () => {
  const before = await fetches();
  // The issuer's key set answers slowly, so the burst below overlaps its fetch.
  await fetch(`${issuer.url}/_standin/rotate`, { method: 'POST', body: JSON.stringify({ delayMs: 300 }) });
  const rotated = as(await sign(github(), { kid: 'rsa-2' }));
  const burst = await Promise.all(Array.from({ length: 10 }, () => rotated('GET', '/v2/session')));
  assert.deepEqual(burst.map((r) => r.status), Array(10).fill(200), 'a burst with a new kid waits for one fetch');
  assert.equal((await rotated('GET', '/v2/session')).status, 200);
  assert.equal(await fetches(), before + 1, 'the new kid fetched the key set once');
  assert.equal((await as(await sign(github()))('GET', '/v2/session')).status, 200, 'the old key still works');

  const ci = as(await sign(github()));
  const puller = client(w.url, 'puller');
  const start = await fetches();
  const time = async (c) => { const t = performance.now(); const r = await c('GET', `${S}/team-a-app/dockerconfigjson`); assert.equal(r.status, 200); return performance.now() - t; };
  const [wl, managed] = [[], []];
  for (let i = 0; i < 200; i++) { wl.push(await time(ci)); managed.push(await time(puller)); }
  console.log(`# pull p50: workload token ${pct(wl, 50).toFixed(2)} ms, stored token ${pct(managed, 50).toFixed(2)} ms; key-set fetches during 200 workload pulls: ${(await fetches()) - start}`);
  assert.equal((await fetches()) - start, 0);
});

test('every bad token is refused exactly like an unknown token; a valid one no rule matches is a 403', async () => {
  const unknown = await client(w.url, 'rc_not_a_real_token_0000000000')('GET', '/v2/session');
  assert.equal(unknown.status, 401);
  // An issuer no rule names, on loopback: it must never be asked.
  const strangerAsked = [];
  const stranger = http.createServer((req, res) => { strangerAsked.push(req.url); res.writeHead(404).end(); });
  const strangerPort = await freePort();
  await new Promise((r) => stranger.listen(strangerPort, '127.0.0.1', r));
  const good = await sign(github());
  const [h, p] = good.split('.');
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwks = await (await fetch(`${issuer.url}/jwks`)).json();
  const rsaN = jwks.keys.find((k) => k.kty === 'RSA').n;
  const hs = (() => {
    const head = b64({ alg: 'HS256', kid: 'rsa-1', typ: 'JWT' });
    const body = b64(github());
    // The issuer's public RSA key, as a confused verifier would take it for an HMAC secret.
    const mac = createHmac('sha256', rsaN).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${mac}`;
  })();
  const bad = {
    expired: await sign(github({ exp: now() - 3600, iat: now() - 7200, nbf: now() - 7200 })),
    'not yet valid': await sign(github({ nbf: now() + 3600 })),
    'wrong aud': await sign(github({ aud: 'someone-else' })),
    'issuer no rule names': await sign(github({ iss: `http://127.0.0.1:${strangerPort}` })),
    'unknown kid': `${b64({ alg: 'RS256', kid: 'no-such-key', typ: 'JWT' })}.${p}.${good.split('.')[2]}`,
    'alg none': `${b64({ alg: 'none', kid: 'rsa-1' })}.${p}.`,
    'HS256 with the public key': hs,
    tampered: `${h}.${b64({ ...github(), repository: 'acme/team-a-evil', sub: 'x' })}.${good.split('.')[2]}`,
  };
  for (const [why, jwt] of Object.entries(bad)) {
    const r = await as(jwt)('GET', '/v2/session');
    assert.equal(r.status, 401, `${why}: ${r.text}`);
    assert.equal(r.json.error.code, unknown.json.error.code, why);
  }
  stranger.close();
  assert.deepEqual(strangerAsked, [], 'nothing is fetched for an issuer no rule names');
  const other = await as(await sign(github({ ref: 'refs/heads/dev' })))('GET', '/v2/session');
  assert.equal(other.status, 403, other.text);
  assert.ok(!/ci team a|build pods/.test(other.text), 'the 403 names no rule');
});

test('the CLI adds and lists rules; kubelet pulls as the pod; the helper and skopeo pull with a token file or GitHub Actions', async () => {
  const add = run('regcred', ['identity', 'add', 'pods of apps', '--issuer', issuer.info.issuer, '--audience', 'regcred',
    '--claim', 'sub=system:serviceaccount:apps:*', '--role', 'puller', '--scope', 'team-a-*', '-o', 'json'], { REGCRED_TOKEN: TOKENS.admin });
  assert.equal(add.code, 0, add.err);
  assert.match(JSON.parse(add.out).id, /^[0-9a-f]{16}$/);
  const bad = run('regcred', ['identity', 'add', 'x', '--issuer', issuer.info.issuer, '--audience', 'a', '--claim', 'sub=*', '--role', 'admin'], { REGCRED_TOKEN: TOKENS.admin });
  assert.equal(bad.code, 2, bad.err);
  const listed = run('regcred', ['identity', 'list'], { REGCRED_TOKEN: TOKENS.admin });
  assert.match(listed.out, /pods of apps/);

  // kubelet: the pod's service-account token, per image.
  // Shorter than kubelet's default cache (300 s), so its exp must bind.
  const saExp = now() + 200;
  const sa = await sign(k8s({ sub: 'system:serviceaccount:apps:web', exp: saExp }), { alg: 'ES256' });
  const request = (image) => JSON.stringify({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1', kind: 'CredentialProviderRequest', image, serviceAccountToken: sa });
  const inside = run('regcred', ['kubelet-credential-provider'], {}, request('team-a-app.example.com/web:1'));
  assert.equal(inside.code, 0, inside.err);
  const answer = JSON.parse(inside.out);
  assert.deepEqual(answer.auth['team-a-app.example.com'], { username: 'u', password: 'team-a-app-pw' });
  const [, m, sec] = /^(?:(\d+)m)?(\d+)s$/.exec(answer.cacheDuration) ?? [];
  const cachedStatic = Number(m ?? 0) * 60 + Number(sec);
  assert.ok(cachedStatic > 0 && cachedStatic <= 200, `cached ${answer.cacheDuration}, the token lives 200 s`);
  // A brokered secret: minted at the pull, cached at most half its life.
  const minted = run('regcred', ['kubelet-credential-provider'], {}, request('team-a-gar.example.com/p/web:1'));
  assert.equal(minted.code, 0, minted.err);
  const mintedAnswer = JSON.parse(minted.out);
  assert.deepEqual(mintedAnswer.auth['team-a-gar.example.com'], { username: 'oauth2accesstoken', password: MINTED });
  const [, mm, ms] = /^(?:(\d+)m)?(\d+)s$/.exec(mintedAnswer.cacheDuration) ?? [];
  const cached = Number(mm ?? 0) * 60 + Number(ms);
  assert.ok(cached > 0 && cached <= MINT_LIFE / 2, `cached ${mintedAnswer.cacheDuration}, the minted credential lives ${MINT_LIFE} s`);
  const outside = run('regcred', ['kubelet-credential-provider'], {}, request('team-b-app.example.com/web:1'));
  assert.equal(outside.code, 0, outside.err);
  assert.deepEqual(JSON.parse(outside.out).auth, {}, 'not this pod\'s registry: empty auth, kubelet tries its others');

  // docker-credential-regcred and skopeo with a projected token file, read again each call.
  await pushImage(dir, reg.host, 'team-a/app', 'team-a:Team-a-registry-pw');
  const tokenFile = path.join(dir, 'token');
  await writeFile(tokenFile, await sign(github()));
  const fileEnv = { REGCRED_OIDC_TOKEN_FILE: tokenFile };
  const got = run('docker-credential-regcred', ['get'], fileEnv, reg.host);
  assert.equal(got.code, 0, got.out + got.err);
  assert.equal(JSON.parse(got.out).Secret, 'Team-a-registry-pw');
  const inspected = await inspectThroughHelper(dir, reg.host, 'team-a/app', { ...process.env, ...c.env({ REGCRED_TOKEN: '', ...fileEnv }) });
  assert.equal(inspected.status, 0, inspected.stderr);
  console.log(`# skopeo inspect docker://${reg.host}/team-a/app:latest with REGCRED_OIDC_TOKEN_FILE (no stored token): ${JSON.parse(inspected.stdout).Digest}`);

  // A GitHub Actions stand-in: the runtime's token request, bearer-checked, audience from the query.
  const port = await freePort();
  const asked = [];
  const gha = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    asked.push({ audience: url.searchParams.get('audience'), auth: req.headers.authorization });
    if (req.headers.authorization !== 'Bearer gha-request-token') { res.writeHead(401).end(); return; }
    const value = await sign(github({ aud: url.searchParams.get('audience') }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value }));
  });
  await new Promise((r) => gha.listen(port, '127.0.0.1', r));
  try {
    const ghEnv = { REGCRED_OIDC: 'github-actions', ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'gha-request-token', REGCRED_ALLOW_HTTP_LOOPBACK: 'true' };
    const who = await runAsync('regcred', ['whoami', '-o', 'json'], ghEnv);
    assert.equal(who.code, 0, who.err);
    assert.equal(JSON.parse(who.out).via, 'workloadIdentity');
    assert.equal(asked[0].audience, 'regcred');
    const helper = await runAsync('docker-credential-regcred', ['get'], ghEnv, reg.host);
    assert.equal(helper.code, 0, helper.out + helper.err);
    const plain = await runAsync('regcred', ['whoami'], { ...ghEnv, REGCRED_ALLOW_HTTP_LOOPBACK: '' });
    assert.notEqual(plain.code, 0, 'a plain-http token URL needs REGCRED_ALLOW_HTTP_LOOPBACK');
  } finally {
    gha.close();
  }
});

test('a removed rule stops matching within a second', async () => {
  const list = await admin('GET', W);
  const id = list.json.resources.find((r) => r.label === 'ci team a').id;
  assert.equal((await admin('DELETE', `${W}/${id}`)).status, 202);
  await new Promise((r) => setTimeout(r, 1100));
  const r = await as(await sign(github()))('GET', '/v2/session');
  assert.equal(r.status, 403, 'valid, but no rule of the issuer matches any more');
  assert.equal((await admin('DELETE', `${W}/${id}`)).status, 404);
  assert.equal((await editor('GET', W)).status, 403, 'only admins manage rules');
  void TOKENS;
});
