// The built worker in workerd: health, JSON errors, headers, SPA fallback.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWorker } from './harness.mjs';

let w;
before(async () => { w = await startWorker(); });
after(async () => { await w?.stop(); });

test('GET /v2/health answers ok with the API headers', async () => {
  const r = await fetch(`${w.url}/v2/health`);
  assert.equal(r.status, 200);
  assert.equal((await r.json()).status, 'ok');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.match(r.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/);
});

test('an unknown API route is a JSON 404 in the CONTRACT error shape', async () => {
  const r = await fetch(`${w.url}/v2/no/such/route`);
  assert.equal(r.status, 404);
  assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  const body = await r.json();
  assert.equal(body.error.code, 'NotFound');
  assert.match(body.error.message, /\/v2\/no\/such\/route/);
  assert.equal(body.error.requestId, r.headers.get('x-request-id'));
  assert.equal(body.error.target, '/v2/no/such/route');
});

test('request ids differ between requests', async () => {
  const a = await fetch(`${w.url}/v2/health`);
  const b = await fetch(`${w.url}/v2/health`);
  assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
});

test('a deep console URL falls back to the single-page app', async () => {
  const r = await fetch(`${w.url}/secrets/some-name/edit`, {
    headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' },
  });
  assert.equal(r.status, 200);
  const html = await r.text();
  assert.match(html, /<title>regcred<\/title>/);
  assert.match(html, /\.wasm/);
});

test('the console page sends the CONTRACT security headers', async () => {
  const r = await fetch(`${w.url}/`);
  assert.equal(r.status, 200);
  const csp = r.headers.get('content-security-policy') ?? '';
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
});
