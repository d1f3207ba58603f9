// Throughput of get, a 50-item list, a pull by name and the health check:
// our built worker against a plain JS reference worker (tests/bench/reference-worker) with the same routes, KV
// layout and crypto, both in workerd under `wrangler dev` on loopback. wrk
// runs alternate between the two (order flipped each round) so drift in the
// machine's load hits both alike. Prints JSON lines `{"figure", ...}`.
// Env: BENCH_ROUNDS (5), BENCH_SECONDS (5), BENCH_CONNECTIONS (8).
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { client, dockerconfig, freePort, ROOT, startWorker, startWranglerDev, TOKENS } from '../e2e/harness.mjs';
import { referenceConfig } from './measure.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SECRETS = 50;
const GOAL = 1.0;
// wrangler dev reloads ours when worker/build is rebuilt, which would mix two builds into one figure.
const BUILD = path.join(ROOT, 'worker', 'build', 'index_bg.wasm');
const builtAt = async () => (await stat(BUILD)).mtimeMs;

// The same [assets] front as ours: without it the reference skips the asset
// router every request of ours passes, and the ratio measured that router
// (get 0.68-0.74), not the workers.
const referenceFront = referenceConfig('regcred-reference', path.join(ROOT, 'dist'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function ms(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) throw new Error(`unreadable wrk duration ${text}`);
  return Number(m[1]) * { us: 1e-3, ms: 1, s: 1e3, m: 6e4 }[m[2]];
}

async function wrk(url, seconds, role) {
  const auth = role ? ['-H', `Authorization: Bearer ${TOKENS[role]}`] : [];
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', ...auth, url];
  const { stdout } = await promisify(execFile)('wrk', args);
  // wrk prints these lines only when something went wrong; a figure with errors is worthless.
  if (/Non-2xx or 3xx responses|Socket errors/.test(stdout)) throw new Error(`wrk saw errors on ${url}:\n${stdout}`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const p50 = /^\s+50%\s+(\S+)/m.exec(stdout);
  const p99 = /^\s+99%\s+(\S+)/m.exec(stdout);
  if (!rps || !p50 || !p99) throw new Error(`unreadable wrk output:\n${stdout}`);
  return { rps: Number(rps[1]), p50: ms(p50[1]), p99: ms(p99[1]) };
}

function sameShape(a, b, what) {
  const keys = (o) => JSON.stringify(Object.keys(o).sort());
  if (keys(a) !== keys(b)) throw new Error(`${what}: ours ${keys(a)} vs reference ${keys(b)}`);
}

async function check(ours, ref) {
  const get = await Promise.all([ours, ref].map((w) => client(w.url, 'viewer')('GET', `${S}/bench-025`)));
  const list = await Promise.all([ours, ref].map((w) => client(w.url, 'viewer')('GET', `${S}?$top=50`)));
  for (const r of [...get, ...list]) if (r.status !== 200 || !r.json) throw new Error(`check failed: ${r.status} ${r.text}`);
  sameShape(get[0].json, get[1].json, 'get');
  if (JSON.stringify(get[0].json.registries) !== JSON.stringify(get[1].json.registries)) throw new Error('get: registries differ');
  sameShape(list[0].json, list[1].json, 'list');
  for (const l of list) if (l.json.count !== SECRETS || l.json.resources.length !== SECRETS) throw new Error(`list: ${l.text}`);
  sameShape(list[0].json.resources[0], list[1].json.resources[0], 'list item');
}

const workers = [];
const stopAll = () => Promise.all(workers.splice(0).map((w) => w.stop()));
// wrangler runs in its own process group (harness), so an interrupted run must stop it itself.
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => stopAll().finally(() => process.exit(130)));

const built = await builtAt();
try {
  const started = await Promise.allSettled([
    startWorker({ vars: { REGCRED_MAX_SECRETS: String(SECRETS * 2) } }),
    // Two wrangler devs would both take the default devtools port 9229.
    startWranglerDev({ config: referenceFront, args: ['--inspector-port', String(await freePort())] }),
  ]);
  for (const s of started) if (s.status === 'fulfilled') workers.push(s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  const [ours, ref] = workers;

  const body = (i) => ({ name: `bench-${String(i).padStart(3, '0')}`,
    data: { '.dockerconfigjson': dockerconfig(`registry${i % 3}.example.com`, 'bench', 'bench-password') } });
  for (const w of [ours, ref]) {
    const editor = client(w.url, 'editor');
    for (let i = 0; i < SECRETS; i++) {
      const r = await editor('POST', S, body(i));
      if (r.status !== 202) throw new Error(`seeding ${w.url} failed: ${r.status} ${r.text}`);
    }
  }
  await check(ours, ref);

  const routes = [
    ['throughput_get', `${S}/bench-025`, 'viewer', GOAL],
    ['throughput_list_50', `${S}?$top=50`, 'viewer', GOAL],
    ['throughput_pull', `${S}/bench-025/dockerconfigjson`, 'puller', GOAL],
    // No goal: the health check reads no token and no storage, so its ratio
    // is what a request costs ours before any route's work (the glue between
    // the runtime and wasm), the floor under the three ratios above.
    ['throughput_health', '/v2/health', null, undefined],
  ];
  for (const [figure, route, role, goal] of routes) {
    const targets = { ours: `${ours.url}${route}`, reference: `${ref.url}${route}` };
    // Discarded warm-up: JIT and wasm tiering should not count against the first runner.
    for (const url of Object.values(targets)) await wrk(url, 1, role);
    const runs = { ours: [], reference: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? ['reference', 'ours'] : ['ours', 'reference'];
      for (const who of order) runs[who].push(await wrk(targets[who], SECONDS, role));
    }
    const fig = (who, k) => +median(runs[who].map((r) => r[k])).toFixed(k === 'rps' ? 1 : 3);
    // Each round's two runs are adjacent in time, so their ratio shrugs off
    // drifts in the machine's load; the goal is judged on the median of those
    // paired ratios (the ratio of the two medians is printed beside it).
    const roundRatios = runs.ours.map((r, i) => +(r.rps / runs.reference[i].rps).toFixed(3));
    const line = {
      figure, rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS,
      ours_rps: fig('ours', 'rps'), reference_rps: fig('reference', 'rps'),
      ratio: +median(roundRatios).toFixed(3),
      ratio_of_medians: +(fig('ours', 'rps') / fig('reference', 'rps')).toFixed(3), goal,
      ours_p50_ms: fig('ours', 'p50'), reference_p50_ms: fig('reference', 'p50'),
      ours_p99_ms: fig('ours', 'p99'), reference_p99_ms: fig('reference', 'p99'),
      ours_rps_rounds: runs.ours.map((r) => r.rps), reference_rps_rounds: runs.reference.map((r) => r.rps),
      round_ratios: roundRatios,
    };
    if (await builtAt() !== built) throw new Error(`${BUILD} was rebuilt during the run; run again`);
    console.log(JSON.stringify(line));
  }
} finally {
  await stopAll();
}
