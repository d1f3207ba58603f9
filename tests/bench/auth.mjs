// Access figures, against the built worker in workerd on loopback:
// - an authenticated create, p50/p99, alone and while a flood of bad-token
//   creates runs (paced, and saturating the machine); the ratio of the p99s;
// - a get with a managed token against one from REGCRED_TOKENS, in paired
//   rounds (order flipped each round), the ratio of the medians.
// Prints JSON lines `{"figure", ...}`. Env: BENCH_REQUESTS (200),
// BENCH_FLOOD_RPS (200), BENCH_FLOOD_ADDRESSES (10), BENCH_FLOOD_CONCURRENCY (8),
// BENCH_ROUNDS (10).
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { client, dockerconfig, startWorker, TOKENS } from '../e2e/harness.mjs';
import { pct, timed } from './measure.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const N = Number(process.env.BENCH_REQUESTS ?? 200);
const FLOOD = Number(process.env.BENCH_FLOOD_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const RPS = Number(process.env.BENCH_FLOOD_RPS ?? 200);
// A brute force from a few machines: each is past its budget (20 failures
// a minute) within seconds, as a real one would be.
const ADDRESSES = Number(process.env.BENCH_FLOOD_ADDRESSES ?? 10);

const round2 = (x) => +x.toFixed(2);
const body = (name) => ({ name, data: { '.dockerconfigjson': dockerconfig('registry.example.com', 'bench', 'bench-password') } });

/**
 * N authenticated creates while bad-token creates (of the managed shape,
 * so the worker looks the token up) arrive from ADDRESSES addresses in turn: either
 * at a fixed rate (`rps`, open loop) or as fast as `concurrency` clients
 * can send (this saturates a 2-core machine that also runs the clients and
 * wrangler's proxy, so it has no goal). The flood runs in its own thread
 * (flood.mjs), as it would on its own machines.
 */
async function underFlood(editor, tag, { rps, concurrency, health = false }) {
  const flood = new Worker(new URL('./flood.mjs', import.meta.url), {
    workerData: { url: w.url, body: body('flood'), addresses: ADDRESSES, rps, concurrency, health },
  });
  // once() also rejects when the thread fails.
  const next = async () => (await once(flood, 'message'))[0];
  if (await next() !== 'started') throw new Error('the flood thread did not start');
  await new Promise((r) => setTimeout(r, 500));
  const during = await timed(N, (i) => editor('POST', S, body(`${tag}-${i}`)));
  flood.postMessage('stop');
  const { sent, statuses } = await next();
  await flood.terminate();
  return { during, sent, statuses, shape: rps ? { flood_rps: rps } : { flood_concurrency: concurrency } };
}

const w = await startWorker({ vars: { REGCRED_MAX_SECRETS: String(4 * N + 100) } });
try {
  const editor = client(w.url, 'editor');
  await timed(20, (i) => editor('POST', S, body(`warm-${i}`)));
  const alone = await timed(N, (i) => editor('POST', S, body(`alone-${i}`)));

  // The floor: as many of the cheapest requests there are (a health check,
  // no token, no storage), so what the machine and the local proxy cost
  // is measured in the same run.
  const floor = await underFlood(editor, 'floor', { rps: RPS, health: true });
  const paced = await underFlood(editor, 'paced', { rps: RPS });
  const saturating = await underFlood(editor, 'saturating', { concurrency: FLOOD });
  console.log(JSON.stringify({ figure: 'create_alone', n: N, p50_ms: round2(pct(alone, 50)), p99_ms: round2(pct(alone, 99)) }));
  for (const [figure, f] of [['create_under_health_flood', floor], ['create_under_flood', paced], ['create_under_saturating_flood', saturating]]) {
    console.log(JSON.stringify({
      figure, n: N, ...f.shape, flood_requests: f.sent, flood_statuses: f.statuses,
      p50_ms: round2(pct(f.during, 50)), p99_ms: round2(pct(f.during, 99)),
      p99_ratio: round2(pct(f.during, 99) / pct(alone, 99)),
      p99_ratio_to_floor: round2(pct(f.during, 99) / pct(floor.during, 99)),
    }));
  }

  // A managed viewer token next to the environment's.
  const admin = client(w.url, 'admin');
  const made = await admin('POST', '/v2/admin/tokens', { label: 'bench-viewer', role: 'viewer' });
  if (made.status !== 201) throw new Error(`token create failed: ${made.status} ${made.text}`);
  const managed = client(w.url, made.json.token);
  const env = client(w.url, TOKENS.viewer);
  const path = `${S}/alone-0`;
  await timed(20, () => managed('GET', path));
  await timed(20, () => env('GET', path));
  const ratios = [];
  const all = { managed: [], env: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? ['env', 'managed'] : ['managed', 'env'];
    const round = {};
    for (const who of order) {
      round[who] = await timed(N / 2, () => (who === 'managed' ? managed : env)('GET', path));
      all[who].push(...round[who]);
    }
    ratios.push(pct(round.managed, 50) / pct(round.env, 50));
  }
  console.log(JSON.stringify({
    figure: 'get_managed_token', rounds: ROUNDS, n: all.managed.length,
    managed_p50_ms: round2(pct(all.managed, 50)), env_p50_ms: round2(pct(all.env, 50)),
    p50_ratio: round2(pct(ratios, 50)),
  }));
} finally {
  await w.stop();
}
