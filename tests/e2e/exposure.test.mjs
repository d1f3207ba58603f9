// Headers and exposure: every route in the served OpenAPI document and the
// console page carry the CONTRACT section 4 headers; another origin gets no
// CORS grant; no answer but the puller route holds a stored password or
// auth string.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { client, dockerconfig, startWorker, TOKENS } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const PASSWORD = 'exposure-Pa55word!';
const AUTH = Buffer.from(`exposer:${PASSWORD}`).toString('base64');
let w, doc;

before(async () => {
  w = await startWorker();
  const editor = client(w.url, 'editor');
  const r = await editor('POST', S, { name: 'exposed', data: { '.dockerconfigjson': dockerconfig('r.example.com', 'exposer', PASSWORD) } });
  assert.equal(r.status, 202, r.text);
  doc = (await client(w.url, null)('GET', '/v2/openapi.json')).json;
});
after(async () => { await w?.stop(); });

/** Every documented operation, called as each role, with a plausible body. */
async function everyAnswer() {
  const out = [];
  const body = { data: { '.dockerconfigjson': dockerconfig('r.example.com', 'exposer', PASSWORD) } };
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) {
      for (const role of [null, 'viewer', 'editor', 'puller']) {
        const path = p.replace('{dockerRegistryName}', 'exposed');
        // Leave the secret in place: its delete is called with a stale If-Match.
        const headers = method === 'delete' ? { 'if-match': '"999"' } : {};
        const send = ['post', 'patch'].includes(method) ? (path === S ? { name: 'exposed', ...body } : body) : undefined;
        const r = await client(w.url, role)(method.toUpperCase(), path, send, headers);
        out.push({ method, path, role, ...r });
      }
    }
  }
  return out;
}

test('every API route sends no-store and nosniff, and a request id', async () => {
  for (const r of await everyAnswer()) {
    const what = `${r.method} ${r.path} as ${r.role}`;
    assert.equal(r.headers.get('cache-control'), 'no-store', what);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', what);
    assert.match(r.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/, what);
  }
});

test('no answer but the puller route holds the password or auth string', async () => {
  let pulled = 0;
  for (const r of await everyAnswer()) {
    const leaks = r.text.includes(PASSWORD) || r.text.includes(AUTH);
    const puller = r.path.endsWith('/dockerconfigjson') && r.role === 'puller' && r.status === 200;
    if (puller) pulled++;
    assert.equal(leaks, puller, `${r.method} ${r.path} as ${r.role} (${r.status})`);
  }
  assert.equal(pulled, 1, 'the puller route does hand out the secret');
});

test('the console page sends the strict CSP, nosniff and frame-ancestors none', async () => {
  for (const p of ['/', '/decode', '/secrets/exposed']) {
    const r = await fetch(`${w.url}${p}`, { headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' } });
    assert.equal(r.status, 200, p);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/, p);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/, p);
    assert.match(csp, /frame-ancestors 'none'/, p);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|\*/, p);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
  }
});

test('another origin gets no CORS grant, for simple requests and preflights', async () => {
  const origin = 'https://evil.example';
  const simple = await fetch(`${w.url}${S}`, { headers: { origin, authorization: `Bearer ${TOKENS.viewer}` } });
  assert.equal(simple.headers.get('access-control-allow-origin'), null);
  const preflight = await fetch(`${w.url}${S}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  assert.equal(preflight.headers.get('access-control-allow-methods'), null);
  assert.ok(preflight.status >= 400, `a preflight is not granted (${preflight.status})`);
});
