// Latency of create, modify, get, pull, a 50-item list, and a deep $skip, against the
// built worker in workerd on loopback (sequential requests, medians).
// Run with `cargo xtask bench`; prints JSON lines `{"figure", ...}`.
import { client, dockerconfig, startWorker } from '../e2e/harness.mjs';
import { pct, timed } from './measure.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const N = Number(process.env.BENCH_REQUESTS ?? 200);
const DEEP = Number(process.env.BENCH_DEEP ?? 2500);

function report(figure, samples) {
  const line = { figure, n: samples.length, p50_ms: +pct(samples, 50).toFixed(2), p99_ms: +pct(samples, 99).toFixed(2) };
  console.log(JSON.stringify(line));
}

const w = await startWorker({ vars: { REGCRED_MAX_SECRETS: String(DEEP + N + 100) } });
try {
  const editor = client(w.url, 'editor');
  const viewer = client(w.url, 'viewer');
  const body = (name) => ({ name, data: { '.dockerconfigjson': dockerconfig('registry.example.com', 'bench', 'bench-password') } });
  await timed(20, (i) => editor('POST', S, body(`warm-${i}`)));
  // 50 items first, so the list figure is for exactly 50 secrets (20 warm + 30).
  await timed(30, (i) => editor('POST', S, body(`fill-${i}`)));
  report('list_50_items', await timed(N, () => viewer('GET', `${S}?$top=50`)));
  report('create', await timed(N, (i) => editor('POST', S, body(`bench-${String(i).padStart(5, '0')}`))));
  report('get', await timed(N, (i) => viewer('GET', `${S}/bench-${String(i % N).padStart(5, '0')}`)));
  // Pulls are served by the Durable Object (never stale); the get above is
  // the same record read from KV at the edge, the path pulls took before.
  const puller = client(w.url, 'puller');
  report('pull', await timed(N, (i) => puller('GET', `${S}/bench-${String(i % N).padStart(5, '0')}/dockerconfigjson`)));
  // Each modify also keeps the version it replaces (one more object-storage
  // put, and the name's kept versions listed to prune past REGCRED_VERSIONS).
  const patch = (i) => ({ data: { '.dockerconfigjson': dockerconfig('registry.example.com', 'bench', `pw-${i}`) } });
  report('modify', await timed(N, (i) => editor('PATCH', `${S}/bench-${String(i % N).padStart(5, '0')}`, patch(i))));
  const have = 50 + N;
  for (let i = have; i < DEEP; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, DEEP - i) }, (_, j) => editor('POST', S, body(`deep-${String(i + j).padStart(5, '0')}`))));
  }
  report(`list_top50_skip0_of_${DEEP}`, await timed(50, () => viewer('GET', `${S}?$top=50`)));
  report(`list_top50_skip${DEEP - 50}_of_${DEEP}`, await timed(50, () => viewer('GET', `${S}?$top=50&$skip=${DEEP - 50}`)));
  report(`list_count_true_of_${DEEP}`, await timed(50, () => viewer('GET', `${S}?$top=1&$count=true`)));
} finally {
  await w.stop();
}
