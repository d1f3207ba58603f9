// Starts the BUILT worker (worker/build + dist/) in workerd through
// `wrangler dev`, on a free loopback port, with a throwaway KV directory and
// its own secrets. Every test file gets its own instance.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = process.env.REGCRED_ROOT ?? path.resolve(import.meta.dirname, '../..');
export const ARTIFACTS = path.join(ROOT, 'target', 'e2e');

// Fixed test secrets: the log checks search for exactly these strings.
export const TOKENS = {
  viewer: 'rc_test_viewer_5a9d0c7e1f2b4a68',
  editor: 'rc_test_editor_8b1e2d3c4f5a6978',
  puller: 'rc_test_puller_0f1e2d3c4b5a6987',
  admin: 'rc_test_admin_7c6b5a4f3e2d1c0b9a',
};
export const KEYRING = 'k1:' + '11'.repeat(32);

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// The project's wrangler.toml without its [build] section: the test runs what
// `cargo xtask test` built, and wrangler 4.86's second build at start would
// restart the worker mid-test. Paths become absolute (the copy lives in a temp dir).
// `/__scheduled` reaches the worker first, so `wrangler dev --test-scheduled`
// (its scheduled trigger; `/cdn-cgi/handler/scheduled` goes to the assets
// router in front, which has no scheduled handler) can run a cron.
async function testConfig(dir) {
  const toml = await readFile(path.join(ROOT, 'wrangler.toml'), 'utf8');
  const out = toml
    .replace(/^\[build\]\n(?:(?!\[).*\n)*/m, '')
    .replace(/^run_worker_first = \["\/v2\/\*"\]$/m, 'run_worker_first = ["/v2/*", "/__scheduled"]')
    .replace(/^main = .*$/m, `main = ${JSON.stringify(path.join(ROOT, 'worker', 'build', 'index.js'))}`)
    .replace(/^directory = .*$/m, `directory = ${JSON.stringify(path.join(ROOT, 'dist'))}`);
  if (out.includes('[build]') || !out.includes(ROOT) || !out.includes('/__scheduled')) throw new Error('could not derive the test wrangler.toml');
  const file = path.join(dir, 'wrangler.toml');
  await writeFile(file, out);
  return file;
}

/**
 * The built worker under `wrangler dev`. `state`: a directory to keep KV and
 * the Durable Object's storage in, kept after `stop()` (to start it again on
 * the same state); by default a throwaway one.
 */
export async function startWorker({ timeoutMs = 180_000, vars = {}, state, args = [] } = {}) {
  return startWranglerDev({ config: testConfig, timeoutMs, vars, state, args });
}

/**
 * `wrangler dev` of the wrangler.toml that `config(dir)` returns (it may
 * write one into the throwaway dir), with the test tokens and keys as vars,
 * answering `GET /v2/health`; `args` go to wrangler as they are. Benchmarks
 * start other workers this way.
 */
export async function startWranglerDev(options) {
  // A free port is found, then closed, then bound by workerd: another
  // process (workerd's own inspector and proxy ports among them) can take it
  // in between. That race is the only failure worth a second try.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (e) {
      if (attempt >= 3 || !/Address already in use/.test(String(e?.message))) throw e;
    }
  }
}

async function startOnce({ config: configOf, timeoutMs = 180_000, vars = {}, args = [], state }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'regcred-e2e-'));
  const envFile = path.join(dir, 'test.vars');
  const tokens = Object.entries(TOKENS).map(([role, t]) => `test-${role}:${role}:${t}`).join(',');
  const all = { REGCRED_TOKENS: tokens, REGCRED_KEYS: KEYRING, ...vars };
  await writeFile(envFile, Object.entries(all).map(([k, v]) => `${k}="${v}"\n`).join(''));
  const port = await freePort();
  const config = await configOf(dir);
  const wrangler = path.join(ROOT, 'node_modules', '.bin', 'wrangler');
  const child = spawn(wrangler, [
    'dev', '-c', config, '--local', '--ip', '127.0.0.1', '--port', String(port),
    '--persist-to', state ?? path.join(dir, 'state'), '--env-file', envFile,
    '--show-interactive-dev-session=false', ...args,
  ], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_HIDE_BANNER: 'true',
      WRANGLER_LOG_PATH: path.join(dir, 'logs'),
    },
  });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await exited;
    clearTimeout(t);
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited early:\n${log}`);
    }
    try {
      const r = await fetch(`${url}/v2/health`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, dir, stateDir: state ?? path.join(dir, 'state'), log: () => log, stop };
}

/** fetch with a token for `role` (or none, or a raw token string). */
export function client(url, role) {
  const token = TOKENS[role] ?? role;
  return async (method, path, body, headers = {}) => {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    if (body !== undefined && !h['content-type']) h['content-type'] = 'application/json';
    const send = () => fetch(`${url}${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    });
    let r;
    try {
      r = await send();
    } catch (e) {
      // A pooled keep-alive connection the server closed while it sat idle
      // (tests that run other programs for seconds): a GET is safe to send again.
      if (method !== 'GET' || e?.cause?.code !== 'UND_ERR_SOCKET') throw e;
      r = await send();
    }
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: r.status, headers: r.headers, text, json };
  };
}

/** A .dockerconfigjson text for one registry. */
export function dockerconfig(server, username, password) {
  return JSON.stringify({ auths: { [server]: { username, password } } });
}
