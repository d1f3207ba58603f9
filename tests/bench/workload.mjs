// Pulls with a workload's own OIDC token against a stored token, in the
// same run, interleaved: the built worker in workerd verifies the token
// (RS256 via WebCrypto, keys from the loopback issuer's discovery document,
// tests/standins/oidc_issuer.py) on every pull; then the key-set fetches
// during 1,000 workload pulls. Prints JSON lines `{"figure", ...}`.
// Env: BENCH_REQUESTS (1000).
import { client, dockerconfig, startWorker } from '../e2e/harness.mjs';
import { startStandin } from '../e2e/standins.mjs';
import { pct } from './measure.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const N = Number(process.env.BENCH_REQUESTS ?? 1000);
const stats = (xs) => ({ n: xs.length, p50_ms: +pct(xs, 50).toFixed(2), p99_ms: +pct(xs, 99).toFixed(2) });

const issuer = await startStandin('oidc_issuer.py');
const w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true' } });
try {
  const admin = client(w.url, 'admin');
  const rule = await admin('POST', '/v2/admin/workloadIdentities', { label: 'bench', issuer: issuer.info.issuer,
    audience: 'regcred', claims: { sub: 'repo:acme/*' }, role: 'puller' });
  if (rule.status !== 201) throw new Error(rule.text);
  const made = await client(w.url, 'editor')('POST', S, { name: 'bench', data: { '.dockerconfigjson': dockerconfig('r.example.com', 'u', 'p') } });
  if (made.status !== 202) throw new Error(made.text);
  const now = Math.floor(Date.now() / 1000);
  const signed = await (await fetch(`${issuer.url}/_standin/sign`, { method: 'POST', body: JSON.stringify({
    claims: { iss: issuer.info.issuer, aud: 'regcred', sub: 'repo:acme/web', iat: now, exp: now + 3600 } }) })).json();
  const workload = client(w.url, signed.token);
  const stored = client(w.url, 'puller');
  const pull = async (c) => {
    const t = performance.now();
    const r = await c('GET', `${S}/bench/dockerconfigjson`);
    if (r.status !== 200) throw new Error(`pull: ${r.status} ${r.text}`);
    return performance.now() - t;
  };
  for (let i = 0; i < 20; i++) { await pull(workload); await pull(stored); }
  const fetchesBefore = (await (await fetch(`${issuer.url}/_standin/fetches`)).json()).fetches;
  const [wl, st] = [[], []];
  for (let i = 0; i < N; i++) {
    if (i % 2) { st.push(await pull(stored)); wl.push(await pull(workload)); } else { wl.push(await pull(workload)); st.push(await pull(stored)); }
  }
  const fetches = (await (await fetch(`${issuer.url}/_standin/fetches`)).json()).fetches - fetchesBefore;
  console.log(JSON.stringify({ figure: 'workload_pull', workload: stats(wl), stored_token: stats(st),
    p50_ratio: +(pct(wl, 50) / pct(st, 50)).toFixed(3), key_set_fetches: fetches }));
} finally {
  await w.stop();
  await issuer.stop();
}
