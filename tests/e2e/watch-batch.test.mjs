// The schedule's bound, in workerd: 500 secrets are all checked within the
// period by runs that each check at most 50 (the oldest first), counted
// run by run from each secret's `health.checkedAt`. Their registry refuses
// connections at once (127.0.0.1:9), so the figure is the run's own cost.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { client, dockerconfig, startWorker } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const N = 500;
const PER_RUN = 50;
let w, editor, viewer;

before(async () => {
  w = await startWorker({
    vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true', REGCRED_CHECK_EVERY: '0s', REGCRED_MAX_SECRETS: String(N + 10) },
    args: ['--test-scheduled'],
  });
  editor = client(w.url, 'editor');
  viewer = client(w.url, 'viewer');
});
after(async () => { await w?.stop(); });

const checkedAt = async () => {
  const list = await viewer('GET', `${S}?$top=1000`);
  assert.equal(list.status, 200);
  return new Map(list.json.resources.map((s) => [s.name, s.health?.checkedAt ?? null]));
};

test('500 secrets are all checked within the period, at most 50 a run, oldest first', { timeout: 600_000 }, async () => {
  const body = (i) => ({ name: `batch-${String(i).padStart(3, '0')}`, data: { '.dockerconfigjson': dockerconfig('http://127.0.0.1:9', 'u', 'p') } });
  for (let i = 0; i < N; i += 25) {
    const made = await Promise.all(Array.from({ length: 25 }, (_, j) => editor('POST', S, body(i + j))));
    for (const r of made) assert.equal(r.status, 202, r.text);
  }
  let before = await checkedAt();
  const perRun = [];
  const wall = [];
  for (let run = 0; run < N / PER_RUN; run++) {
    const t = performance.now();
    const r = await fetch(`${w.url}/__scheduled?cron=*/5+*+*+*+*`);
    wall.push(performance.now() - t);
    assert.equal(r.status, 200);
    const now = await checkedAt();
    perRun.push([...now].filter(([name, at]) => at !== null && at !== before.get(name)).length);
    before = now;
  }
  console.log(`# checks per run on ${N} secrets: ${perRun.join(', ')}; wall time per run (ms): ${wall.map((x) => x.toFixed(0)).join(', ')}`);
  assert.ok(perRun.every((n) => n <= PER_RUN), `a run checked more than ${PER_RUN}: ${perRun}`);
  assert.ok([...before.values()].every((at) => at !== null), 'every secret was checked within the period');
  // The next run takes the oldest checks first: the first run's.
  const r = await fetch(`${w.url}/__scheduled?cron=*/5+*+*+*+*`);
  assert.equal(r.status, 200);
  const again = await checkedAt();
  const rechecked = [...again].filter(([name, at]) => at !== before.get(name)).map(([name]) => name);
  assert.ok(rechecked.length <= PER_RUN);
  const counts = await viewer('GET', '/v2/admin/health');
  assert.equal(counts.json.counts.unreachable, N);
});
