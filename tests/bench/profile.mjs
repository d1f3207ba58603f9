// Where the worker's CPU goes on one route: a V8 CPU profile taken through
// wrangler's inspector while wrk loads the route, printed as self time per
// function and inclusive time of ours. Not part of `cargo xtask bench`: it
// is for finding what to measure next, not a figure.
//   REGCRED_KEEP_NAMES=1 cargo xtask build   # wasm functions keep their names
//   REGCRED_ROOT=$PWD node tests/bench/profile.mjs get|list|pull|health
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { client, dockerconfig, freePort, ROOT, startWorker, TOKENS } from '../e2e/harness.mjs';

// wrangler's own dependency; node 20 has no WebSocket client of its own.
const WebSocket = createRequire(path.join(ROOT, 'package.json'))('ws');
const S = '/v2/admin/dockerRegistrySecrets';
const ROUTES = {
  get: [`${S}/bench-025`, 'viewer'],
  list: [`${S}?$top=50`, 'viewer'],
  pull: [`${S}/bench-025/dockerconfigjson`, 'puller'],
  health: ['/v2/health', 'viewer'],
};
const [route, role] = ROUTES[process.argv[2] ?? 'get'] ?? [];
if (!route) throw new Error(`usage: profile.mjs ${Object.keys(ROUTES).join('|')}`);
const wrk = (url, seconds) => promisify(execFile)('wrk', ['-t1', '-c4', `-d${seconds}s`,
  '-H', `Authorization: Bearer ${TOKENS[role]}`, url]);

const port = await freePort();
const w = await startWorker({ args: ['--inspector-port', String(port)] });
try {
  const editor = client(w.url, 'editor');
  for (let i = 0; i < 50; i++) {
    const name = `bench-${String(i).padStart(3, '0')}`;
    const r = await editor('POST', S, { name, data: { '.dockerconfigjson': dockerconfig(`registry${i % 3}.example.com`, 'bench', 'pw') } });
    if (r.status !== 202) throw new Error(`seeding: ${r.status} ${r.text}`);
  }
  const [target] = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  let id = 0;
  const pending = new Map();
  ws.on('message', (m) => {
    const d = JSON.parse(m);
    pending.get(d.id)?.(d);
    pending.delete(d.id);
  });
  const call = (method, params = {}) => new Promise((resolve) => {
    pending.set(++id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 200 });
  await wrk(w.url + route, 2); // warm-up: JIT and wasm tiering
  await call('Profiler.start');
  const { stdout } = await wrk(w.url + route, 6);
  const { result: { profile } } = await call('Profiler.stop');
  ws.close();

  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = profile.nodes.reduce((sum, n) => sum + n.hitCount, 0);
  const pct = (v) => `${((100 * v) / total).toFixed(1).padStart(5)}%`;
  const nameOf = (n) => n.callFrame.functionName || `(anonymous ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber})`;
  const self = new Map();
  for (const n of profile.nodes) self.set(nameOf(n), (self.get(nameOf(n)) ?? 0) + n.hitCount);
  // Inclusive: a function's samples and its callees', counted once per stack.
  const inclusive = new Map();
  const walk = (nodeId, onStack) => {
    const n = nodes.get(nodeId);
    const name = nameOf(n);
    const inner = new Set(onStack).add(name);
    const sum = n.hitCount + (n.children ?? []).reduce((s, c) => s + walk(c, inner), 0);
    if (!onStack.has(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + sum);
    return sum;
  };
  walk(profile.nodes[0].id, new Set());
  console.log(`# ${process.argv[2] ?? 'get'}: ${/Requests\/sec:\s+\S+/.exec(stdout)?.[0]}, ${total} samples`);
  console.log('# self time');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(pct(v), k.slice(0, 140));
  console.log('# inclusive time of our functions');
  for (const [k, v] of [...inclusive].filter(([k]) => /regcred_worker|shared::/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(pct(v), k.slice(0, 140));
  }
} finally {
  await w.stop();
}
