// Single sign-on with Cloudflare Access, against the built worker in workerd:
// the test is the Access team. It makes RSA key pairs, serves the public one
// at /cdn-cgi/access/certs on a loopback port (plain http, allowed only with
// REGCRED_ALLOW_HTTP_LOOPBACK), and mints Cf-Access-Jwt-Assertion tokens.
// Only a valid one gets in; each way of being wrong is a 401, a valid
// identity without a role a 403. The keys are fetched once and cached by
// kid; an unknown kid asks again, at most once a minute.
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { client, dockerconfig, startWorker } from './harness.mjs';

const AUD = 'aud-tag';
const S = '/v2/admin/dockerRegistrySecrets';
const ROLES = 'alice@example.com:admin,bob@example.com:editor:team-a-*,*@example.com:viewer';

// The team's current key (published) and one it never published.
const team = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const published = { ...team.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };

let certs, teamDomain, w, editor;
let certsAsked = 0;
let address = 0;

before(async () => {
  certs = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/cdn-cgi/access/certs') {
      certsAsked += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [published], public_cert: { kid: 'k1', cert: '(not used)' } }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => certs.listen(0, '127.0.0.1', resolve));
  teamDomain = `http://127.0.0.1:${certs.address().port}`;
  w = await startWorker({
    vars: {
      REGCRED_ACCESS_TEAM_DOMAIN: teamDomain,
      REGCRED_ACCESS_AUD: AUD,
      REGCRED_ACCESS_ROLES: ROLES,
      REGCRED_ALLOW_HTTP_LOOPBACK: 'true',
    },
  });
  editor = client(w.url, 'editor');
});

after(async () => {
  await w?.stop();
  await new Promise((resolve) => (certs ? certs.close(resolve) : resolve()));
});

const b64 = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

/** A token as Access mints it, with `header` and `claims` changed where given. */
function mint({ header = {}, claims = {}, key = team.privateKey } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const h = { alg: 'RS256', kid: 'k1', typ: 'JWT', ...header };
  const c = {
    aud: [AUD], email: 'alice@example.com', exp: now + 600, iat: now, nbf: now,
    iss: teamDomain, type: 'app', identity_nonce: 'n0nce', sub: '7335d417-61da-459d-899c-0a01c76a2f94',
    country: 'XX', ...claims,
  };
  const input = `${b64(h)}.${b64(c)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/**
 * One request with the assertion `jwt` (and no Authorization header), from
 * its own client address so refusals never reach the failure budget.
 */
async function as(jwt, method = 'GET', path = '/v2/session', body) {
  address += 1;
  const headers = { 'cf-access-jwt-assertion': jwt, 'cf-connecting-ip': `198.51.100.${address}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${w.url}${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, text, json };
}

const alice = () => mint();

test('a valid assertion signs in: GET /v2/session says who and how', async () => {
  const r = await as(alice());
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.label, 'alice@example.com');
  assert.equal(r.json.role, 'admin');
  assert.equal(r.json.via, 'access');
  assert.equal(r.json.scope, undefined);
  assert.equal(certsAsked, 1, 'the first assertion fetches the keys');
  // The same key serves further requests from the cache.
  for (let i = 0; i < 5; i += 1) assert.equal((await as(alice())).status, 200);
  assert.equal(certsAsked, 1, 'a known kid never fetches the keys again');
  // An admin may do what admins do.
  assert.equal((await as(alice(), 'GET', '/v2/admin/tokens')).status, 200);
});

test('a pattern entry maps a whole domain; the first match wins', async () => {
  const dave = await as(mint({ claims: { email: 'Dave@Example.com' } }));
  assert.equal(dave.status, 200, dave.text);
  assert.deepEqual([dave.json.label, dave.json.role, dave.json.via], ['Dave@Example.com', 'viewer', 'access']);
  const list = await as(mint({ claims: { email: 'dave@example.com' } }), 'GET', S);
  assert.equal(list.status, 200, list.text);
  const create = await as(mint({ claims: { email: 'dave@example.com' } }), 'POST', S,
    { name: 'dave-made', data: { '.dockerconfigjson': dockerconfig('r.example.com', 'u', 'p') } });
  assert.equal(create.status, 403, create.text);
  // aud may be a single string too
  assert.equal((await as(mint({ claims: { aud: AUD } }))).status, 200);
});

test('an identity REGCRED_ACCESS_ROLES does not name is a 403', async () => {
  const r = await as(mint({ claims: { email: 'carol@other.org' } }));
  assert.equal(r.status, 403, r.text);
  assert.match(r.json.error.message, /REGCRED_ACCESS_ROLES/);
  // a subdomain is not the domain
  assert.equal((await as(mint({ claims: { email: 'eve@evil.example.com' } }))).status, 403);
});

test('an Access scope limits the secrets the identity sees', async () => {
  for (const name of ['team-a-app', 'team-b-app']) {
    const r = await editor('POST', S, { name, data: { '.dockerconfigjson': dockerconfig('r.example.com', 'u', 'p') } });
    assert.equal(r.status, 202, r.text);
  }
  const bob = () => mint({ claims: { email: 'bob@example.com' } });
  const session = await as(bob());
  assert.equal(session.status, 200, session.text);
  assert.deepEqual([session.json.role, session.json.scope], ['editor', ['team-a-*']]);
  const list = await as(bob(), 'GET', S);
  assert.equal(list.status, 200, list.text);
  const names = list.json.resources.map((r) => r.name);
  assert.ok(names.includes('team-a-app'), names.join());
  assert.ok(!names.includes('team-b-app'), `outside the scope: ${names.join()}`);
  assert.equal((await as(bob(), 'GET', `${S}/team-a-app`)).status, 200);
  assert.equal((await as(bob(), 'GET', `${S}/team-b-app`)).status, 404);
});

test('every way of being wrong is a 401, and no part of a token is logged', async () => {
  const now = Math.floor(Date.now() / 1000);
  const valid = alice();
  const [h, p, s] = valid.split('.');
  const tamperedPayload = b64({ ...JSON.parse(Buffer.from(p, 'base64url')), email: 'bob@example.com' });
  const hsInput = `${b64({ alg: 'HS256', kid: 'k1', typ: 'JWT' })}.${p}`;
  const hmacKey = team.publicKey.export({ format: 'pem', type: 'spki' });
  const cases = {
    expired: mint({ claims: { iat: now - 7200, nbf: now - 7200, exp: now - 3600 } }),
    'not yet valid': mint({ claims: { nbf: now + 3600, exp: now + 7200 } }),
    'wrong aud': mint({ claims: { aud: ['another-app'] } }),
    'wrong iss': mint({ claims: { iss: 'https://other-team.cloudflareaccess.com' } }),
    'signed by a key the team never published': mint({ key: stranger.privateKey }),
    'alg none': `${b64({ alg: 'none', kid: 'k1', typ: 'JWT' })}.${p}.`,
    'alg none, with a signature': `${b64({ alg: 'none', kid: 'k1', typ: 'JWT' })}.${p}.${s}`,
    'HS256 with the public key as secret': `${hsInput}.${createHmac('sha256', hmacKey).update(hsInput).digest('base64url')}`,
    'tampered payload': `${h}.${tamperedPayload}.${s}`,
    'garbage header': `${b64('{"alg":"RS256",')}.${p}.${s}`,
    'not a JWT': 'garbage',
  };
  for (const [why, jwt] of Object.entries(cases)) {
    const r = await as(jwt);
    assert.equal(r.status, 401, `${why}: ${r.text}`);
  }
  assert.equal(certsAsked, 1, 'refusals by the pure checks never fetch the keys');
  const log = w.log();
  for (const jwt of Object.values(cases)) {
    const signature = jwt.split('.')[2];
    if (signature) assert.ok(!log.includes(signature), 'a signature reached the log');
  }
  assert.ok(!log.includes(p), 'a payload reached the log');
});

test('an unknown kid asks for the keys again, at most once a minute', async () => {
  const before = certsAsked;
  const unknown = (kid) => mint({ header: { kid }, key: stranger.privateKey });
  assert.equal((await as(unknown('rotated-1'))).status, 401);
  assert.equal(certsAsked, before + 1, 'an unknown kid fetches the keys again');
  for (const kid of ['rotated-1', 'rotated-2', 'rotated-3']) {
    assert.equal((await as(unknown(kid))).status, 401);
  }
  assert.equal(certsAsked, before + 1, 'more unknown kids within the minute fetch nothing');
  // The known key still works, from the cache.
  assert.equal((await as(alice())).status, 200);
  assert.equal(certsAsked, before + 1);
});

test('a bearer token still wins over an assertion', async () => {
  const r = await editor('GET', '/v2/session', undefined, { 'cf-access-jwt-assertion': alice() });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.label, 'test-editor');
  assert.notEqual(r.json.via, 'access');
});

test('a write by an Access identity passes the Durable Object, inside its scope only', async () => {
  const bob = () => mint({ claims: { email: 'bob@example.com' } });
  const data = { '.dockerconfigjson': dockerconfig('r.example.com', 'u', 'p') };
  const inside = await as(bob(), 'POST', S, { name: 'team-a-by-bob', data });
  assert.equal(inside.status, 202, inside.text);
  const outside = await as(bob(), 'POST', S, { name: 'team-b-by-bob', data });
  assert.ok([403, 404].includes(outside.status), `outside the scope: ${outside.status} ${outside.text}`);
  // The audit trail names the identity (the record may land just after the answer).
  let actors = [];
  for (let i = 0; i < 20 && !actors.includes('bob@example.com'); i += 1) {
    const audit = await as(alice(), 'GET', '/v2/admin/auditEvents?secret=team-a-by-bob');
    assert.equal(audit.status, 200, audit.text);
    actors = audit.json.resources.map((e) => e.actor);
    if (!actors.includes('bob@example.com')) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(actors.includes('bob@example.com'), `audit actors: ${actors.join()}`);
});
