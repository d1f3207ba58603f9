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
  const child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => { child.kill(); await rm(dir, { recursive: true, force: true }); };
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${url}/v2/`);
      if (r.status === 401) return { child, url, host: `127.0.0.1:${port}`, stop };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('docker-registry did not start');
}
