// Checks at the edge, against the built worker in workerd: the fetch handler
// decides token, role and body size before a write reaches the Durable
// Object, so a flood of unauthenticated or slow uploads cannot hold the
// object's lock; no body over 64 KiB is served, whatever its method or
// framing; failed authentications are limited per address.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { client, dockerconfig, startWorker, TOKENS } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const BUDGET = 20; // wrangler.toml [[ratelimits]] AUTH_FAILURES
let w, editor, viewer, puller;

before(async () => {
  w = await startWorker({ vars: { REGCRED_MAX_SECRETS: '500' } });
  editor = client(w.url, 'editor');
  viewer = client(w.url, 'viewer');
  puller = client(w.url, 'puller');
});
after(async () => { await w?.stop(); });

const body = (name) => ({ name, data: { '.dockerconfigjson': dockerconfig('r.example.com', 'u', 'p') } });

/** A raw HTTP/1.1 write that sends its body one chunk every `everyMs`. */
function slowUpload({ method = 'POST', path = S, token, chunked = true, chunks = 12, everyMs = 1000, address }) {
  const { hostname, port } = new URL(w.url);
  const sock = net.connect(Number(port), hostname);
  const started = Date.now();
  let answer = '';
  const status = new Promise((resolve) => {
    sock.on('data', (d) => {
      answer += d;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (m) resolve({ status: Number(m[1]), ms: Date.now() - started });
    });
    sock.on('error', () => resolve({ status: 0, ms: Date.now() - started }));
    sock.on('close', () => resolve({ status: 0, ms: Date.now() - started }));
  });
  const head = [
    `${method} ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Content-Type: application/json',
    chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${chunks}`,
    ...(token ? [`Authorization: Bearer ${token}`] : []),
    ...(address ? [`CF-Connecting-IP: ${address}`] : []),
  ];
  sock.write(`${head.join('\r\n')}\r\n\r\n`);
  let sent = 0;
  const timer = setInterval(() => {
    if (sock.destroyed) return clearInterval(timer);
    if (sent++ < chunks) sock.write(chunked ? '1\r\n{\r\n' : '{');
    else { if (chunked) sock.write('0\r\n\r\n'); clearInterval(timer); }
  }, everyMs);
  return { status, stop: () => { clearInterval(timer); sock.destroy(); } };
}

async function timedCreate(name) {
  const t = Date.now();
  const r = await editor('POST', S, body(name));
  assert.equal(r.status, 202, r.text);
  return Date.now() - t;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test(`failed authentications: ${BUDGET} a minute per address, then 429 with Retry-After; valid tokens pass`, async () => {
  const bad = client(w.url, 'rc_not_a_token_at_all_0000000');
  const statuses = [];
  for (let i = 0; i < BUDGET + 3; i++) {
    statuses.push((await bad('GET', S, undefined, { 'cf-connecting-ip': '203.0.113.50' })).status);
  }
  console.log(`bad tokens from one address: ${statuses.join(' ')}`);
  assert.deepEqual(statuses.slice(0, BUDGET), Array(BUDGET).fill(401));
  const refused = await bad('POST', S, body('x'), { 'cf-connecting-ip': '203.0.113.50' });
  assert.equal(refused.status, 429);
  assert.equal(refused.json.error.code, 'TooManyFailedAttempts');
  assert.equal(refused.headers.get('retry-after'), '60');
  const ok = await viewer('GET', S, undefined, { 'cf-connecting-ip': '203.0.113.50' });
  assert.equal(ok.status, 200, 'a valid token from a refused address still works');
  assert.equal((await bad('GET', S, undefined, { 'cf-connecting-ip': '203.0.113.51' })).status, 401);

  const audit = (await editor('GET', '/v2/admin/auditEvents?$top=1000')).json.resources;
  const records = audit.filter((e) => e.action === 'authenticate' && e.address === '203.0.113.50');
  console.log(`audit: ${records.length} record(s) for the address, count ${records[0]?.count}`);
  assert.equal(records.length, 1, 'one aggregated record per address and minute');
  assert.ok(records[0].count >= BUDGET, `count ${records[0].count}`);
});

test('unauthenticated and slow uploads do not hold an authenticated create', async () => {
  const alone = [];
  for (let i = 0; i < 5; i++) alone.push(await timedCreate(`alone-${i}`));
  const flood = [
    // What held a create for 9 s: unauthenticated bodies at 1 byte/s.
    slowUpload({ address: '198.51.100.1' }),
    slowUpload({ chunked: false, address: '198.51.100.2' }),
    slowUpload({ method: 'DELETE', path: `${S}/alone-0`, address: '198.51.100.3' }),
    // An authenticated slow body is read at the edge, not under the lock.
    slowUpload({ token: TOKENS.editor }),
    slowUpload({ token: TOKENS.editor, chunked: false }),
  ];
  const bad = client(w.url, 'rc_not_a_token_at_all_0000000');
  let flooding = true;
  const badFlood = (async () => {
    let n = 0;
    while (flooding) {
      await Promise.all(Array.from({ length: 5 }, (_, i) => bad('POST', S, body(`bad-${n}-${i}`), { 'cf-connecting-ip': `198.51.100.${10 + i}` })));
      n++;
    }
    return n * 5;
  })();
  await new Promise((r) => setTimeout(r, 1500));
  const during = [];
  for (let i = 0; i < 5; i++) during.push(await timedCreate(`during-${i}`));
  flooding = false;
  const badSent = await badFlood;
  const refusals = await Promise.all(flood.slice(0, 3).map((f) => f.status));
  for (const f of flood) f.stop();
  console.log(`create alone: median ${median(alone)} ms; during the flood (${flood.length} slow uploads, ${badSent} bad-token writes): median ${median(during)} ms, max ${Math.max(...during)} ms`);
  console.log(`unauthenticated slow uploads answered: ${refusals.map((r) => `${r.status} after ${r.ms} ms`).join(', ')}`);
  // workerd writes the answer once the client stops sending; the worker
  // itself refused them on their headers, without waiting for the body.
  for (const r of refusals) assert.equal(r.status, 401);
  // Held behind a slow upload, a create took the upload's whole duration (12 s here).
  assert.ok(Math.max(...during) < 3000, `creates during the flood: ${during.join(', ')} ms`);
  assert.equal((await viewer('GET', `${S}/alone-0`)).status, 200, 'the slow DELETE deleted nothing');
});

/**
 * One raw HTTP/1.1 request with `size` bytes of body, chunked (no
 * Content-Length) or declared; the status line of the answer. A server that
 * refuses a large body may reset the socket while it is still being sent.
 */
function rawSend(method, path, size, { chunked = true } = {}) {
  const { hostname, port } = new URL(w.url);
  return new Promise((resolve) => {
    const sock = net.connect(Number(port), hostname);
    let answer = '';
    sock.on('data', (d) => { answer += d; });
    sock.on('error', () => { /* a reset after the answer: read what came */ });
    // Wait for the server to close: a client that hangs up mid-body makes
    // wrangler's local proxy fail the next request with a 503.
    sock.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      resolve({ status: m ? Number(m[1]) : 0, answer });
    });
    const head = [
      `${method} ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Content-Type: application/json',
      `Authorization: Bearer ${TOKENS.editor}`, 'Connection: close',
      chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${size}`,
    ];
    sock.write(`${head.join('\r\n')}\r\n\r\n`);
    const piece = ' '.repeat(8192);
    let left = size;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, piece.length);
        left -= n;
        const data = chunked ? `${n.toString(16)}\r\n${piece.slice(0, n)}\r\n` : piece.slice(0, n);
        if (!sock.write(data)) return sock.once('drain', pump);
      }
      if (chunked) sock.write('0\r\n\r\n');
    };
    pump();
  });
}

test('no body over 64 KiB is served: chunked or declared, POST, PATCH or DELETE', async () => {
  assert.equal((await editor('POST', S, body('kept'))).status, 202);
  const big = 70 * 1024;
  const cases = [
    ['POST', S, true], ['PATCH', `${S}/kept`, true], ['DELETE', `${S}/kept`, true],
    ['DELETE', `${S}/kept`, false], ['POST', `${S}/kept/check`, false],
  ];
  for (const [method, path, chunked] of cases) {
    const r = await rawSend(method, path, big, { chunked });
    assert.equal(r.status, 413, `${method} ${path} (${chunked ? 'chunked' : 'Content-Length'}): ${r.answer}`);
    assert.match(r.answer, /PayloadTooLarge/);
  }
  assert.equal((await viewer('GET', `${S}/kept`)).status, 200, 'the oversized DELETEs deleted nothing');
  assert.equal((await puller('GET', `${S}/kept/dockerconfigjson`)).status, 200);
  // Under the cap, chunked bodies are read whole.
  const small = new TextEncoder().encode(JSON.stringify(body('chunked-ok')));
  const r = await fetch(`${w.url}${S}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.editor}`, 'content-type': 'application/json' },
    body: new ReadableStream({ start(c) { c.enqueue(small.slice(0, 20)); c.enqueue(small.slice(20)); c.close(); } }),
    duplex: 'half',
  });
  assert.equal(r.status, 202, await r.text());
  assert.equal((await editor('DELETE', `${S}/chunked-ok`)).status, 202);
});

test('the quota is counted where writes are ordered', async () => {
  const q = (await viewer('GET', '/v2/admin/resourceQuota/dockerRegistrySecrets')).json;
  assert.equal(q.quota.maxCount, 500);
  assert.equal(q.usage.count, (await viewer('GET', `${S}?$count=true&$top=0`)).json.count);
});

/**
 * An upload on its own connection, as curl sends it: `size` bytes in 8 KiB
 * pieces, chunked or with Content-Length; the status.
 */
function upload({ token, size, chunked, address }) {
  const { hostname, port } = new URL(w.url);
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'cf-connecting-ip': address };
    if (token) headers.authorization = `Bearer ${token}`;
    if (!chunked) headers['content-length'] = String(size);
    const req = http.request({ host: hostname, port, method: 'POST', path: S, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    const piece = Buffer.alloc(8192, 0x20);
    for (let left = size; left > 0; left -= piece.length) req.write(piece.subarray(0, Math.min(left, piece.length)));
    req.end();
  });
}

/** A GET on a new connection; its status and how long it took. */
function timedGet(path) {
  const { hostname, port } = new URL(w.url);
  const t = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: hostname, port, path, agent: false, timeout: 15_000,
      headers: { authorization: `Bearer ${TOKENS.viewer}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Date.now() - t }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 15 s')));
    req.on('error', reject);
  });
}

test('an early 413 or 401 never stalls the next request', async () => {
  assert.equal((await editor('POST', S, body('after-413'))).status, 202);
  const cases = [
    [TOKENS.editor, true, 413], [TOKENS.editor, false, 413],
    [undefined, true, 401], [undefined, false, 401],
  ];
  for (const [token, chunked, status] of cases) {
    const what = `${status} on a ${chunked ? 'chunked' : 'Content-Length'} body`;
    assert.equal(await upload({ token, size: 96 * 1024, chunked, address: '198.51.100.77' }), status, what);
    // Cancelling the oversized body mid-way made this wait for the client's timeout.
    const next = await timedGet(`${S}/after-413`);
    assert.equal(next.status, 200, what);
    assert.ok(next.ms < 1000, `the request after a ${what} took ${next.ms} ms`);
  }
});
