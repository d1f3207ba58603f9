// Durability figures against the built worker in workerd on loopback:
// - rewrap: secrets sealed again per second when a new key is put first
//   (BENCH_REWRAP_SECRETS, default 500, batches of 500);
// - repair: milliseconds from a write that stopped between the Durable
//   Object's commit and KV (REGCRED_TEST_FAILPOINT=after-commit) until an
//   edge read shows it (the object's alarm repairs KV; BENCH_REPAIRS runs).
// Pull latency against an edge read is in api-latency.mjs. Prints JSON
// lines `{"figure", ...}`.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { client, dockerconfig, KEYRING, startWorker } from '../e2e/harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const N = Number(process.env.BENCH_REWRAP_SECRETS ?? 500);
const REPAIRS = Number(process.env.BENCH_REPAIRS ?? 3);
const K2 = 'k2:' + '22'.repeat(32);
const body = (name) => ({ name, data: { '.dockerconfigjson': dockerconfig('127.0.0.1:9', 'u', `pw-${name}`) } });

const state = await mkdtemp(path.join(os.tmpdir(), 'regcred-bench-durability-'));
const start = (vars) => startWorker({ state, vars: { REGCRED_MAX_SECRETS: String(N + REPAIRS + 10), ...vars } });
let w;
try {
  w = await start({ REGCRED_KEYS: KEYRING });
  const editor = client(w.url, 'editor');
  for (let i = 0; i < N; i += 25) {
    const rs = await Promise.all(Array.from({ length: Math.min(25, N - i) }, (_, j) => editor('POST', S, body(`rw-${i + j}`))));
    for (const r of rs) if (r.status !== 202) throw new Error(`create failed: ${r.status} ${r.text}`);
  }
  await w.stop();
  w = await start({ REGCRED_KEYS: `${K2},${KEYRING}` });
  const admin = client(w.url, 'admin');
  const t0 = performance.now();
  let next = '', rewrapped = 0;
  do {
    const r = await admin('POST', `/v2/admin/encryptionKeys/rewrap?limit=500&after=${next}`);
    if (r.status !== 200) throw new Error(`rewrap failed: ${r.status} ${r.text}`);
    rewrapped += r.json.rewrapped;
    next = r.json.next ?? '';
  } while (next);
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ figure: 'rewrap', secrets: rewrapped, seconds: +seconds.toFixed(2), per_second: Math.round(rewrapped / seconds) }));
  await w.stop();

  w = await start({ REGCRED_KEYS: K2, REGCRED_TEST_FAILPOINT: 'after-commit' });
  const [crashy, viewer] = ['editor', 'viewer'].map((r) => client(w.url, r));
  const took = [];
  for (let i = 0; i < REPAIRS; i++) {
    const t = performance.now();
    const r = await crashy('POST', S, body(`crash-${i}`));
    if (r.status !== 500) throw new Error(`the failpoint did not stop the write: ${r.status}`);
    for (;;) {
      if ((await viewer('GET', `${S}/crash-${i}`)).status === 200) break;
      if (performance.now() - t > 60_000) throw new Error('no repair within 60 s');
      await new Promise((res) => setTimeout(res, 100));
    }
    took.push(performance.now() - t);
  }
  took.sort((a, b) => a - b);
  console.log(JSON.stringify({ figure: 'repair_after_stopped_write', n: REPAIRS, median_ms: Math.round(took[Math.floor(took.length / 2)]), max_ms: Math.round(took[took.length - 1]) }));
} finally {
  await w?.stop();
  await rm(state, { recursive: true, force: true });
}
