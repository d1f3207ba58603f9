// HTTP and SAP conformance against the BUILT worker in workerd: methods the
// API does not take (workers-rs reads unknown ones as GET), HEAD, SAP's
// quotaOnly, the cap on registries per secret, and the name rule the served
// OpenAPI document declares, checked against what the server enforces.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { client, dockerconfig, startWorker } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const QUOTA = '/v2/admin/resourceQuota/dockerRegistrySecrets';

let w;
const as = {};
before(async () => {
  w = await startWorker({ vars: { REGCRED_MAX_SECRETS: '20' } });
  for (const role of ['viewer', 'editor', 'puller']) as[role] = client(w.url, role);
  as.none = client(w.url, null);
  const c = await as.editor('POST', S, { name: 'conf-hub', data: { '.dockerconfigjson': dockerconfig('docker.io', 'bob', 'conf-Pa55') } });
  assert.equal(c.status, 202, c.text);
});
after(async () => { await w?.stop(); });

test('a method a route does not take is a 405 with Allow, never a GET', async () => {
  const cases = [
    ['QUERY', S, 'GET, HEAD, POST'],
    ['OPTIONS', S, 'GET, HEAD, POST'],
    ['PUT', `${S}/conf-hub`, 'GET, HEAD, PATCH, DELETE'],
    ['QUERY', `${S}/conf-hub`, 'GET, HEAD, PATCH, DELETE'],
    ['QUERY', QUOTA, 'GET, HEAD'],
    ['QUERY', '/v2/health', 'GET, HEAD'],
    ['GET', `${S}/conf-hub/check`, 'POST'],
  ];
  for (const [method, p, allow] of cases) {
    for (const who of ['editor', 'none']) {
      const r = await as[who](method, p);
      assert.equal(r.status, 405, `${method} ${p} as ${who}: ${r.text}`);
      assert.equal(r.json.error.code, 'MethodNotAllowed');
      assert.equal(r.headers.get('allow'), allow, `${method} ${p}`);
      assert.doesNotMatch(r.text, /conf-Pa55|"resources"|"count"/, `${method} ${p} answered like a GET`);
    }
  }
});

test('HEAD is GET without the body, with the same checks', async () => {
  const get = await as.viewer('GET', `${S}/conf-hub`);
  const head = await as.viewer('HEAD', `${S}/conf-hub`);
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  assert.equal(head.headers.get('etag'), get.headers.get('etag'));
  assert.equal(head.headers.get('content-type'), 'application/json');
  assert.equal(head.headers.get('cache-control'), 'no-store');
  assert.equal((await as.none('HEAD', S)).status, 401);
  assert.equal((await as.viewer('HEAD', `${S}/missing`)).status, 404);
  // The pull route stays puller-only, and a HEAD pull carries no credentials.
  assert.equal((await as.viewer('HEAD', `${S}/conf-hub/dockerconfigjson`)).status, 403);
  const pull = await as.puller('HEAD', `${S}/conf-hub/dockerconfigjson`);
  assert.equal(pull.status, 200);
  assert.equal(pull.text, '');
  assert.equal((await as.none('HEAD', '/v2/health')).status, 200);
});

test('quotaOnly=true answers only the quota; a non-boolean is a 400', async () => {
  const full = await as.viewer('GET', QUOTA);
  assert.equal(full.status, 200);
  assert.equal(full.json.quota.maxCount, 20);
  assert.ok(full.json.usage.count >= 1);
  const only = await as.viewer('GET', `${QUOTA}?quotaOnly=true`);
  assert.equal(only.status, 200, only.text);
  assert.deepEqual(only.json, { quota: { maxCount: 20 } });
  const not = await as.viewer('GET', `${QUOTA}?quotaOnly=false`);
  assert.deepEqual(not.json, full.json);
  for (const bad of ['1', 'yes', '']) {
    const r = await as.viewer('GET', `${QUOTA}?quotaOnly=${bad}`);
    assert.equal(r.status, 400, `quotaOnly=${bad}: ${r.text}`);
    assert.equal(r.json.error.code, 'InvalidQueryParameter');
    assert.equal(r.json.error.target, 'quotaOnly');
  }
});

test('a secret holds at most 100 registries, and GET shows all of them', async () => {
  const auths = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [
    `registry-${String(i).padStart(3, '0')}.example.com:5000`, { auth: Buffer.from(`u${i}:p${i}`).toString('base64') },
  ]));
  const body = (name, n) => ({ name, data: { '.dockerconfigjson': JSON.stringify({ auths: auths(n) }) } });
  const over = await as.editor('POST', S, body('conf-many', 101));
  assert.equal(over.status, 400, over.text);
  assert.equal(over.json.error.code, 'InvalidDockerConfigJson');
  assert.match(over.json.error.message, /101 registries.*at most 100/);
  assert.equal(over.json.error.target, 'data..dockerconfigjson.auths');
  assert.equal((await as.viewer('GET', `${S}/conf-many`)).status, 404);
  const most = await as.editor('POST', S, body('conf-many', 100));
  assert.equal(most.status, 202, most.text);
  // KV's 1 KiB of metadata holds only some of them; GET reads the rest.
  const g = await as.viewer('GET', `${S}/conf-many`);
  assert.equal(g.json.registries.length, 100);
  const listed = (await as.viewer('GET', S)).json.resources.find((r) => r.name === 'conf-many');
  assert.ok(listed.registries.length > 0 && listed.registries.length < 100, `${listed.registries.length}`);
  const patch = await as.editor('PATCH', `${S}/conf-many`, { data: body('x', 101).data });
  assert.equal(patch.status, 400, patch.text);
});

test('the served name rule is the rule the server enforces', async () => {
  const doc = (await as.none('GET', '/v2/openapi.json')).json;
  const param = doc.paths[`${S}/{dockerRegistryName}`].get.parameters.find((p) => p.name === 'dockerRegistryName');
  const { pattern, maxLength, minLength } = param.schema;
  assert.deepEqual(doc.components.schemas.CreateSecretRequest.properties.name.pattern, pattern);
  const declared = (n) => new RegExp(pattern, 'u').test(n) && [...n].length <= maxLength && [...n].length >= minLength;
  const names = ['a', '0', 'a-b', 'a--b', 'ab1', '1-a', 'x'.repeat(253), 'x'.repeat(254), '-a', 'a-', 'A', 'a_b', 'a.b',
    'ä', 'a b', 'conf-hub'];
  for (const n of names) {
    const r = await as.viewer('GET', `${S}/${encodeURIComponent(n)}`);
    const valid = r.status !== 400;
    assert.equal(declared(n), valid, `${JSON.stringify(n)}: declared ${declared(n)}, server ${r.status} ${r.text}`);
    if (!valid) assert.equal(r.json.error.code, 'InvalidSecretName');
  }
});
