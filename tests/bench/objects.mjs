// Objects per secret, measured in workerd: how many Durable Object calls
// each operation makes, how the requests of a pull-heavy mixed load spread
// over the objects (the busiest one's share), the latency of pulls and
// creates, and the capacity that follows on paper from Cloudflare's
// per-object figures. The worker runs with REGCRED_TEST_TRACE_OBJECTS=true,
// so every request an object gets is one log line (`regcred-object <role>
// <call>`), counted here. Prints JSON lines `{"figure", ...}`.
// With BENCH_BEFORE_DIR (the release before objects per secret, which
// `cargo xtask bench` builds into target/before/), the same latencies are
// measured on it too, after ours has stopped.
// Env: BENCH_OBJECT_SECRETS (120), BENCH_OBJECT_SECONDS (15).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { client, dockerconfig, ROOT, startWorker, startWranglerDev } from '../e2e/harness.mjs';
import { pct } from './measure.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const SECRETS = Number(process.env.BENCH_OBJECT_SECRETS ?? 120);
const SECONDS = Number(process.env.BENCH_OBJECT_SECONDS ?? 15);
const CLIENTS = 8;
const REPEAT = 20;
// The routing of the release with one object (9c6be8e, `Serves::Object`):
// every write and every pull was forwarded once, to the one object.
const BEFORE = { create: 1, modify: 1, delete: 1, get: 0, list: 0, pull_by_name: 1, pull_by_registry: 1 };
// Cloudflare's figures for one object: about 1,000 requests/s at best,
// 200-500/s for work that writes storage
// (developers.cloudflare.com/durable-objects/best-practices/rules-of-durable-objects).
const PER_OBJECT_READS = 1000;
const PER_OBJECT_WRITES = 200;

const registry = (i) => `reg-${i}.bench.example`;
const body = (name, i, pw = `pw-${i}`) => ({ name, data: { '.dockerconfigjson': dockerconfig(registry(i), 'u', pw) } });
const name = (i) => `obj-${String(i).padStart(4, '0')}`;

const VARS = { REGCRED_MAX_SECRETS: String(SECRETS * 4) };
const BEFORE_DIR = process.env.BENCH_BEFORE_DIR;

/** Pull by name, by registry and create latency, one request at a time. */
async function latencies(url, first) {
  const [editor, puller] = ['editor', 'puller'].map((r) => client(url, r));
  let next = first;
  const timedMs = async (n, fn) => {
    const out = [];
    for (let k = 0; k < n; k++) {
      const t = performance.now();
      const r = await fn(k);
      out.push(performance.now() - t);
      if (r.status >= 300) throw new Error(`bench request failed: ${r.status} ${r.text}`);
    }
    return { p50_ms: +pct(out, 50).toFixed(2), p99_ms: +pct(out, 99).toFixed(2) };
  };
  return {
    pull_by_name: await timedMs(200, (k) => puller('GET', `${S}/${name(k % SECRETS)}/dockerconfigjson`)),
    pull_by_registry: await timedMs(200, (k) => puller('GET', `/v2/admin/registryCredentials?registry=${registry(k % SECRETS)}`)),
    create: await timedMs(100, () => { const i = next++; return editor('POST', S, body(name(i), i)); }),
  };
}

async function seed(url) {
  const editor = client(url, 'editor');
  for (let i = 0; i < SECRETS; i += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, SECRETS - i) }, (_, j) => editor('POST', S, body(name(i + j), i + j))));
    for (const r of batch) if (r.status !== 202) throw new Error(`seeding failed: ${r.status} ${r.text}`);
  }
}

/** A wrangler.toml for the release in `dir`, as the harness makes ours. */
const beforeConfig = (dir) => async (tmp) => {
  const toml = (await readFile(path.join(dir, 'wrangler.toml'), 'utf8'))
    .replace(/^\[build\]\n(?:(?!\[).*\n)*/m, '')
    .replace(/^main = .*$/m, `main = ${JSON.stringify(path.join(dir, 'worker', 'build', 'index.js'))}`)
    .replace(/^directory = .*$/m, `directory = ${JSON.stringify(path.join(ROOT, 'dist'))}`);
  const file = path.join(tmp, 'wrangler.toml');
  await writeFile(file, toml);
  return file;
};

const w = await startWorker({ vars: { ...VARS, REGCRED_TEST_TRACE_OBJECTS: 'true' } });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Trace lines logged since `from` (a log offset), after they settle. */
async function tracesSince(from) {
  let last = -1;
  for (;;) {
    await sleep(150);
    const text = w.log().slice(from);
    if (text.length === last) {
      return [...text.matchAll(/regcred-object (\S+) (\S+)/g)].map((m) => ({ object: m[1], call: m[2] }));
    }
    last = text.length;
  }
}

try {
  const [editor, viewer, puller] = ['editor', 'viewer', 'puller'].map((r) => client(w.url, r));
  const must = (r, status = r.status < 300 ? r.status : 200) => {
    if (r.status !== status) throw new Error(`bench request failed: ${r.status} ${r.text}`);
    return r;
  };
  await seed(w.url);
  // Settle alarms and the first touches of the seeding.
  await tracesSince(w.log().length);

  // Durable Object calls per operation, each op REPEAT times on fresh targets.
  let extra = SECRETS;
  const ops = {
    create: async () => { const i = extra++; must(await editor('POST', S, body(name(i), i)), 202); },
    modify: async (k) => must(await editor('PATCH', `${S}/${name(k)}`, { data: body(name(k), k, `new-${k}`).data }), 202),
    get: async (k) => must(await viewer('GET', `${S}/${name(k)}`)),
    list: async () => must(await viewer('GET', `${S}?$top=50`)),
    pull_by_name: async (k) => must(await puller('GET', `${S}/${name(k)}/dockerconfigjson`)),
    pull_by_registry: async (k) => must(await puller('GET', `/v2/admin/registryCredentials?registry=${registry(k)}`)),
    delete: async () => { const i = --extra; must(await editor('DELETE', `${S}/${name(i)}`), 202); },
  };
  const calls = { figure: 'object_calls_per_op', before: BEFORE, after: {}, by_object: {} };
  for (const [op, run] of Object.entries(ops)) {
    const from = w.log().length;
    for (let k = 0; k < REPEAT; k++) await run(k);
    const traces = await tracesSince(from);
    calls.after[op] = +(traces.length / REPEAT).toFixed(2);
    const kinds = {};
    for (const t of traces) {
      const kind = t.object.startsWith('secret:') ? 'secret' : t.object;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    calls.by_object[op] = Object.fromEntries(Object.entries(kinds).map(([k, n]) => [k, +(n / REPEAT).toFixed(2)]));
  }
  console.log(JSON.stringify(calls));

  // Latency, one request at a time.
  const latency = { figure: 'object_latency', ...(await latencies(w.url, 10_000)) };
  console.log(JSON.stringify(latency));

  // The mixed load: mostly pulls, as deployments pull far more than they write.
  const from = w.log().length;
  const deadline = Date.now() + SECONDS * 1000;
  let requests = 0;
  let errors = 0;
  // Creates and deletes touch only the load's own names, so the seeded
  // secrets that pulls and modifies pick stay there.
  const made = [];
  let fresh = 20_000;
  const mix = [
    [0.40, (k) => ops.pull_by_name(k)], [0.20, (k) => ops.pull_by_registry(k)],
    [0.20, (k) => ops.get(k)], [0.10, () => ops.list()], [0.08, (k) => ops.modify(k)],
    [0.01, async () => { const i = fresh++; must(await editor('POST', S, body(name(i), i)), 202); made.push(i); }],
    [0.01, async () => { const i = made.pop(); if (i !== undefined) must(await editor('DELETE', `${S}/${name(i)}`), 202); }],
  ];
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (Date.now() < deadline) {
      let roll = Math.random();
      const k = Math.floor(Math.random() * SECRETS);
      const [, run] = mix.find(([p]) => (roll -= p) < 0) ?? mix[0];
      requests++;
      try { await run(k); } catch { errors++; }
    }
  }));
  const traces = await tracesSince(from);
  const per = new Map();
  for (const t of traces) per.set(t.object, (per.get(t.object) ?? 0) + 1);
  const ranked = [...per.entries()].sort((a, b) => b[1] - a[1]);
  const [busiest, most] = ranked[0] ?? ['none', 0];
  console.log(JSON.stringify({
    figure: 'object_load', secrets: SECRETS, seconds: SECONDS, clients: CLIENTS, requests, errors,
    object_requests: traces.length, objects: per.size,
    busiest, busiest_share: +(most / Math.max(1, traces.length)).toFixed(4),
    directory_share: +((per.get('directory') ?? 0) / Math.max(1, traces.length)).toFixed(4),
    before_busiest_share: 1.0,
    top5: ranked.slice(0, 5).map(([o, n]) => `${o}=${n}`),
  }));

  // On paper: pulls spread over the secrets' objects, each good for about
  // PER_OBJECT_READS a second; what stays global is the directory's work.
  console.log(JSON.stringify({
    figure: 'capacity_on_paper',
    per_object_reads_per_s: PER_OBJECT_READS, per_object_writes_per_s: PER_OBJECT_WRITES,
    pulls_per_s: Object.fromEntries([10, 1000, 100000].map((n) => [n, n * PER_OBJECT_READS])),
    one_secret_pulls_per_s: PER_OBJECT_READS,
    before_pulls_per_s: PER_OBJECT_READS,
    global: `the directory: creates, deletes, undeletes and registry changes together ~${PER_OBJECT_WRITES}-500/s; pulls by registry the KV index does not settle`,
  }));
  if (errors > 0) process.exitCode = 1;
} finally {
  await w.stop();
}

if (BEFORE_DIR) {
  const before = await startWranglerDev({ config: beforeConfig(BEFORE_DIR), vars: VARS });
  try {
    await seed(before.url);
    console.log(JSON.stringify({ figure: 'object_latency_before', build: BEFORE_DIR, ...(await latencies(before.url, 10_000)) }));
  } finally {
    await before.stop();
  }
}
