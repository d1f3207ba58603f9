// Watching secrets, end to end in workerd with a real docker-registry: the
// schedule (`wrangler dev --test-scheduled`, GET /__scheduled) checks every
// secret, its health shows in list and get, and a change of state sends one
// signed webhook event, which a loopback receiver verifies with PyPI's
// `standardwebhooks` (tests/standins/webhook_receiver.py).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, dockerconfig, ROOT, startWorker, TOKENS } from './harness.mjs';
import { startRegistry } from './registry.mjs';
import { startStandin } from './standins.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const BIN = process.env.REGCRED_CLI_BIN ?? path.join(ROOT, 'target', 'cli', 'bin');
/** The installed CLI against this worker with `role`'s token; never throws. */
const regcred = (args, role) => {
  const r = spawnSync(path.join(BIN, 'regcred'), args, {
    env: { ...process.env, HOME: '/nonexistent', REGCRED_CONFIG: '/nonexistent/config.json', REGCRED_URL: w.url, REGCRED_TOKEN: TOKENS[role] },
    encoding: 'utf8', timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const W = '/v2/admin/webhooks';
const USER = 'watched';
const PASSWORD = 'W4tched-password';
let w, reg, receiver, flaky, hanging, editor, admin, viewer;

before(async () => {
  [reg, receiver, flaky, hanging] = await Promise.all([
    startRegistry(USER, PASSWORD),
    startStandin('webhook_receiver.py'), startStandin('webhook_receiver.py'), startStandin('webhook_receiver.py'),
  ]);
  w = await startWorker({
    vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true', REGCRED_CHECK_EVERY: '0s', REGCRED_WEBHOOK_RETRY_SECONDS: '1,2,4' },
    args: ['--test-scheduled'],
  });
  editor = client(w.url, 'editor');
  admin = client(w.url, 'admin');
  viewer = client(w.url, 'viewer');
});
after(async () => {
  await w?.stop();
  for (const s of [reg, receiver, flaky, hanging]) await s?.stop();
});

const run = async () => {
  const r = await fetch(`${w.url}/__scheduled?cron=*/5+*+*+*+*`);
  assert.equal(r.status, 200, await r.text());
};
const received = async (standin) => (await (await fetch(`${standin.url}/_standin/received`)).json());
const post = (standin, path, body) => fetch(`${standin.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
/** Waits until `pred(events)` holds (deliveries are asynchronous), at most `ms`. */
async function until(standin, pred, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const got = await received(standin);
    if (pred(got)) return got;
    if (Date.now() > end) return got;
    await new Promise((r) => setTimeout(r, 200));
  }
}
const health = async (name) => (await viewer('GET', `${S}/${name}`)).json.health;
const creds = (password) => ({ '.dockerconfigjson': dockerconfig(`http://${reg.host}`, USER, password) });

async function addReceiver(standin, extra = {}) {
  const r = await admin('POST', W, { url: `${standin.url}/hook`, ...extra });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.secret, /^whsec_/);
  await post(standin, '/_standin/secret', { secret: r.json.secret });
  return r.json.id;
}

test('a broken password is found by the schedule, told once, signed, and its recovery told too', async () => {
  await addReceiver(receiver, { events: ['secret.failing', 'secret.recovered', 'secret.expiring'] });
  const listed = await admin('GET', W);
  assert.equal(listed.json.count, 1);
  assert.ok(!listed.text.includes('whsec_'), 'the list never shows a secret');
  assert.equal((await editor('POST', S, { name: 'watched', data: creds(PASSWORD) })).status, 202);
  assert.equal((await health('watched')).status, 'unchecked');
  await run();
  const ok = await health('watched');
  assert.equal(ok.status, 'ok', JSON.stringify(ok));
  assert.ok(ok.checkedAt);

  await reg.setPassword('rotated-at-the-registry');
  const brokeAt = Date.now();
  await run();
  const failing = await health('watched');
  assert.equal(failing.status, 'credentialsRejected', JSON.stringify(failing));
  assert.ok(failing.failingSince);
  const got = await until(receiver, (e) => e.some((x) => x.type === 'secret.failing'));
  const told = got.filter((x) => x.type === 'secret.failing');
  assert.equal(told.length, 1, JSON.stringify(got));
  assert.equal(told[0].verified, true, 'standardwebhooks verifies the signature');
  assert.equal(told[0].data.name, 'watched');
  assert.equal(told[0].data.status, 'credentialsRejected');
  assert.ok(!JSON.stringify(got).includes(PASSWORD), 'never a credential');
  console.log(`# a broken password to a delivered secret.failing: ${Math.round(told[0].at * 1000 - brokeAt)} ms (one run, then the delivery)`);

  const failingList = await viewer('GET', `${S}?health=failing`);
  assert.deepEqual(failingList.json.resources.map((s) => s.name), ['watched']);
  const counts = await viewer('GET', '/v2/admin/health');
  assert.equal(counts.json.counts.credentialsRejected, 1);
  const status = regcred(['status'], 'viewer');
  assert.equal(status.code, 0, status.err);
  assert.match(status.out, /credentialsRejected\s+1/);
  const failingCli = regcred(['secret', 'list', '--failing'], 'viewer');
  assert.equal(failingCli.code, 0, failingCli.err);
  assert.match(failingCli.out, /HEALTH|health/);
  assert.match(failingCli.out, /watched .*credentialsRejected since/);
  const hooks = regcred(['webhook', 'list', '-o', 'json'], 'admin');
  assert.equal(JSON.parse(hooks.out).count, 1);
  assert.ok(!hooks.out.includes('whsec_'));

  await run();
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await received(receiver)).filter((x) => x.type === 'secret.failing').length, 1, 'no second event for the same state');
  assert.equal((await health('watched')).failingSince, failing.failingSince, 'failingSince is kept while it fails');

  await reg.setPassword(PASSWORD);
  await run();
  assert.equal((await health('watched')).status, 'ok');
  const back = await until(receiver, (e) => e.some((x) => x.type === 'secret.recovered'));
  assert.equal(back.filter((x) => x.type === 'secret.recovered').length, 1);
  assert.ok(back.every((x) => x.verified));
  const checks = await viewer('GET', `${S}/watched/checks`);
  assert.deepEqual(checks.json.resources.slice(0, 4).map((c) => c.status), ['ok', 'credentialsRejected', 'credentialsRejected', 'ok']);
  // An edit of the credentials is unchecked until the next run checks it.
  assert.equal((await editor('PATCH', `${S}/watched`, { data: creds(PASSWORD) })).status, 202);
  assert.equal((await health('watched')).status, 'unchecked');
});

test('a secret two days from expiry sends one secret.expiring', async () => {
  const soon = new Date(Date.now() + 2 * 86_400_000).toISOString();
  assert.equal((await editor('POST', S, { name: 'expiring', data: creds(PASSWORD), expiresAt: soon })).status, 202);
  await run();
  assert.equal((await health('expiring')).status, 'expiringSoon');
  await run();
  const got = await until(receiver, (e) => e.some((x) => x.type === 'secret.expiring'));
  await new Promise((r) => setTimeout(r, 1500));
  const expiring = (await received(receiver)).filter((x) => x.type === 'secret.expiring');
  assert.equal(expiring.length, 1, JSON.stringify(got));
  assert.equal(expiring[0].data.name, 'expiring');
  assert.equal(expiring[0].verified, true);
});

test('a receiver answering 500 twice, then 200, gets the event on the third attempt, recorded so', async () => {
  const id = await addReceiver(flaky);
  await post(flaky, '/_standin/plan', { statuses: [500, 500, 200] });
  assert.equal((await admin('POST', `${W}/${id}/test`)).status, 202);
  const got = await until(flaky, (e) => e.length >= 3, 30_000);
  assert.deepEqual(got.map((x) => x.status), [500, 500, 200]);
  assert.ok(got.every((x) => x.type === 'webhook.test' && x.verified));
  assert.equal(new Set(got.map((x) => x.id)).size, 1, 'every attempt keeps the webhook-id');
  assert.equal(new Set(got.map((x) => x.timestamp)).size, 3, 'each attempt is signed again with its own timestamp');
  let deliveries;
  for (let i = 0; i < 50; i++) {
    deliveries = await admin('GET', `${W}/${id}/deliveries`);
    if (deliveries.json.resources[0]?.status === 'delivered') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const d = deliveries.json.resources[0];
  assert.deepEqual([d.event, d.status, d.attempts, d.lastStatus], ['webhook.test', 'delivered', 3, 200]);
});

test('a receiver that never answers does not delay a create made meanwhile', async () => {
  const id = await addReceiver(hanging);
  await post(hanging, '/_standin/plan', { hang: true });
  const body = (name) => ({ name, data: creds(PASSWORD) });
  const t0 = performance.now();
  assert.equal((await editor('POST', S, body('baseline'))).status, 202);
  const alone = performance.now() - t0;
  assert.equal((await admin('POST', `${W}/${id}/test`)).status, 202);
  await until(hanging, (e) => e.length >= 1, 10_000);
  const t1 = performance.now();
  assert.equal((await editor('POST', S, body('meanwhile'))).status, 202);
  const meanwhile = performance.now() - t1;
  console.log(`# create alone ${alone.toFixed(1)} ms, while a receiver hangs ${meanwhile.toFixed(1)} ms`);
  assert.ok(meanwhile < 3000, `a create took ${meanwhile} ms while a receiver hung`);
  assert.equal((await admin('DELETE', `${W}/${id}`)).status, 202);
});

test('only admins manage webhooks; a url the rails refuse is a 400', async () => {
  assert.equal((await editor('GET', W)).status, 403);
  // Plain http off loopback; private addresses are refused natively (worker/tests/webhooks.rs).
  const bad = await admin('POST', W, { url: 'http://hooks.example.com/hook' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.target, 'url');
  const unknown = await admin('POST', W, { url: `${receiver.url}/x`, events: ['secret.exploded'] });
  assert.equal(unknown.status, 400);
});
