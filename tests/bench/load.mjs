// A bounded load run (BENCH_LOAD_SECONDS, default 30; loopback only; stops by
// itself): CLIENTS concurrent clients doing mixed creates, reads, lists,
// edits and deletes against the built worker. Afterwards every acknowledged
// write must be readable and every acknowledged delete gone.
import { client, dockerconfig, startWorker } from '../e2e/harness.mjs';

const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 30);
const CLIENTS = Number(process.env.BENCH_LOAD_CLIENTS ?? 8);
const MAX_REQUESTS = 200_000;
const S = '/v2/admin/dockerRegistrySecrets';

const w = await startWorker({ vars: { REGCRED_MAX_SECRETS: '100000' } });
try {
  const editor = client(w.url, 'editor');
  const viewer = client(w.url, 'viewer');
  const puller = client(w.url, 'puller');
  const latencies = [];
  const creates = [];
  let errors = 0;
  let requests = 0;
  const expected = new Map(); // name -> { password, etag } | null (deleted)
  const deadline = Date.now() + SECONDS * 1000;
  const body = (name, pw) => ({ name, data: { '.dockerconfigjson': dockerconfig('load.example.com', 'u', pw) } });

  async function timed(fn, ok, kind) {
    const t = performance.now();
    const r = await fn();
    latencies.push(performance.now() - t);
    if (kind === 'create') creates.push(performance.now() - t);
    requests++;
    if (!ok(r.status)) errors++;
    return r;
  }

  async function run(c) {
    const mine = []; // live names of this client with their etag
    let n = 0;
    while (Date.now() < deadline && requests < MAX_REQUESTS) {
      const roll = Math.random();
      if (mine.length === 0 || roll < 0.2) {
        const name = `load-${c}-${n++}`;
        const pw = `pw-${c}-${n}`;
        const r = await timed(() => editor('POST', S, body(name, pw)), (s) => s === 202, 'create');
        if (r.status === 202) { mine.push({ name, etag: r.headers.get('etag') }); expected.set(name, { password: pw, etag: r.headers.get('etag') }); }
      } else if (roll < 0.5) {
        const s = mine[Math.floor(Math.random() * mine.length)];
        await timed(() => viewer('GET', `${S}/${s.name}`), (st) => st === 200);
      } else if (roll < 0.7) {
        await timed(() => viewer('GET', `${S}?$top=50`), (st) => st === 200);
      } else if (roll < 0.9) {
        const s = mine[Math.floor(Math.random() * mine.length)];
        const pw = `pw-${c}-${n++}`;
        const r = await timed(() => editor('PATCH', `${S}/${s.name}`, { data: body(s.name, pw).data }, { 'if-match': s.etag }), (st) => st === 202);
        if (r.status === 202) { s.etag = r.headers.get('etag'); expected.set(s.name, { password: pw, etag: s.etag }); }
      } else {
        const i = Math.floor(Math.random() * mine.length);
        const s = mine[i];
        const r = await timed(() => editor('DELETE', `${S}/${s.name}`, undefined, { 'if-match': s.etag }), (st) => st === 202);
        if (r.status === 202) { mine.splice(i, 1); expected.set(s.name, null); }
      }
    }
  }

  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => run(c)));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  creates.sort((a, b) => a - b);
  const pct = (p, xs = latencies) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];

  let lost = 0;
  for (const [name, want] of expected) {
    if (want === null) {
      if ((await viewer('GET', `${S}/${name}`)).status !== 404) lost++;
      continue;
    }
    const p = await puller('GET', `${S}/${name}/dockerconfigjson`);
    if (p.json?.auths?.['load.example.com']?.password !== want.password) lost++;
  }
  console.log(JSON.stringify({
    figure: 'load_mixed', seconds: +elapsed.toFixed(1), clients: CLIENTS, requests,
    rps: +(requests / elapsed).toFixed(1), p50_ms: +pct(0.5).toFixed(2), p99_ms: +pct(0.99).toFixed(2),
    errors, acknowledged_secrets: expected.size, lost,
    // A create waits its turn in the one Durable Object: its tail is the goal.
    creates: creates.length, create_p50_ms: +pct(0.5, creates).toFixed(2), create_p99_ms: +pct(0.99, creates).toFixed(2),
    create_p99_over_p50: +(pct(0.99, creates) / pct(0.5, creates)).toFixed(2),
  }));
  if (errors > 0 || lost > 0) process.exitCode = 1;
} finally {
  await w.stop();
}
