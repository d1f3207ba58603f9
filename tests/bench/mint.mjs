// Brokered pulls against the built worker in workerd, minting from the
// Google stand-in (tests/standins/google_token.py: an Authlib-checked RS256
// grant, loopback): the pull that mints, the pull that hands out the kept
// credential, and a plain secret's pull in the same run, interleaved so the
// machine's drift hits both alike; then mints per 1,000 pulls under a mixed
// load of brokered and plain pulls. Prints JSON lines `{"figure", ...}`.
// Env: BENCH_REQUESTS (200), BENCH_BROKERED (20).
import { client, dockerconfig, startWorker } from '../e2e/harness.mjs';
import { startStandin } from '../e2e/standins.mjs';
import { pct, timed } from './measure.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const N = Number(process.env.BENCH_REQUESTS ?? 200);
const BROKERED = Number(process.env.BENCH_BROKERED ?? 20);
const stats = (xs) => ({ n: xs.length, p50_ms: +pct(xs, 50).toFixed(2), p99_ms: +pct(xs, 99).toFixed(2) });

// No added delay: the minting figure is the worker's signing and two round trips.
const google = await startStandin('google_token.py', ['3600', 'ya29.bench-token', '0']);
const w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true', REGCRED_MAX_SECRETS: String(BROKERED + 10) } });
try {
  const editor = client(w.url, 'editor');
  const puller = client(w.url, 'puller');
  const mints = async () => (await (await fetch(`${google.url}/mints`)).json()).mints;
  const source = (i) => ({ type: 'gcpServiceAccount', registry: `gar${i}.example.com`, serviceAccountKey: JSON.stringify(google.info.known) });
  for (let i = 0; i < BROKERED; i++) {
    const r = await editor('POST', S, { name: `gar-${i}`, source: source(i) });
    if (r.status !== 202) throw new Error(`create gar-${i}: ${r.status} ${r.text}`);
  }
  const plain = await editor('POST', S, { name: 'plain', data: { '.dockerconfigjson': dockerconfig('plain.example.com', 'u', 'p') } });
  if (plain.status !== 202) throw new Error(plain.text);
  const pull = (name) => async () => {
    const r = await puller('GET', `${S}/${name}/dockerconfigjson`);
    if (r.status !== 200) throw new Error(`pull ${name}: ${r.status} ${r.text}`);
    return r;
  };
  // The first pull of each brokered secret mints.
  const minting = await timed(BROKERED, (i) => pull(`gar-${i}`)());
  const minted = await mints();
  // Warm both paths, then alternate cached and plain pulls.
  await timed(20, (i) => pull(i % 2 ? 'plain' : 'gar-0')());
  const cached = [];
  const plainTimes = [];
  for (let i = 0; i < N; i++) {
    const [a, b] = i % 2 ? [plainTimes, cached] : [cached, plainTimes];
    a.push(...(await timed(1, pull(i % 2 ? 'plain' : `gar-${i % BROKERED}`))));
    b.push(...(await timed(1, pull(i % 2 ? `gar-${i % BROKERED}` : 'plain'))));
  }
  const ratio = +(pct(cached, 50) / pct(plainTimes, 50)).toFixed(3);
  console.log(JSON.stringify({
    figure: 'brokered_pull', minting: stats(minting), cached: stats(cached), plain: stats(plainTimes),
    cached_over_plain_p50: ratio, goal: 1.2, mints_for_first_pulls: minted,
  }));
  // Mixed: 1,000 pulls, a third plain, the rest spread over the brokered secrets.
  const before = await mints();
  await timed(1000, (i) => pull(i % 3 === 0 ? 'plain' : `gar-${i % BROKERED}`)());
  console.log(JSON.stringify({ figure: 'brokered_mixed', pulls: 1000, brokered_secrets: BROKERED, mints_per_1000_pulls: (await mints()) - before }));
} finally {
  await w.stop();
  await google.stop();
}
