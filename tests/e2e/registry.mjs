// A REAL registry for tests: Debian's docker-registry (the CNCF distribution
// registry) with htpasswd auth, on a free loopback port, storage in a temp dir.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './harness.mjs';

export async function startRegistry(user, password) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'regcred-registry-'));
  const htpasswd = execFileSync('htpasswd', ['-Bbn', user, password]).toString();
  await writeFile(path.join(dir, 'htpasswd'), htpasswd);
  const port = await freePort();
  await writeFile(path.join(dir, 'config.yml'), [
    'version: 0.1',
    'log: {level: error}',
    `storage: {filesystem: {rootdirectory: ${path.join(dir, 'data')}}}`,
    `http: {addr: "127.0.0.1:${port}"}`,
    `auth: {htpasswd: {realm: regcred-test, path: ${path.join(dir, 'htpasswd')}}}`,
    '',
  ].join('\n'));
  const url = `http://127.0.0.1:${port}`;
  let child;
  const serve = async () => {
    child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${url}/v2/`)).status === 401) return true;
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };
  const halt = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill();
  });
  const stop = async () => { await halt(); await rm(dir, { recursive: true, force: true }); };
  /** The registry's password changed (as a rotation at the registry does): restarted on its port with a new htpasswd. */
  const setPassword = async (newPassword) => {
    await halt();
    await writeFile(path.join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', user, newPassword]).toString());
    if (!(await serve())) throw new Error('docker-registry did not restart');
  };
  if (await serve()) return { get child() { return child; }, url, host: `127.0.0.1:${port}`, stop, setPassword };
  await stop();
  throw new Error('docker-registry did not start');
}
