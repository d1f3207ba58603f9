// `regcred secret import docker` as installed, against the built worker in
// workerd with a small quota (issue 21, item 9): the dry run gives the same
// verdicts as the real run (it asks the API which names exist), only the
// registries that fit the quota are checked and imported, and a credential
// helper's error is shown whole.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, dockerconfig, startWorker } from './harness.mjs';
import { BIN, cli } from './cli-harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const MAX = 6;
// Longer than the 120 characters the CLI used to keep, with a word across
// the old cut ("informa").
const HELPER_ERROR = 'error getting credentials - err: exit status 1, out: `no basic auth credentials for broken.example.com, see the docs for more information on logging in`';
let w, dir, editor, run, helpers;

before(async () => {
  w = await startWorker({ vars: { REGCRED_MAX_SECRETS: String(MAX) } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'regcred-cli-import-'));
  editor = client(w.url, 'editor');
  ({ run } = cli(dir, () => w.url));
  helpers = path.join(dir, 'helpers');
  await mkdir(helpers);
  // A helper that fails the way docker-credential-helpers do: the reason on stdout, exit 1.
  await writeFile(path.join(helpers, 'docker-credential-broken'), `#!/bin/sh\ncat >/dev/null\necho '${HELPER_ERROR}'\nexit 1\n`, { mode: 0o755 });
  const r = await editor('POST', S, { name: 'quay-io', data: { '.dockerconfigjson': dockerconfig('quay.io', 'old', 'old-pw') } });
  assert.equal(r.status, 202, r.text);
});
after(async () => {
  await w?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const auth = (u) => ({ auth: Buffer.from(`${u}:${u}-pw`).toString('base64') });

test('the dry run gives the real run\'s verdicts: a name that exists, the quota, a helper\'s whole error', async () => {
  const hosts = ['a', 'b', 'c', 'd', 'e', 'f'].map((h) => `${h}.example.com`);
  const config = path.join(dir, 'config.json');
  await writeFile(config, JSON.stringify({
    auths: { 'quay.io': auth('quay'), 'broken.example.com': {}, ...Object.fromEntries(hosts.map((h) => [h, auth(h[0])])) },
    credHelpers: { 'broken.example.com': 'broken' },
  }));
  const extra = { PATH: `${BIN}:${helpers}:${process.env.PATH}` };
  const args = ['secret', 'import', 'docker', '--config', config, '--all', '-o', 'json'];
  const dry = run([...args, '--dry-run'], { extra });
  assert.equal(dry.code, 0, dry.err);
  const planned = Object.fromEntries(JSON.parse(dry.out).map((r) => [r.registry, r.result]));
  assert.match(planned['quay.io'], /^skipped: a secret of that name exists/, 'not "would be created"');
  assert.equal(planned['broken.example.com'], `skipped: docker-credential-broken failed: ${HELPER_ERROR}`, 'the whole message');
  // One secret exists, so 5 fit: a..e; f is over the quota and never tried.
  assert.deepEqual(hosts.map((h) => planned[h]), [...Array(5).fill('would be created'), `skipped: over the quota (1 of ${MAX} secrets exist): pick fewer with --registry, or delete some`]);
  assert.match(dry.err, /The quota allows 5 more secrets \(1 of 6 exist\): this would import 5; 1 more registry is skipped \(over the quota\)\./);
  const table = run(['secret', 'import', 'docker', '--config', config, '--all', '--dry-run'], { extra });
  assert.match(table.out, /broken\.example\.com\s+broken-example-com\s+skipped: .*for more information on logging in`/);
  assert.ok(!/informa(?!tion)/.test(table.out), 'never cut mid-word');
  const listed = async () => (await editor('GET', `${S}?$top=100`)).json.resources.map((s) => s.name).sort();
  assert.deepEqual(await listed(), ['quay-io'], 'a dry run creates nothing');

  const real = run(args, { extra });
  assert.equal(real.code, 0, real.err);
  const done = Object.fromEntries(JSON.parse(real.out).map((r) => [r.registry, r.result]));
  const expected = Object.fromEntries(Object.entries(planned).map(([k, v]) => [k, v === 'would be created' ? 'created' : v]));
  assert.deepEqual(done, expected, 'the same verdicts');
  assert.match(real.err, /this imports 5/);
  assert.deepEqual(await listed(), ['a-example-com', 'b-example-com', 'c-example-com', 'd-example-com', 'e-example-com', 'quay-io']);
  const quay = await client(w.url, 'puller')('GET', `${S}/quay-io/dockerconfigjson`);
  assert.equal(quay.json.auths['quay.io'].username, 'old', 'the existing secret is left alone');
});
