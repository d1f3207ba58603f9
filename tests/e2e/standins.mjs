// The clouds' stand-ins, started on loopback for one test file: real
// implementations of the protocols regcred speaks (CONTRACT §8).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, ROOT } from './harness.mjs';

/** Runs `tests/standins/<script>` with a free port; resolves with the port
 * and the JSON line it prints once it serves. */
export async function startStandin(script, args = []) {
  const port = await freePort();
  const child = spawn('python3', [path.join(ROOT, 'tests', 'standins', script), String(port), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let err = '';
  child.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
  const info = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      for (const line of out.split('\n')) {
        if (line.startsWith('{')) { clearTimeout(timer); resolve(JSON.parse(line)); }
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${script} exited ${code}:\n${err}`)); });
  });
  const stop = async () => { child.kill('SIGKILL'); };
  return { port, url: `http://127.0.0.1:${port}`, info, stop, log: () => err };
}
