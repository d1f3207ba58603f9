// The login check's rails against the real built worker in workerd, on
// loopback only: 127.0.0.1 plays the registry and 127.0.0.2 "another host"
// (127.0.0.3 once, to order a check's registries).
// Small node servers misbehave on purpose (a redirect to 127.0.0.2, a realm
// there, an http realm, an endless body, slow answers); Debian's
// docker-registry is the plain-http registry that `docker login` writes as
// `127.0.0.1:PORT`. TLS servers use a throwaway certificate for 127.0.0.1
// and 127.0.0.2 that workerd trusts through NODE_EXTRA_CA_CERTS, so the
// refusals are the rails' doing, not a TLS error. Nothing here leaves the
// machine or resolves a name; refused private and fake-loopback addresses
// are tested natively (shared's vectors, worker/tests/login_rails.rs).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, dockerconfig, startWorker } from './harness.mjs';
import { startRegistry } from './registry.mjs';

const USER = 'rails-user';
const PASSWORD = 'rails-Pa55:word';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const API = { 'docker-distribution-api-version': 'registry/2.0' };

let dir, trusted, untrusted, w, editor, registry;
const servers = [];

/** A self-signed certificate for the two loopback addresses. */
function certificate(name) {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=regcred ${name}`,
    '-addext', 'subjectAltName=IP:127.0.0.1,IP:127.0.0.2',
  ], { stdio: 'ignore' });
  return { keyFile: key, certFile: cert };
}

/**
 * A server on `host` (https with `tls`), answering with `handler`; `hits`
 * counts the requests it got, `closed` the connections a client dropped
 * before the answer ended.
 */
async function serve(handler, { host = '127.0.0.1', tls } = {}) {
  const state = { hits: 0, closed: 0 };
  const wrapped = (req, res) => {
    state.hits += 1;
    res.on('close', () => { if (!res.writableFinished) state.closed += 1; });
    handler(req, res, state);
  };
  const srv = tls
    ? https.createServer({ key: await readFile(tls.keyFile), cert: await readFile(tls.certFile) }, wrapped)
    : http.createServer(wrapped);
  await new Promise((r) => srv.listen(0, host, r));
  servers.push(srv);
  const port = srv.address().port;
  state.host = `${host}:${port}`;
  state.url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  return state;
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'regcred-rails-'));
  trusted = certificate('trusted');
  untrusted = certificate('untrusted');
  // workerd (through wrangler) trusts these; the harness passes our env on.
  process.env.NODE_EXTRA_CA_CERTS = trusted.certFile;
  registry = await startRegistry(USER, PASSWORD);
  w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true' } });
  editor = client(w.url, 'editor');
});

after(async () => {
  for (const s of servers) { s.closeAllConnections?.(); s.close(); }
  await registry?.stop();
  await w?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A dry-run check of these servers; the results, never the password. */
async function check(...servers) {
  const auths = Object.fromEntries(servers.map((s) => [s, { username: USER, password: PASSWORD }]));
  const r = await editor('POST', '/v2/admin/registryLoginChecks', { data: { '.dockerconfigjson': JSON.stringify({ auths }) } });
  assert.equal(r.status, 200, r.text);
  assert.ok(!r.text.includes(PASSWORD), 'the check never echoes the password');
  return r.json.results;
}

/** A registry on https that answers /v2/ with a Bearer challenge for `realm`. */
function bearer(realm) {
  return (req, res) => {
    res.writeHead(401, { ...API, 'www-authenticate': `Bearer realm="${realm}",service="rails"` });
    res.end('{}');
  };
}

test('control: a Bearer login on the registry\'s own host works over trusted TLS', async () => {
  const reg = await serve((req, res) => {
    if (req.url.startsWith('/token')) {
      if (req.headers.authorization !== BASIC) { res.writeHead(401); return res.end(); }
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"token":"rails-token"}');
    }
    if (req.headers.authorization === 'Bearer rails-token') { res.writeHead(200, API); return res.end('{}'); }
    res.writeHead(401, { ...API, 'www-authenticate': `Bearer realm="https://${req.headers.host}/token",service="rails"` });
    res.end('{}');
  }, { tls: trusted });
  const [r] = await check(reg.url);
  assert.equal(r.result, 'ok', r.message);
  assert.equal(reg.hits, 3, 'ping, token, ping');
});

test('a registry redirecting to 127.0.0.2: not followed', async () => {
  const other = await serve((req, res) => { res.writeHead(200, API); res.end('{}'); }, { host: '127.0.0.2', tls: trusted });
  const reg = await serve((req, res) => {
    res.writeHead(302, { location: `${other.url}/v2/?from=rails` });
    res.end();
  }, { tls: trusted });
  const [r] = await check(reg.url);
  assert.equal(r.result, 'unexpected', r.message);
  assert.match(r.message, /follows no redirects/);
  assert.ok(r.message.includes(other.url), r.message);
  assert.ok(!r.message.includes('from=rails'), 'only the origin is shown');
  assert.equal(reg.hits, 1);
  assert.equal(other.hits, 0, '127.0.0.2 never heard from the worker');
});

test('a Bearer realm on 127.0.0.2 gets no credentials', async () => {
  const realm = await serve((req, res) => { res.writeHead(200); res.end('{"token":"x"}'); }, { host: '127.0.0.2', tls: trusted });
  const reg = await serve(bearer(`${realm.url}/token`), { tls: trusted });
  const [r] = await check(reg.url);
  assert.equal(r.result, 'notAllowed', r.message);
  assert.match(r.message, /not on the registry's site/);
  assert.equal(realm.hits, 0);
});

test('an http realm of an https registry gets no credentials', async () => {
  const realm = await serve((req, res) => { res.writeHead(200); res.end('{"token":"x"}'); });
  const reg = await serve(bearer(`${realm.url}/token`), { tls: trusted });
  const [r] = await check(reg.url);
  assert.equal(r.result, 'notAllowed', r.message);
  assert.match(r.message, /plain http/);
  assert.equal(realm.hits, 0);
});

test('an endless token answer is cut after 64 KiB', async () => {
  const reg = await serve((req, res) => {
    if (!req.url.startsWith('/token')) return bearer(`https://${req.headers.host}/token`)(req, res);
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const pump = () => { while (!res.destroyed && res.write(chunk)) { /* until backpressure */ } };
    res.on('drain', pump);
    pump();
  }, { tls: trusted });
  const started = Date.now();
  const [r] = await check(reg.url);
  assert.equal(r.result, 'unexpected', r.message);
  assert.match(r.message, /64 KiB/);
  assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
  await new Promise((res) => setTimeout(res, 200));
  assert.equal(reg.closed, 1, 'the worker hung up on the endless body');
});

test('slow registries: 10 s each at most, 15 s per check in all', async () => {
  // A check goes through its registries in server-key order: the hosts set it.
  const silent = await serve(() => { /* never answers */ });
  const trickle = await serve((req, res) => {
    res.writeHead(200, API);
    const t = setInterval(() => res.write(' '), 300);
    res.on('close', () => clearInterval(t));
  }, { host: '127.0.0.2' });
  const fast = await serve((req, res) => { res.writeHead(200, API); res.end('{}'); }, { host: '127.0.0.3' });
  const started = Date.now();
  const results = await check(silent.url, trickle.url, fast.url);
  const [first, second, third] = [silent, trickle, fast].map((s) => results.find((r) => r.registry === s.url));
  const took = Date.now() - started;
  assert.equal(first.result, 'unreachable', first.message);
  assert.match(first.message, /10 s/);
  assert.equal(second.result, 'unreachable', second.message);
  assert.match(second.message, /15 s/);
  assert.equal(third.result, 'notChecked', third.message);
  assert.equal(fast.hits, 0, 'nothing is sent once the time is up');
  assert.ok(took >= 14_000 && took < 18_000, `the check took ${took} ms`);
});

test('127.0.0.1:PORT against a plain-http registry: https first, then http, as Docker does', async () => {
  const c = await editor('POST', '/v2/admin/dockerRegistrySecrets', { name: 'rails-loopback', data: { '.dockerconfigjson': dockerconfig(registry.host, USER, PASSWORD) } });
  assert.equal(c.status, 202, c.text);
  const r = await editor('POST', '/v2/admin/dockerRegistrySecrets/rails-loopback/check');
  assert.equal(r.status, 200, r.text);
  const [o] = r.json.results;
  assert.equal(o.result, 'ok', o.message);
  assert.match(o.message, /over plain http/);
  assert.doesNotMatch(o.message, /internal error; reference/);
});

test('TLS failures are their own result with a useful message', async () => {
  // https written out, but the registry speaks plain http.
  const [plain] = await check(`https://${registry.host}`);
  assert.equal(plain.result, 'tlsFailed', plain.message);
  assert.match(plain.message, /TLS handshake/);
  assert.match(plain.message, /plain http rather than https/);
  // A certificate workerd does not trust.
  const selfSigned = await serve((req, res) => { res.writeHead(200, API); res.end('{}'); }, { tls: untrusted });
  const [cert] = await check(selfSigned.url);
  assert.equal(cert.result, 'tlsFailed', cert.message);
  assert.match(cert.message, /certificate is not trusted/);
  assert.equal(selfSigned.hits, 0, 'no request got past the handshake');
});

test('passwords never reach the worker log', () => {
  assert.ok(!w.log().includes(PASSWORD));
});
