// The API over real HTTP against the BUILT worker in workerd, with its own
// KV directory: roles, round trips, paging across KV pages, encryption at
// rest as seen on disk, and no secret in any log line.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, dockerconfig, startWorker, TOKENS } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const PASSWORDS = ['e2e-Pa55:word"with\\quotes', 'zweites-pässwort-🔑', 'patched-password-0427'];
const MANY = 1010; // crosses KV's 1000-key list page

let w;
const as = {};
before(async () => {
  w = await startWorker({ vars: { REGCRED_MAX_SECRETS: '1100' } });
  for (const role of ['viewer', 'editor', 'puller']) as[role] = client(w.url, role);
  as.none = client(w.url, null);
  as.unknown = client(w.url, 'rc_not_a_real_token_0000000000');
});
after(async () => { await w?.stop(); });

function create(name, server, user, password) {
  return as.editor('POST', S, { name, data: { '.dockerconfigjson': dockerconfig(server, user, password) } });
}

test('create, get, list, pull, modify, delete round trip', async () => {
  const c = await create('e2e-hub', 'docker.io', 'hubuser', PASSWORDS[0]);
  assert.equal(c.status, 202, c.text);
  assert.deepEqual(c.json, { message: 'Secret has been created' });
  assert.equal(c.headers.get('cache-control'), 'no-store');

  const g = await as.viewer('GET', `${S}/e2e-hub`);
  assert.equal(g.status, 200);
  assert.equal(g.json.name, 'e2e-hub');
  assert.deepEqual(g.json.registries, ['https://index.docker.io/v1/']);
  assert.match(g.json.createdAt, /^\d{4}-\d\d-\d\dT/);
  // The username is shown (an edit keeps it); the password never is.
  assert.deepEqual(g.json.users, [{ registry: 'https://index.docker.io/v1/', username: 'hubuser' }]);
  assert.doesNotMatch(g.text, /Pa55/);

  const l = await as.viewer('GET', S);
  assert.doesNotMatch(l.text, /Pa55|hubuser/, 'a list holds no usernames either');
  assert.equal(l.status, 200);
  assert.ok(l.json.resources.some((r) => r.name === 'e2e-hub'));
  assert.equal(l.json.count, l.json.resources.length);

  const p = await as.puller('GET', `${S}/e2e-hub/dockerconfigjson`);
  assert.equal(p.status, 200);
  assert.equal(p.headers.get('cache-control'), 'no-store');
  const entry = p.json.auths['https://index.docker.io/v1/'];
  assert.equal(entry.password, PASSWORDS[0]);
  assert.equal(Buffer.from(entry.auth, 'base64').toString(), `hubuser:${PASSWORDS[0]}`);

  const m = await as.editor('PATCH', `${S}/e2e-hub`,
    { data: { '.dockerconfigjson': dockerconfig('docker.io', 'hubuser', PASSWORDS[2]) } },
    { 'content-type': 'application/merge-patch+json' });
  assert.equal(m.status, 202, m.text);
  assert.deepEqual(m.json, { id: 'e2e-hub', message: 'Secret has been modified' });
  const p2 = await as.puller('GET', `${S}/e2e-hub/dockerconfigjson`);
  assert.equal(p2.json.auths['https://index.docker.io/v1/'].password, PASSWORDS[2]);
  const g2 = await as.viewer('GET', `${S}/e2e-hub`);
  assert.equal(g2.json.createdAt, g.json.createdAt);

  const d = await as.editor('DELETE', `${S}/e2e-hub`);
  assert.equal(d.status, 202);
  assert.deepEqual(d.json, { id: 'e2e-hub', message: 'Docker Registry Secret has been deleted' });
  assert.equal((await as.viewer('GET', `${S}/e2e-hub`)).status, 404);
});

test('every route answers each kind of caller as its role allows', async () => {
  assert.equal((await create('e2e-roles', 'registry.example.com:5000', 'u', PASSWORDS[1])).status, 202);
  const dcj = { data: { '.dockerconfigjson': dockerconfig('registry.example.com:5000', 'u', PASSWORDS[1]) } };
  const routes = [
    ['GET', S, undefined, { none: 401, unknown: 401, viewer: 200, editor: 200, puller: 403 }],
    ['GET', `${S}/e2e-roles`, undefined, { none: 401, unknown: 401, viewer: 200, editor: 200, puller: 403 }],
    ['GET', '/v2/admin/resourceQuota/dockerRegistrySecrets', undefined, { none: 401, unknown: 401, viewer: 200, editor: 200, puller: 403 }],
    ['GET', `${S}/e2e-roles/dockerconfigjson`, undefined, { none: 401, unknown: 401, viewer: 403, editor: 403, puller: 200 }],
    ['PATCH', `${S}/e2e-roles`, dcj, { none: 401, unknown: 401, viewer: 403, editor: 202, puller: 403 }],
    ['POST', S, (who) => ({ name: `e2e-role-new-${who}`, ...dcj }), { none: 401, unknown: 401, viewer: 403, editor: 202, puller: 403 }],
    ['DELETE', `${S}/e2e-role-new-editor`, undefined, { none: 401, unknown: 401, viewer: 403, editor: 202, puller: 403 }],
    ['GET', '/v2/admin/auditEvents', undefined, { none: 401, unknown: 401, viewer: 403, editor: 200, puller: 403 }],
    ['GET', '/v2/session', undefined, { none: 401, unknown: 401, viewer: 200, editor: 200, puller: 200 }],
    ['GET', '/v2/health', undefined, { none: 200, unknown: 200, viewer: 200, editor: 200, puller: 200 }],
    ['GET', '/v2/openapi.json', undefined, { none: 200, unknown: 200, viewer: 200, editor: 200, puller: 200 }],
  ];
  for (const [method, p, body, want] of routes) {
    for (const who of ['none', 'unknown', 'viewer', 'editor', 'puller']) {
      const b = typeof body === 'function' ? body(who) : body;
      const r = await as[who](method, p, b);
      assert.equal(r.status, want[who], `${method} ${p} as ${who}: ${r.text}`);
      if (r.status >= 400) {
        assert.equal(typeof r.json.error.code, 'string');
        assert.equal(typeof r.json.error.message, 'string');
        assert.equal(r.json.error.requestId, r.headers.get('x-request-id'));
      }
    }
  }
  const none = await as.none('GET', S);
  const unknown = await as.unknown('GET', S);
  assert.deepEqual(
    { ...none.json.error, requestId: 0 },
    { ...unknown.json.error, requestId: 0 },
    'a missing and an unknown token must look the same',
  );
});

test('bad input gets a 4xx with code, message and target, never a 5xx', async () => {
  const cases = [
    ['POST', S, '{"name": ', {}, 400, 'InvalidRequestBody'],
    ['POST', S, JSON.stringify({ name: 'NoUpper', data: { '.dockerconfigjson': '{}' } }), {}, 400, 'InvalidSecretName'],
    ['POST', S, JSON.stringify({ name: 'ok-name', data: { '.dockerconfigjson': 'neither json nor base64!' } }), {}, 400, 'InvalidDockerConfigJson'],
    ['POST', S, JSON.stringify({ name: 'ok-name', data: { '.dockerconfigjson': '{"auths":{"r.io":{}}}' } }), {}, 400, 'InvalidDockerConfigJson'],
    ['POST', S, JSON.stringify({ name: 'ok-name', data: { '.dockerconfigjson': '{}', other: 'x' } }), {}, 400, 'InvalidRequestBody'],
    ['POST', S, 'x'.repeat(70 * 1024), {}, 413, 'PayloadTooLarge'],
    ['POST', S, 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'UnsupportedMediaType'],
    ['PATCH', `${S}/e2e-roles`, JSON.stringify({ name: 'renamed', data: { '.dockerconfigjson': '{}' } }), {}, 400, 'NameIsImmutable'],
    ['GET', `${S}?$top=-1`, undefined, {}, 400, 'InvalidQueryParameter'],
    ['GET', `${S}?$skip=1.5`, undefined, {}, 400, 'InvalidQueryParameter'],
    ['GET', `${S}?$count=maybe`, undefined, {}, 400, 'InvalidQueryParameter'],
    ['GET', `${S}/Not_A_Name`, undefined, {}, 400, 'InvalidSecretName'],
    ['DELETE', `${S}/does-not-exist`, undefined, {}, 404, 'NotFound'],
    ['PUT', S, '{}', {}, 405, 'MethodNotAllowed'],
  ];
  for (const [method, p, body, headers, status, code] of cases) {
    const r = await as.editor(method, p, body, headers);
    assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
    assert.equal(r.json.error.code, code, r.text);
    assert.ok(r.json.error.message.length > 10);
    assert.ok(r.json.error.target, `${method} ${p} has no target: ${r.text}`);
  }
  assert.equal((await as.viewer('GET', `${S}/ok-name`)).status, 404, 'bad input created something');
});

test('paging follows the SAP rules across KV list pages', async () => {
  const existing = (await as.viewer('GET', `${S}?$top=0&$count=true`)).json.count;
  const names = Array.from({ length: MANY }, (_, i) => `page-${String(i).padStart(5, '0')}`);
  for (let i = 0; i < names.length; i += 16) {
    const batch = names.slice(i, i + 16).map((n) => create(n, 'r.example.com', 'u', 'p'));
    for (const r of await Promise.all(batch)) assert.equal(r.status, 202, r.text);
  }
  const total = existing + MANY;
  const list = async (q) => (await as.viewer('GET', `${S}${q}`)).json;
  assert.deepEqual(await list('?$top=0'), { count: 0, resources: [] });
  assert.equal((await list('?$top=0&$count=true')).count, total);
  assert.equal((await list('')).count, total);
  assert.equal((await list('?$count=true&$top=5')).count, total);
  assert.deepEqual(await list(`?$skip=${total + 5}`), { count: 0, resources: [] });
  const idx = names.indexOf('page-00998') + existing;
  const across = await list(`?$skip=${idx}&$top=4`);
  assert.deepEqual(across.resources.map((r) => r.name), ['page-00998', 'page-00999', 'page-01000', 'page-01001']);
  const last = await list(`?$skip=${total - 2}`);
  assert.equal(last.resources.length, 2);
  assert.equal(last.resources[1].name, names[names.length - 1]);
  const q = await as.viewer('GET', '/v2/admin/resourceQuota/dockerRegistrySecrets');
  assert.deepEqual(q.json, { usage: { count: total }, quota: { maxCount: 1100 } });
});

test('expiry dates: stored, flagged, filtered, patched alone', async () => {
  const day = (n) => new Date(Date.now() + n * 86400e3).toISOString().slice(0, 10);
  const body = (name, expiresAt) => ({ name, expiresAt, data: { '.dockerconfigjson': dockerconfig('ecr.example.com', 'AWS', 'ecr-token') } });
  assert.equal((await as.editor('POST', S, body('exp-past', day(-1)))).status, 202);
  assert.equal((await as.editor('POST', S, body('exp-soon', day(3)))).status, 202);
  assert.equal((await as.editor('POST', S, body('exp-later', day(90)))).status, 202);
  assert.equal((await as.viewer('GET', `${S}/exp-past`)).json.expiry, 'expired');
  assert.equal((await as.viewer('GET', `${S}/exp-soon`)).json.expiry, 'expiringSoon');
  assert.equal((await as.viewer('GET', `${S}/exp-later`)).json.expiry, 'valid');
  const soon = await as.viewer('GET', `${S}?expiringWithinDays=14`);
  assert.deepEqual(soon.json.resources.map((r) => r.name), ['exp-past', 'exp-soon']);
  const p = await as.editor('PATCH', `${S}/exp-past`, { expiresAt: day(200) });
  assert.equal(p.status, 202, p.text);
  assert.equal((await as.viewer('GET', `${S}/exp-past`)).json.expiry, 'valid');
  const bad = await as.editor('POST', S, body('exp-bad', 'someday'));
  assert.equal(bad.json.error.target, 'expiresAt');
  for (const n of ['exp-past', 'exp-soon', 'exp-later']) await as.editor('DELETE', `${S}/${n}`);
});

async function filesUnder(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...await filesUnder(p));
    else out.push(p);
  }
  return out;
}

test('KV on disk holds only ciphertext', async () => {
  assert.equal((await create('e2e-disk', 'ghcr.io', 'diskuser', PASSWORDS[1])).status, 202);
  const files = await filesUnder(w.stateDir);
  // An object's SQLite side files come and go as workerd opens and closes it.
  const blobs = await Promise.all(files.map((f) => readFile(f).catch((e) => (e.code === 'ENOENT' ? Buffer.alloc(0) : Promise.reject(e)))));
  const all = Buffer.concat(blobs);
  assert.ok(all.includes('"kid":"k1"'), 'the encrypted envelope is in the KV files');
  for (const secret of [...PASSWORDS, 'diskuser', Buffer.from(`diskuser:${PASSWORDS[1]}`).toString('base64')]) {
    assert.ok(!all.includes(secret), `KV files contain ${secret}`);
  }
});

test('the OpenAPI document is valid and lists only routes that exist', async () => {
  const r = await as.none('GET', '/v2/openapi.json');
  assert.equal(r.status, 200);
  const doc = r.json;
  assert.match(doc.openapi, /^3\./);
  const { default: SwaggerParser } = await import('@apidevtools/swagger-parser');
  await SwaggerParser.validate(structuredClone(doc));
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) {
      const real = p.replace('{dockerRegistryName}', 'e2e-roles');
      const res = await as.editor(method.toUpperCase(), real, method === 'get' || method === 'delete' ? undefined : '{}');
      assert.ok(![404, 405].includes(res.status) || res.json?.error?.code !== 'MethodNotAllowed' && !/no API route/.test(res.text),
        `${method} ${p} is documented but not routed: ${res.text}`);
    }
  }
});

test('the audit trail records writes, pulls and refusals, newest first, without secrets', async () => {
  const r = await as.editor('GET', '/v2/admin/auditEvents?$top=5000');
  assert.equal(r.status, 200, r.text);
  const events = r.json.resources;
  const has = (action, actor, secret) => events.some((e) => e.action === action && e.actor === actor && (!secret || e.secret === secret));
  assert.ok(has('create', 'test-editor', 'e2e-hub'));
  assert.ok(has('modify', 'test-editor', 'e2e-hub'));
  assert.ok(has('delete', 'test-editor', 'e2e-hub'));
  assert.ok(has('pull', 'test-puller', 'e2e-hub'));
  // Failed sign-ins: one record per address and minute, with a count.
  assert.ok(events.some((e) => e.action === 'authenticate' && e.count >= 2 && e.address));
  assert.ok(has('authorize', 'test-viewer'));
  const times = events.map((e) => e.time);
  assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
  for (const n of [...PASSWORDS, ...Object.values(TOKENS)]) assert.ok(!r.text.includes(n), `audit holds ${n}`);
  const one = await as.editor('GET', '/v2/admin/auditEvents?secret=e2e-hub');
  assert.ok(one.json.resources.length >= 4 && one.json.resources.every((e) => e.secret === 'e2e-hub'));
  assert.equal((await as.viewer('GET', '/v2/admin/auditEvents')).status, 403);
});

test('no password, auth string or token ever reaches the worker log', async () => {
  // Failed logins with real-looking tokens must not be logged either.
  await client(w.url, `${TOKENS.editor}x`)('GET', S);
  const log = w.log();
  assert.ok(log.length > 0);
  const needles = [...PASSWORDS, ...Object.values(TOKENS),
    Buffer.from(`hubuser:${PASSWORDS[0]}`).toString('base64')];
  for (const n of needles) assert.ok(!log.includes(n), `the log contains ${n}`);
});
