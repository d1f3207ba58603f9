// `regcred backup` from one deployment and `regcred restore` into a fresh
// one (its own state directory, the same REGCRED_KEYS), both as installed,
// against the built worker in workerd: live secrets, kept versions and
// deleted secrets come back as they were; the file holds no plaintext; a
// restore into a store that is not empty, or with other keys, is refused
// and changes nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, dockerconfig, ROOT, startWorker, TOKENS } from './harness.mjs';

const BIN = process.env.REGCRED_CLI_BIN ?? path.join(ROOT, 'target', 'cli', 'bin');
const S = '/v2/admin/dockerRegistrySecrets';
let src, dst, dir;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'regcred-backup-'));
  // One after the other: two wranglers starting at once race for the inspector port.
  src = await startWorker();
  dst = await startWorker();
  const editor = client(src.url, 'editor');
  for (let i = 0; i < 30; i++) {
    const r = await editor('POST', S, { name: `app-${i}`, data: { '.dockerconfigjson': dockerconfig(`r${i}.example.com`, 'u', `pw-${i}-v1`) } });
    assert.equal(r.status, 202, r.text);
  }
  // A 60 KB secret: one record near the request cap of a create.
  const big = dockerconfig('big.example.com', 'u', 'B'.repeat(60_000));
  assert.equal((await editor('POST', S, { name: 'big', data: { '.dockerconfigjson': big } })).status, 202);
  await editor('PATCH', `${S}/app-0`, { data: { '.dockerconfigjson': dockerconfig('r0.example.com', 'u', 'pw-0-v2') } });
  await editor('DELETE', `${S}/app-1`);
});
after(async () => {
  await Promise.all([src?.stop(), dst?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

function cli(args, url, token = TOKENS.admin) {
  const r = spawnSync(path.join(BIN, 'regcred'), args, {
    env: { PATH: `${BIN}:${process.env.PATH}`, HOME: dir, REGCRED_CONFIG: path.join(dir, 'config.json'), REGCRED_URL: url, REGCRED_TOKEN: token },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('backup → restore into a fresh deployment brings back every record', async () => {
  const file = path.join(dir, 'store.backup');
  const b = cli(['backup', '-o', file], src.url);
  assert.equal(b.code, 0, b.err);
  assert.match(b.err, /backed up 32 records .*\(30 secrets, 1 deleted, 1 kept versions\)/);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const text = await readFile(file, 'utf8');
  // A run of 64 B's: four of them turn up in 80 KB of base64 ciphertext
  // about one run in two hundred, which made this check flaky.
  assert.ok(!text.includes('pw-0-v2') && !text.includes('B'.repeat(64)), 'the backup holds only sealed values');
  assert.equal(text.trim().split('\n').length, 33);

  // An editor may not.
  const refused = cli(['backup', '-o', path.join(dir, 'x')], src.url, TOKENS.editor);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /admin/);

  const r = cli(['restore', file], dst.url);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /restored 32 records/);
  const [a, z] = [client(src.url, 'viewer'), client(dst.url, 'viewer')];
  const names = async (c, q = '') => (await c('GET', `${S}?$count=true${q}`)).json.resources.map((s) => s.name).sort();
  assert.deepEqual(await names(z), await names(a));
  assert.deepEqual(await names(z, '&deleted=true'), ['app-1']);
  const pull = client(dst.url, 'puller');
  assert.equal((await pull('GET', `${S}/app-0/dockerconfigjson`)).json.auths['r0.example.com'].password, 'pw-0-v2');
  assert.equal((await pull('GET', `${S}/big/dockerconfigjson`)).json.auths['big.example.com'].password.length, 60_000);
  const v = await z('GET', `${S}/app-0/versions`);
  assert.deepEqual(v.json.resources.map((x) => x.version), [2, 1]);
  const editor = client(dst.url, 'editor');
  assert.equal((await editor('POST', `${S}/app-0/versions/1/restore`)).status, 202);
  assert.equal((await pull('GET', `${S}/app-0/dockerconfigjson`)).json.auths['r0.example.com'].password, 'pw-0-v1');
  assert.equal((await editor('POST', `${S}/app-1/undelete`)).status, 202);
  assert.equal((await pull('GET', `${S}/app-1/dockerconfigjson`)).json.auths['r1.example.com'].password, 'pw-1-v1');
  // The quota counts what was restored.
  const q = await z('GET', '/v2/admin/resourceQuota/dockerRegistrySecrets');
  assert.equal(q.json.usage.count, 31);

  // Not empty any more: a second restore is refused, naming why.
  const again = cli(['restore', file], dst.url);
  assert.equal(again.code, 1);
  assert.match(again.err, /empty store/);
});

test('a restore with other keys, or of a damaged file, writes nothing', async () => {
  const file = path.join(dir, 'store.backup');
  const other = await startWorker({ vars: { REGCRED_KEYS: `k9:${'22'.repeat(32)}` } });
  try {
    const r = cli(['restore', file], other.url);
    assert.equal(r.code, 1);
    assert.match(r.err, /record 1 .*k1/);
    const listed = await client(other.url, 'viewer')('GET', `${S}?$count=true`);
    assert.equal(listed.json.count, 0);
    const cut = path.join(dir, 'cut.backup');
    const text = await readFile(file, 'utf8');
    await import('node:fs/promises').then((fs) => fs.writeFile(cut, text.split('\n').slice(0, 10).join('\n')));
    const c = cli(['restore', cut], other.url);
    assert.equal(c.code, 1);
    assert.match(c.err, /cut short/);
  } finally {
    await other.stop();
  }
});
