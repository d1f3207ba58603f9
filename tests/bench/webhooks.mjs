// Create latency while every webhook receiver hangs, against create alone
// in the same run: five receivers that never answer get test events (from
// the directory) and secret.failing events (from 20 secrets' objects after
// a scheduled run), each attempt timing out after 10 s and retried every
// second; meanwhile creates are timed. Built worker in workerd, loopback.
// Prints JSON lines `{"figure", ...}`. Env: BENCH_REQUESTS (200).
import { client, dockerconfig, startWorker } from '../e2e/harness.mjs';
import { startStandin } from '../e2e/standins.mjs';
import { pct, timed } from './measure.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const N = Number(process.env.BENCH_REQUESTS ?? 200);
const RECEIVERS = 5;
const stats = (xs) => ({ n: xs.length, p50_ms: +pct(xs, 50).toFixed(2), p99_ms: +pct(xs, 99).toFixed(2) });

const receivers = await Promise.all(Array.from({ length: RECEIVERS }, () => startStandin('webhook_receiver.py')));
const w = await startWorker({
  vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true', REGCRED_CHECK_EVERY: '0s', REGCRED_WEBHOOK_RETRY_SECONDS: '1,1,1,1,1,1,1,1,1,1', REGCRED_MAX_SECRETS: String(2 * N + 100) },
  args: ['--test-scheduled'],
});
try {
  const editor = client(w.url, 'editor');
  const admin = client(w.url, 'admin');
  const body = (name) => ({ name, data: { '.dockerconfigjson': dockerconfig('http://127.0.0.1:9', 'u', 'p') } });
  await timed(20, (i) => editor('POST', S, body(`warm-${i}`)));
  const alone = await timed(N, (i) => editor('POST', S, body(`alone-${i}`)));
  const ids = [];
  for (const r of receivers) {
    await fetch(`${r.url}/_standin/plan`, { method: 'POST', body: JSON.stringify({ hang: true }) });
    const made = await admin('POST', '/v2/admin/webhooks', { url: `${r.url}/hook` });
    if (made.status !== 201) throw new Error(made.text);
    ids.push(made.json.id);
  }
  for (const id of ids) await admin('POST', `/v2/admin/webhooks/${id}/test`);
  // The warm-up secrets' registry refuses connections: one run makes all 20 fail, and each queues an event per receiver.
  const run = await fetch(`${w.url}/__scheduled?cron=*/5+*+*+*+*`);
  if (run.status !== 200) throw new Error(`scheduled run: ${run.status}`);
  await new Promise((r) => setTimeout(r, 1500));
  const meanwhile = await timed(N, (i) => editor('POST', S, body(`meanwhile-${i}`)));
  const hung = (await Promise.all(receivers.map(async (r) => (await (await fetch(`${r.url}/_standin/received`)).json()).length))).reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({
    figure: 'create_while_webhooks_hang', receivers: RECEIVERS, attempts_hanging: hung,
    alone: stats(alone), meanwhile: stats(meanwhile), p99_ratio: +(pct(meanwhile, 99) / pct(alone, 99)).toFixed(3),
  }));
} finally {
  await w.stop();
  for (const r of receivers) await r.stop();
}
