// The CLI's figures: `docker-credential-regcred get` end to end (process
// start to answer, the way docker runs it), the size of the installed
// `regcred` binary (raw and stripped), and the wall time of importing a
// Docker config.json with 50 registries. Against the built worker in workerd
// on loopback; the binaries are the ones `cargo xtask bench` installed
// (REGCRED_CLI_BIN, default target/cli/bin). Prints JSON lines
// `{"figure", ...}`; never a token or a password.
// Env: BENCH_CLI_RUNS (100), BENCH_CLI_WARMUP (5).
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { client, dockerconfig, ROOT, startWorker, TOKENS } from '../e2e/harness.mjs';
import { pct } from './measure.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const BIN = process.env.REGCRED_CLI_BIN ?? path.join(ROOT, 'target', 'cli', 'bin');
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 100);
const WARMUP = Number(process.env.BENCH_CLI_WARMUP ?? 5);
const REGISTRIES = 50;

/** Runs `file args` with only `env` (and PATH), `input` on stdin; resolves when it exits. */
function run(file, args, env, input = '') {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(file, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - start }));
    child.stdin.end(input);
  });
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'regcred-bench-cli-'));
// A settings file that does not exist: only REGCRED_URL and REGCRED_TOKEN count.
const noConfig = path.join(tmp, 'none', 'config.json');
const w = await startWorker({ vars: { REGCRED_MAX_SECRETS: '500' } });
try {
  const editor = client(w.url, 'editor');
  const viewer = client(w.url, 'viewer');
  const count = async () => {
    const r = await viewer('GET', `${S}?$top=1&$count=true`);
    if (r.status !== 200) throw new Error(`listing secrets failed: ${r.status}`);
    return r.json.count;
  };

  // credential_helper_get
  const made = await editor('POST', S, { name: 'ghcr', data: { '.dockerconfigjson': dockerconfig('ghcr.io', 'bench', 'bench-password') } });
  if (made.status >= 300) throw new Error(`creating the ghcr.io secret failed: ${made.status}`);
  const helper = path.join(BIN, 'docker-credential-regcred');
  const helperEnv = { REGCRED_URL: w.url, REGCRED_TOKEN: TOKENS.puller, REGCRED_CONFIG: noConfig };
  const samples = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const r = await run(helper, ['get'], helperEnv, 'ghcr.io\n');
    let answer = null;
    try { answer = JSON.parse(r.stdout); } catch { /* checked below */ }
    // The answer holds the password: only its shape is checked, nothing of it is printed.
    if (r.code !== 0 || answer?.Username !== 'bench' || answer?.ServerURL !== 'ghcr.io') {
      throw new Error(`docker-credential-regcred get failed (exit ${r.code})${r.code !== 0 ? `: ${r.stdout.trim()}` : ''}`);
    }
    if (i >= WARMUP) samples.push(r.ms);
  }
  console.log(JSON.stringify({
    figure: 'credential_helper_get', n: samples.length,
    p50_ms: +pct(samples, 50).toFixed(2), p99_ms: +pct(samples, 99).toFixed(2),
  }));

  // cli_binary
  const regcred = path.join(BIN, 'regcred');
  const stripped = path.join(tmp, 'regcred.stripped');
  await copyFile(regcred, stripped);
  const s = await run('strip', [stripped], {});
  if (s.code !== 0) throw new Error(`strip failed (exit ${s.code}): ${s.stderr.trim()}`);
  console.log(JSON.stringify({
    figure: 'cli_binary', raw_bytes: (await stat(regcred)).size, stripped_bytes: (await stat(stripped)).size,
  }));

  // import_50_registries
  const auths = {};
  for (let i = 1; i <= REGISTRIES; i++) {
    auths[`r${i}.example.com`] = { auth: Buffer.from('user:password').toString('base64') };
  }
  const configFile = path.join(tmp, 'config.json');
  await writeFile(configFile, JSON.stringify({ auths }, null, 2), { mode: 0o600 });
  const before = await count();
  const imported = await run(regcred, ['secret', 'import', 'docker', '--config', configFile, '--all'],
    { REGCRED_URL: w.url, REGCRED_TOKEN: TOKENS.editor, REGCRED_CONFIG: noConfig });
  const created = (await count()) - before;
  if (imported.code !== 0 || created !== REGISTRIES) {
    // The table names registries, secret names and results, never credentials.
    throw new Error(`regcred secret import docker exited ${imported.code} and created ${created} of ${REGISTRIES} secrets:\n${imported.stdout}${imported.stderr}`);
  }
  console.log(JSON.stringify({ figure: 'import_50_registries', registries: REGISTRIES, wall_ms: +imported.ms.toFixed(1) }));
} finally {
  await w.stop();
  await rm(tmp, { recursive: true, force: true });
}
