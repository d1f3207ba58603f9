// A flood of bad-token requests, run as a worker thread by auth.mjs: a real
// flood comes from other machines, so it must not share the event loop of
// the client whose latency is measured (sharing it added the flood's own
// response handling to that client's p99). Sends until the parent posts
// 'stop', then posts back { sent, statuses }.
//   workerData: { url, body, addresses, rps | concurrency, health }
import { parentPort, workerData } from 'node:worker_threads';
import { client } from '../e2e/harness.mjs';

const { url, body, addresses, rps, concurrency, health } = workerData;
const S = '/v2/admin/dockerRegistrySecrets';
// The managed shape, so the worker looks each one up (a KV read, or its
// memory of the same token refused within the last second).
const bad = client(url, `rc_${'f'.repeat(48)}`);
let running = true;
let sent = 0;
const statuses = {};

async function one() {
  const ip = `127.77.0.${sent % addresses}`;
  sent++;
  try {
    const r = health
      ? await bad('GET', '/v2/health')
      : await bad('POST', S, body, { 'cf-connecting-ip': ip });
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  } catch { /* a refused connection is part of a flood */ }
}

const inFlight = new Set();
const track = (p) => {
  inFlight.add(p);
  p.finally(() => inFlight.delete(p));
};
let timer;
if (rps) {
  // Open loop: a fixed rate whatever the answers' latency.
  timer = setInterval(() => {
    for (let i = 0; i < rps / 100; i++) track(one());
  }, 10);
} else {
  for (let c = 0; c < concurrency; c++) track((async () => { while (running) await one(); })());
}

parentPort.on('message', async (m) => {
  if (m !== 'stop') return;
  running = false;
  clearInterval(timer);
  await Promise.all(inFlight);
  parentPort.postMessage({ sent, statuses });
  parentPort.close();
});
parentPort.postMessage('started');
