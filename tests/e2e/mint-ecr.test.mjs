// Amazon ECR, brokered: the built worker in workerd mints from moto's server
// (authentication on: SigV4 signatures and IAM policies checked), and the
// token it mints logs in to a real docker-registry whose htpasswd holds
// `AWS:123456789012-auth-token`, through which skopeo pulls with
// docker-credential-regcred.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, ROOT, startWorker, TOKENS } from './harness.mjs';
import { inspectThroughHelper, pushImage } from './images.mjs';
import { startRegistry } from './registry.mjs';
import { startStandin } from './standins.mjs';

const BIN = process.env.REGCRED_CLI_BIN ?? path.join(ROOT, 'target', 'cli', 'bin');
const S = '/v2/admin/dockerRegistrySecrets';
const MOTO_PASSWORD = '123456789012-auth-token';
let w, moto, reg, dir, editor, puller, admin;

before(async () => {
  [moto, reg] = await Promise.all([startStandin('moto_ecr.py'), startRegistry('AWS', MOTO_PASSWORD)]);
  w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true' } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'regcred-ecr-'));
  editor = client(w.url, 'editor');
  puller = client(w.url, 'puller');
  admin = client(w.url, 'admin');
});
after(async () => {
  await w?.stop();
  await moto?.stop();
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const source = (key, extra = {}) => ({
  type: 'awsEcr', region: 'us-east-1', endpoint: moto.url, registryId: '123456789012',
  registry: `http://${reg.host}`, ...key, ...extra,
});

test('an IAM user allowed GetAuthorizationToken mints; the token is the registry credential', async () => {
  const key = moto.info.allowed;
  const c = await editor('POST', S, { name: 'ecr', source: source(key) });
  assert.equal(c.status, 202, c.text);
  const got = await client(w.url, 'viewer')('GET', `${S}/ecr`);
  assert.equal(got.json.source.type, 'awsEcr');
  assert.equal(got.json.source.accessKeyId, key.accessKeyId);
  assert.ok(!got.text.includes(key.secretAccessKey), 'never the secret key');
  const pull = await puller('GET', `${S}/ecr/dockerconfigjson`);
  assert.equal(pull.status, 200, pull.text);
  assert.deepEqual(pull.json.auths[`http://${reg.host}`].username, 'AWS');
  assert.equal(pull.json.auths[`http://${reg.host}`].password, MOTO_PASSWORD);
  // moto states an expiry in 2015: handed out, not kept, and the audit says so.
  assert.equal(pull.headers.get('expires-at'), '2015-01-01T00:00:00Z');
  const audit = await admin('GET', '/v2/admin/auditEvents');
  const mint = audit.json.resources.find((e) => e.action === 'mint' && e.secret === 'ecr');
  assert.deepEqual([mint.provider, mint.outcome, mint.kept], ['awsEcr', 'success', false]);
  assert.ok(!audit.text.includes(MOTO_PASSWORD), 'no credential in the trail');
  const check = await editor('POST', `${S}/ecr/check`);
  assert.equal(check.status, 200, check.text);
  assert.equal(check.json.results[0].result, 'ok', check.text);
});

test('a wrong secret key, an unknown key and a user without the policy are 502 MintFailed naming the error', async () => {
  const { allowed, denied } = moto.info;
  const cases = [
    ['wrong-key', { accessKeyId: allowed.accessKeyId, secretAccessKey: 'not-the-key-0123456789' }, 'SignatureDoesNotMatch'],
    ['unknown-key', { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'whatever' }, 'InvalidClientTokenId'],
    ['no-policy', denied, 'AccessDenied'],
  ];
  for (const [name, key, code] of cases) {
    assert.equal((await editor('POST', S, { name, source: source(key) })).status, 202);
    const r = await puller('GET', `${S}/${name}/dockerconfigjson`);
    assert.equal(r.status, 502, `${name}: ${r.text}`);
    assert.equal(r.json.error.code, 'MintFailed');
    assert.match(r.json.error.message, /Amazon ECR/);
    assert.match(r.json.error.message, new RegExp(code), `${name}: ${r.json.error.message}`);
    assert.ok(!r.text.includes(key.secretAccessKey));
    assert.equal((await editor('DELETE', `${S}/${name}`)).status, 202);
  }
});

test('skopeo pulls through docker-credential-regcred with the credential minted from moto', async () => {
  await pushImage(dir, reg.host, 'ecr/app', `AWS:${MOTO_PASSWORD}`);
  const env = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, HOME: dir, REGCRED_CONFIG: path.join(dir, 'config.json'), REGCRED_URL: w.url, REGCRED_TOKEN: TOKENS.puller };
  const helper = spawnSync(path.join(BIN, 'docker-credential-regcred'), ['get'], { input: reg.host, env, encoding: 'utf8' });
  assert.equal(helper.status, 0, helper.stdout + helper.stderr);
  assert.equal(JSON.parse(helper.stdout).Secret, MOTO_PASSWORD);
  const inspect = await inspectThroughHelper(dir, reg.host, 'ecr/app', env);
  assert.equal(inspect.status, 0, inspect.stderr);
  assert.match(JSON.parse(inspect.stdout).Digest, /^sha256:/);
  console.log(`# skopeo inspect docker://${reg.host}/ecr/app:latest through docker-credential-regcred (Amazon ECR via moto): ${JSON.parse(inspect.stdout).Digest}`);
});

test('the CLI creates an ECR secret from flags (key on stdin), checks it, shows it, and advises on exports and imports', async () => {
  const key = moto.info.allowed;
  const env = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, HOME: dir, REGCRED_CONFIG: path.join(dir, 'config.json'), REGCRED_URL: w.url };
  const run = (args, token, input = '') => spawnSync(path.join(BIN, 'regcred'), args, { input, env: { ...env, REGCRED_TOKEN: TOKENS[token] }, encoding: 'utf8', timeout: 60_000 });
  const other = spawnSync(path.join(BIN, 'regcred'), ['secret', 'delete', 'ecr', '--yes'], { env: { ...env, REGCRED_TOKEN: TOKENS.editor }, encoding: 'utf8' });
  assert.equal(other.status, 0, other.stderr);
  const c = run(['secret', 'create', 'ecr-cli', '--ecr', '--region', 'us-east-1', '--access-key-id', key.accessKeyId,
    '--secret-access-key-stdin', '--registry-id', '123456789012', '--registry', `http://${reg.host}`, '--endpoint', moto.url, '--check'],
  'editor', `${key.secretAccessKey}\n`);
  assert.equal(c.status, 0, c.stdout + c.stderr);
  assert.match(c.stdout, /ok/);
  assert.ok(!c.stdout.includes(key.secretAccessKey) && !c.stderr.includes(key.secretAccessKey));
  const got = run(['secret', 'get', 'ecr-cli'], 'viewer');
  assert.equal(got.status, 0, got.stderr);
  assert.match(got.stdout, /Amazon ECR/);
  assert.match(got.stdout, new RegExp(key.accessKeyId));
  const bad = run(['secret', 'create', 'ecr-bad', '--ecr', '--region', 'Frankfurt', '--access-key-id', 'AKIA', '--secret-access-key-stdin', '--registry-id', '123456789012'], 'editor', 'k\n');
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--region/);
  const exported = run(['export', 'ecr-cli', '--format', 'config-json', '-o', path.join(dir, 'config-export.json')], 'puller');
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stderr, /run out at 2015-01-01T00:00:00Z/);
  assert.match(exported.stderr, /docker-credential-regcred/);
  const dockerConfig = path.join(dir, 'docker-config.json');
  await writeFile(dockerConfig, JSON.stringify({ credHelpers: { '123456789012.dkr.ecr.us-east-1.amazonaws.com': 'ecr-login' } }));
  const imp = run(['secret', 'import', 'docker', '--config', dockerConfig, '--dry-run'], 'editor');
  assert.match(imp.stderr, /ecr-login holds a short-lived Amazon ECR credential/);
  assert.match(imp.stderr, /regcred secret create .* --ecr/);
});
