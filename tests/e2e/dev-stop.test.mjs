// `cargo xtask dev` as a newcomer runs it (issue 21, item 8): it prints an
// admin token, and a SIGTERM to the `cargo xtask dev` process (cargo execs
// xtask, so that is xtask's pid) stops everything it started: nothing keeps
// 8787, no wrangler or workerd of it is left. Before, wrangler and workerd
// (which drains on SIGTERM) went on serving 8787.
//
// It serves the fixed port 8787, so it is skipped while something else holds
// 8787 (a developer's own `cargo xtask dev`), or with REGCRED_DEV_STOP_TEST=0.
// After `cargo xtask test`'s builds it takes about 30 s (a warm dev start).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { ROOT } from './harness.mjs';

const PORT = 8787;

const portTaken = () => new Promise((resolve) => {
  const s = net.connect(PORT, '127.0.0.1');
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});

/** Every process below `pid`, from /proc: [pid, command]. */
function descendants(pid) {
  const parent = new Map();
  const command = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(rest[1]));
      command.set(Number(d), readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim());
    } catch { /* gone meanwhile */ }
  }
  const below = [];
  const walk = (p) => {
    for (const [child, ppid] of parent) {
      if (ppid === p) { below.push([child, command.get(child)]); walk(child); }
    }
  };
  walk(pid);
  return below;
}

/** Alive, and not a zombie waiting for its parent. */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const skip = process.env.REGCRED_DEV_STOP_TEST === '0' && 'REGCRED_DEV_STOP_TEST=0';

test('cargo xtask dev prints an admin token, and SIGTERM leaves nothing on 8787', { skip, timeout: 1_200_000 }, async (t) => {
  if (await portTaken()) return t.skip('8787 is in use (another dev server)');
  // Its own process group, so a failed test can still clean up after it.
  const dev = spawn('cargo', ['xtask', 'dev'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  dev.stdout.on('data', (b) => { out += b; });
  dev.stderr.on('data', (b) => { out += b; });
  const exited = new Promise((resolve) => dev.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    const started = Date.now();
    let up = false;
    while (!up && Date.now() - started < 1_100_000) {
      await new Promise((r) => setTimeout(r, 500));
      up = await fetch(`http://127.0.0.1:${PORT}/v2/health`).then((r) => r.ok, () => false);
      if (dev.exitCode !== null) break;
    }
    assert.ok(up, `cargo xtask dev did not come up:\n${out}`);
    assert.match(out, /^ {4}admin {3}rc_[0-9a-f]{48}$/m, 'an admin token is printed');
    const tree = descendants(dev.pid);
    assert.ok(tree.some(([, c]) => /workerd/.test(c)), `workerd runs below it: ${JSON.stringify(tree)}`);

    const asked = Date.now();
    process.kill(dev.pid, 'SIGTERM');
    const { code, signal } = await exited;
    const took = Date.now() - asked;
    assert.ok(code !== null || signal !== null);
    assert.ok(took < 15_000, `stopping took ${took} ms`);
    assert.equal(await portTaken(), false, '8787 is free');
    const left = tree.filter(([pid]) => alive(pid));
    assert.deepEqual(left, [], 'nothing it started is left');
  } finally {
    // Whatever is left, if the test failed midway: its group, and below it.
    for (const [pid] of descendants(dev.pid)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    try { process.kill(-dev.pid, 'SIGKILL'); } catch { /* gone */ }
  }
});
