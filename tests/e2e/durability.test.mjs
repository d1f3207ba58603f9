// Nothing lost, nothing stale, end to end in workerd. The worker runs with
// REGCRED_TEST_FAILPOINT=after-commit: each secret write stops after the
// Durable Object committed it and before KV saw it, as a crash there would.
// Pulls must still hand out exactly the committed state (they are served by
// the object), the object's alarm must bring KV level, and a worker stopped
// in that state and started again on the same storage must repair too.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, dockerconfig, startWorker } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const CRASH = { REGCRED_TEST_FAILPOINT: 'after-commit' };
let state, w;

before(async () => {
  state = await mkdtemp(path.join(os.tmpdir(), 'regcred-durability-'));
});
after(async () => {
  await w?.stop();
  if (state) await rm(state, { recursive: true, force: true });
});

const data = (password) => ({ data: { '.dockerconfigjson': dockerconfig('127.0.0.1:9', 'u', password) } });

/** Polls `probe` until it is true; answers the milliseconds it took. */
async function within(ms, what, probe) {
  const start = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - start;
    if (Date.now() - start > ms) assert.fail(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('a write that stopped between the object and KV is served by pulls at once and repaired', async () => {
  w = await startWorker({ vars: CRASH, state });
  const [editor, viewer, puller] = ['editor', 'viewer', 'puller'].map((r) => client(w.url, r));
  const pull = () => puller('GET', `${S}/crashy/dockerconfigjson`);

  const c = await editor('POST', S, { name: 'crashy', ...data('first-pw') });
  assert.equal(c.status, 500, 'the write stopped after the commit');
  // KV never saw it, the object did: edge reads lag, pulls do not.
  assert.equal((await viewer('GET', `${S}/crashy`)).status, 404);
  const p = await pull();
  assert.equal(p.status, 200, p.text);
  assert.match(p.text, /first-pw/);
  const took = await within(30_000, 'the alarm repairing KV', async () => (await viewer('GET', `${S}/crashy`)).status === 200);
  console.log(`# KV repaired ${took} ms after the stopped create`);

  // A delete that stopped: no puller gets the deleted credentials, and KV follows.
  assert.equal((await editor('DELETE', `${S}/crashy`)).status, 500);
  assert.equal((await pull()).status, 404, 'a deleted secret is never pulled');
  await within(30_000, 'the delete reaching KV', async () => (await viewer('GET', `${S}/crashy`)).status === 404);
  // The name can be taken again, and stays served.
  assert.equal((await editor('POST', S, { name: 'crashy', ...data('second-pw') })).status, 500);
  assert.match((await pull()).text, /second-pw/);
  await w.stop();
  w = undefined;
});

test('a worker stopped before its repair ran repairs when started again on the same state', async () => {
  w = await startWorker({ vars: CRASH, state });
  const editor = client(w.url, 'editor');
  assert.equal((await editor('PATCH', `${S}/crashy`, data('third-pw'))).status, 500);
  // Stopped at once: the alarm (10 s) has not run.
  await w.stop();

  w = await startWorker({ state });
  const [viewer, puller] = ['viewer', 'puller'].map((r) => client(w.url, r));
  const r = await puller('GET', `${S}/crashy/dockerconfigjson`);
  assert.equal(r.status, 200);
  assert.match(r.text, /third-pw/, 'the acknowledged-by-the-object write is not lost');
  const took = await within(30_000, 'KV matching the object after a restart', async () => {
    const g = await viewer('GET', `${S}/crashy`);
    // Version 1 was deleted; numbers go on across a delete (versions.test.mjs).
    return g.status === 200 && g.headers.get('etag') === '"3"';
  });
  console.log(`# KV matched the object ${took} ms after the restart`);
  // Writes work normally again, straight through.
  const editor2 = client(w.url, 'editor');
  assert.equal((await editor2('PATCH', `${S}/crashy`, data('fourth-pw'))).status, 202);
  assert.equal((await viewer('GET', `${S}/crashy`)).headers.get('etag'), '"4"');
});
