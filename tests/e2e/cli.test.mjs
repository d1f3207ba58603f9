// The CLI as installed (`cargo install --path cli`, by cargo xtask test),
// against the built worker in workerd: prompts on a real pseudo-terminal,
// logins against a real docker-registry, import through a real credential
// store (docker-credential-pass with a throwaway gpg key), and skopeo
// pulling a manifest through docker-credential-regcred.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, ROOT, startWorker, TOKENS } from './harness.mjs';
import { pushImage } from './images.mjs';
import { startRegistry } from './registry.mjs';

const BIN = process.env.REGCRED_CLI_BIN ?? path.join(ROOT, 'target', 'cli', 'bin');
const USER = 'cli-user';
const PASSWORD = 'cli-Pa55:w"ord';
let w, reg, dir, viewer, puller;

before(async () => {
  reg = await startRegistry(USER, PASSWORD);
  w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true', REGCRED_MAX_SECRETS: '500' } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'regcred-cli-'));
  viewer = client(w.url, 'viewer');
  puller = client(w.url, 'puller');
});
after(async () => {
  await w?.stop();
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The environment the CLI runs in: its own config file, our binaries first. */
function env(extra = {}) {
  return {
    PATH: `${BIN}:${process.env.PATH}`,
    HOME: dir,
    REGCRED_CONFIG: path.join(dir, 'config.json'),
    ...extra,
  };
}

/** Runs an installed binary; never throws. */
function run(args, { input = '', extra = {}, bin = 'regcred' } = {}) {
  const r = spawnSync(path.join(BIN, bin), args, { input, env: env(extra), encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// Empty counts as unset: the saved login is used.
const asEditor = { REGCRED_URL: '', REGCRED_TOKEN: '' };
const editorEnv = () => ({ REGCRED_URL: w.url, REGCRED_TOKEN: TOKENS.editor });
const pullerEnv = () => ({ REGCRED_URL: w.url, REGCRED_TOKEN: TOKENS.puller });

/** The same command on a pseudo-terminal, answering `answers` ([prompt, answer]). */
function onTerminal(args, answers, extra = {}) {
  const pairs = answers.map(([p, a]) => `${p}=${a}`);
  const r = spawnSync('python3', [path.join(ROOT, 'tests/e2e/terminal.py'), ...pairs, '--', path.join(BIN, 'regcred'), ...args], {
    env: { ...env(extra), TERM: 'dumb' }, encoding: 'utf8', timeout: 60_000,
  });
  return { code: r.status, screen: r.stdout };
}

/** The registry as `docker login` would not write it but a check needs it:
 * plain http (it is a loopback test registry). Lookups by host still match. */
const server = () => `http://${reg.host}`;

async function pulled(name) {
  const r = await puller('GET', `/v2/admin/dockerRegistrySecrets/${name}/dockerconfigjson`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

test('login checks the token and saves it mode 0600; the environment wins; logout removes it', async () => {
  const bad = run(['login', w.url, '--token-stdin'], { input: 'rc_wrong_token_000000000000\n', extra: asEditor });
  assert.equal(bad.code, 1);
  assert.match(bad.err, /did not accept the token/);
  const ok = run(['login', w.url, '--token-stdin'], { input: `${TOKENS.viewer}\n`, extra: asEditor });
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /as test-viewer \(viewer\)/);
  assert.ok(!ok.out.includes(TOKENS.viewer) && !ok.err.includes(TOKENS.viewer), 'the token is never printed');
  const file = path.join(dir, 'config.json');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal(run(['secret', 'list'], { extra: asEditor }).code, 0, 'the saved login works');
  // REGCRED_TOKEN wins over the saved one: the editor may create.
  assert.equal(run(['secret', 'create', 'env-wins', '--username', 'u', '--password-stdin'], { input: 'p\n', extra: editorEnv() }).code, 0);
  const http = run(['login', 'http://regcred.example.com', '--token-stdin'], { input: 'x\n' });
  assert.equal(http.code, 2, 'plain http only to loopback');
  assert.match(http.err, /plain http/);
  assert.equal(run(['logout'], { extra: asEditor }).code, 0);
  assert.ok(!(await readFile(file, 'utf8')).includes('token'));
  const none = run(['secret', 'list'], { extra: asEditor });
  assert.equal(none.code, 1);
  assert.match(none.err, /regcred login/);
});

test('secret create, list, get -o json|yaml|name, edit, delete', async () => {
  const e = editorEnv();
  const c = run(['secret', 'create', 'ghcr-ci', '--registry', 'ghcr.io', '--username', 'ci', '--password-stdin', '--email', 'ci@example.com', '--expires', '2027-06-30'], { input: `${PASSWORD}\n`, extra: e });
  assert.equal(c.code, 0, c.err);
  assert.equal((await pulled('ghcr-ci')).auths['ghcr.io'].password, PASSWORD);
  const list = run(['secret', 'list'], { extra: e });
  assert.match(list.out, /^NAME\s+REGISTRIES\s+EXPIRES\s+HEALTH\s+MODIFIED$/m);
  assert.match(list.out, /^ghcr-ci\s+ghcr\.io\s+2027-06-30T00:00:00Z/m);
  assert.ok(!list.out.includes(PASSWORD));
  const json = JSON.parse(run(['secret', 'get', 'ghcr-ci', '-o', 'json'], { extra: e }).out);
  assert.deepEqual(json.registries, ['ghcr.io']);
  assert.match(run(['secret', 'get', 'ghcr-ci', '-o', 'yaml'], { extra: e }).out, /^name: ghcr-ci$/m);
  assert.ok(run(['secret', 'list', '-o', 'name'], { extra: e }).out.split('\n').includes('ghcr-ci'));
  assert.equal(run(['secret', 'edit', 'ghcr-ci', '--no-expiry'], { extra: e }).code, 0);
  assert.equal((await viewer('GET', '/v2/admin/dockerRegistrySecrets/ghcr-ci')).json.expiresAt, undefined);
  assert.equal((await pulled('ghcr-ci')).auths['ghcr.io'].password, PASSWORD, 'an expiry edit keeps the credentials');
  const edit = run(['secret', 'edit', 'ghcr-ci', '--registry', 'ghcr.io', '--username', 'ci2', '--password-stdin'], { input: 'new-pw\n', extra: e });
  assert.equal(edit.code, 0, edit.err);
  assert.equal((await pulled('ghcr-ci')).auths['ghcr.io'].username, 'ci2');
  const refused = run(['secret', 'delete', 'ghcr-ci'], { extra: e });
  assert.equal(refused.code, 2, 'no terminal: --yes is needed');
  assert.equal(run(['secret', 'delete', 'ghcr-ci', '--yes'], { extra: e }).code, 0);
  assert.equal((await viewer('GET', '/v2/admin/dockerRegistrySecrets/ghcr-ci')).status, 404);
  const bad = run(['secret', 'create', 'Bad_Name', '--username', 'u', '--password-stdin'], { input: 'p\n', extra: e });
  assert.equal(bad.code, 2);
  assert.match(bad.err, /name/);
});

test('on a terminal, create asks username, password twice (hidden) and email; without one it names the flag', async () => {
  const t = onTerminal(['secret', 'create', 'asked', '--registry', server()], [
    ['Username:', USER], ['Password:', PASSWORD], ['Password (again):', PASSWORD], ['Email (optional):', 'me@example.com'],
  ], editorEnv());
  assert.equal(t.code, 0, t.screen);
  assert.ok(!t.screen.includes(PASSWORD), 'the password is not echoed');
  const auth = (await pulled('asked')).auths[server()];
  assert.deepEqual([auth.username, auth.password, auth.email], [USER, PASSWORD, 'me@example.com']);
  const mismatch = onTerminal(['secret', 'create', 'mismatch'], [['Username:', 'u'], ['Password:', 'a'], ['Password (again):', 'b']], editorEnv());
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.screen, /differ/);
  const noTty = run(['secret', 'create', 'no-tty'], { extra: editorEnv() });
  assert.equal(noTty.code, 2);
  assert.match(noTty.err, /--username is required/);
  const noPassword = run(['secret', 'create', 'no-tty', '--username', 'u'], { extra: editorEnv() });
  assert.equal(noPassword.code, 2);
  assert.match(noPassword.err, /--password-stdin is required/);
});

test('secret check logs in to the real registry; create --check refuses rejected credentials', async () => {
  const ok = run(['secret', 'check', 'asked'], { extra: editorEnv() });
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /\bok\b/);
  const wrong = run(['secret', 'create', 'wrong', '--registry', server(), '--username', USER, '--password-stdin'], { input: 'not-it\n', extra: editorEnv() });
  assert.equal(wrong.code, 0);
  const rejected = run(['secret', 'check', 'wrong'], { extra: editorEnv() });
  assert.equal(rejected.code, 1);
  assert.match(rejected.out, /credentialsRejected/);
  assert.match(rejected.err, /DEP_E153/);
  const guarded = run(['secret', 'create', 'guarded', '--registry', server(), '--username', USER, '--password-stdin', '--check'], { input: 'not-it\n', extra: editorEnv() });
  assert.equal(guarded.code, 1);
  assert.match(guarded.err, /nothing was saved/);
  assert.equal((await viewer('GET', '/v2/admin/dockerRegistrySecrets/guarded')).status, 404);
});

test('decode works offline: a token, and every entry of a config.json', () => {
  const offline = { REGCRED_URL: 'http://127.0.0.1:9', REGCRED_TOKEN: 'x' };
  const token = Buffer.from(`bob:${PASSWORD}`).toString('base64');
  const d = run(['decode', token], { extra: offline });
  assert.equal(d.code, 0, d.err);
  assert.match(d.out, /username: bob/);
  assert.ok(!d.out.includes(PASSWORD), 'the password only with --reveal');
  assert.ok(run(['decode', token, '--reveal'], { extra: offline }).out.includes(PASSWORD));
  const cfg = JSON.stringify({ auths: { 'a.example.com': { auth: token }, 'b.example.com': {} }, credsStore: 'desktop' });
  const all = run(['decode', '-'], { input: cfg, extra: offline });
  assert.match(all.out, /a\.example\.com\s+bob/);
  assert.match(all.out, /b\.example\.com.*credential helper desktop/);
});

test('export: k8s-secret and docker-tar equal what shared makes; files are 0600; never to a terminal', async () => {
  const dcj = JSON.stringify(await pulled('asked'));
  const shared = (args) => execFileSync('cargo', ['run', '-q', '-p', 'shared', '--example', 'forms', '--', ...args], { cwd: ROOT, input: dcj });
  const k8s = path.join(dir, 'secret.yaml');
  const e = run(['export', 'asked', '--format', 'k8s-secret', '--namespace', 'ci', '-o', k8s], { extra: pullerEnv() });
  assert.equal(e.code, 0, e.err);
  assert.equal((await stat(k8s)).mode & 0o777, 0o600);
  assert.deepEqual(await readFile(k8s), shared(['k8s-secret', 'asked', 'ci']));
  const tar = path.join(dir, 'docker.tar.gz');
  assert.equal(run(['export', 'asked', '--format', 'docker-tar', '-o', tar], { extra: { ...pullerEnv(), SOURCE_DATE_EPOCH: '1700000000' } }).code, 0);
  assert.deepEqual(await readFile(tar), shared(['docker-tar', '1700000000']));
  assert.equal((await stat(tar)).mode & 0o777, 0o600);
  const cfg = JSON.parse(run(['export', 'asked', '--format', 'config-json'], { extra: pullerEnv() }).out);
  assert.equal(cfg.auths[server()].password, PASSWORD);
  assert.match(run(['export', 'asked', '--format', 'dcos-app', '--image', `${reg.host}/app:1`], { extra: pullerEnv() }).out, /pullConfig/);
  assert.match(run(['export', 'asked', '--format', 'dcos-pod'], { extra: pullerEnv() }).out, /pullConfig/);
  const tty = onTerminal(['export', 'asked', '--format', 'config-json'], [], pullerEnv());
  assert.equal(tty.code, 2, tty.screen);
  assert.ok(!tty.screen.includes(PASSWORD));
  assert.match(tty.screen, /-o -/);
});

/** A throwaway `pass` store with a gpg key without passphrase. */
async function passStore() {
  const gnupg = path.join(dir, 'gnupg');
  await mkdir(gnupg, { mode: 0o700 });
  const store = { GNUPGHOME: gnupg, PASSWORD_STORE_DIR: path.join(dir, 'pass') };
  const sh = (cmd, args, input) => execFileSync(cmd, args, { input, env: { ...process.env, ...store }, stdio: ['pipe', 'pipe', 'pipe'] });
  sh('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'regcred-test@example.com', 'default', 'default', 'never']);
  sh('pass', ['init', 'regcred-test@example.com']);
  return { store, sh };
}

test('import docker: auth entries, a real credential store, a missing helper, an unknown server', async () => {
  const { store, sh } = await passStore();
  sh('docker-credential-pass', ['store'], JSON.stringify({ ServerURL: 'pass.example.com', Username: 'from-pass', Secret: 'pass:word' }));
  const config = path.join(dir, 'docker-config.json');
  await writeFile(config, JSON.stringify({
    auths: {
      'plain.example.com': { auth: Buffer.from('alice:pw1').toString('base64') },
      'pass.example.com': {},
      'unknown.example.com': {},
      'missing.example.com': {},
      'hung.example.com': {},
      'bad.example.com': {},
    },
    credsStore: 'pass',
    // A keychain waiting for a prompt nobody answers; a name that is a command.
    credHelpers: { 'missing.example.com': 'nothere', 'hung.example.com': 'hang', 'bad.example.com': 'x;touch pwned' },
  }));
  const helpers = path.join(dir, 'helpers');
  await mkdir(helpers);
  await writeFile(path.join(helpers, 'docker-credential-hang'), '#!/bin/sh\nsleep 30\n', { mode: 0o755 });
  store.PATH = `${BIN}:${helpers}:${process.env.PATH}`;
  store.REGCRED_HELPER_TIMEOUT = '1';
  const dry = run(['secret', 'import', 'docker', '--config', config, '--all', '--dry-run', '-o', 'json'], { extra: { ...editorEnv(), ...store } });
  assert.equal(dry.code, 0, dry.err);
  assert.equal(JSON.parse(dry.out).filter((r) => r.result === 'would be created').length, 2);
  const r = run(['secret', 'import', 'docker', '--config', config, '--all', '--name-prefix', 'imp-', '-o', 'json'], { extra: { ...editorEnv(), ...store } });
  assert.equal(r.code, 0, r.err);
  const rows = Object.fromEntries(JSON.parse(r.out).map((x) => [x.registry, x]));
  assert.equal(rows['plain.example.com'].result, 'created');
  assert.equal(rows['pass.example.com'].result, 'created');
  assert.match(rows['missing.example.com'].result, /^skipped: docker-credential-nothere is not installed/);
  assert.match(rows['unknown.example.com'].result, /^skipped: docker-credential-pass/);
  assert.match(rows['hung.example.com'].result, /^skipped: docker-credential-hang did not answer within 1 s/);
  assert.match(rows['bad.example.com'].result, /^skipped: .*not a program name/);
  const fromPass = (await pulled(rows['pass.example.com'].secret)).auths['pass.example.com'];
  assert.deepEqual([fromPass.username, fromPass.password], ['from-pass', 'pass:word']);
  assert.ok(rows['plain.example.com'].secret.startsWith('imp-'));
  const listed = (await viewer('GET', '/v2/admin/dockerRegistrySecrets?$top=1000')).json.resources.map((s) => s.name);
  assert.ok(!listed.some((n) => n.includes('unknown') || n.includes('missing')), 'never a secret without credentials');
  const again = run(['secret', 'import', 'docker', '--config', config, '--all', '--name-prefix', 'imp-', '-o', 'json'], { extra: { ...editorEnv(), ...store } });
  assert.match(JSON.parse(again.out).find((x) => x.registry === 'plain.example.com').result, /exists/, 'clashes are reported');
});

test('docker-credential-regcred: get, list, a miss, store refused; skopeo pulls through it until the secret is deleted', async () => {
  // Two secrets hold this registry ("asked" and "wrong"): ambiguous until one is pinned.
  const two = run(['get'], { bin: 'docker-credential-regcred', input: reg.host, extra: pullerEnv() });
  assert.equal(two.code, 1, two.out);
  assert.match(two.out, /asked/);
  assert.match(two.out, /wrong/);
  assert.ok(!two.out.includes(PASSWORD));
  assert.equal(run(['pin', reg.host, 'asked']).code, 0);
  const get = run(['get'], { bin: 'docker-credential-regcred', input: reg.host, extra: pullerEnv() });
  assert.equal(get.code, 0, get.out);
  assert.deepEqual(JSON.parse(get.out), { ServerURL: reg.host, Username: USER, Secret: PASSWORD });
  const spelled = run(['get'], { bin: 'docker-credential-regcred', input: `http://${reg.host}/`, extra: pullerEnv() });
  assert.equal(JSON.parse(spelled.out).Secret, PASSWORD, 'another spelling of the same registry');
  const miss = run(['get'], { bin: 'docker-credential-regcred', input: 'quay.io', extra: pullerEnv() });
  assert.deepEqual([miss.code, miss.out.trim()], [1, 'credentials not found in native keychain']);
  const list = JSON.parse(run(['list'], { bin: 'docker-credential-regcred', extra: pullerEnv() }).out);
  assert.equal(list[server()], USER);
  assert.ok(!JSON.stringify(list).includes(PASSWORD));
  const store = run(['store'], { bin: 'docker-credential-regcred', input: '{}', extra: pullerEnv() });
  assert.equal(store.code, 1);
  assert.match(store.out, /managed through its API/);

  await pushImage(dir, reg.host, 'regcred/e2e', `${USER}:${PASSWORD}`);
  const authfile = path.join(dir, 'auth.json');
  await writeFile(authfile, JSON.stringify({ auths: {}, credHelpers: { [reg.host]: 'regcred' } }));
  const inspect = () => spawnSync('skopeo', ['inspect', '--authfile', authfile, '--tls-verify=false', `docker://${reg.host}/regcred/e2e:latest`], {
    env: { ...process.env, ...env(pullerEnv()) }, encoding: 'utf8', timeout: 60_000,
  });
  const ok = inspect();
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(JSON.parse(ok.stdout).Digest, /^sha256:/);
  assert.equal(run(['secret', 'delete', 'asked', '--yes'], { extra: editorEnv() }).code, 0);
  assert.equal(run(['secret', 'delete', 'wrong', '--yes'], { extra: editorEnv() }).code, 0);
  const gone = inspect();
  assert.notEqual(gone.status, 0, 'after the delete skopeo gets no credentials');
  assert.match(gone.stderr, /unauthorized|authentication required/i);
  assert.equal(run(['pin', reg.host, '--remove']).code, 0);
});

test('kubelet-credential-provider answers the v1 shapes, cached no longer than the secret is valid', async () => {
  // The request kubelet sends, as the Kubernetes docs show it.
  const fixture = await readFile(path.join(ROOT, 'tests/e2e/fixtures/kubelet-credential-provider-request.json'), 'utf8');
  const request = JSON.parse(fixture.replace('REGISTRY', reg.host));
  const soon = new Date(Date.now() + 90_000).toISOString();
  const c = run(['secret', 'create', 'kube', '--registry', server(), '--username', USER, '--password-stdin', '--expires', soon], { input: `${PASSWORD}\n`, extra: editorEnv() });
  assert.equal(c.code, 0, c.err);
  const r = run(['kubelet-credential-provider'], { input: JSON.stringify(request), extra: pullerEnv() });
  assert.equal(r.code, 0, r.err);
  const resp = JSON.parse(r.out);
  assert.equal(resp.apiVersion, 'credentialprovider.kubelet.k8s.io/v1');
  assert.equal(resp.kind, 'CredentialProviderResponse');
  assert.equal(resp.cacheKeyType, 'Registry');
  assert.deepEqual(resp.auth[reg.host], { username: USER, password: PASSWORD });
  const m = /^(?:(\d+)m)?(\d+)s$/.exec(resp.cacheDuration);
  assert.ok(m, resp.cacheDuration);
  const secs = Number(m[1] ?? 0) * 60 + Number(m[2]);
  assert.ok(secs > 0 && secs <= 90, `cached ${resp.cacheDuration}, the secret expires in 90 s`);
  const beta = run(['kubelet-credential-provider'], { input: JSON.stringify({ ...request, apiVersion: 'credentialprovider.kubelet.k8s.io/v1beta1' }), extra: pullerEnv() });
  assert.equal(beta.code, 2);
});

test('completion prints a script for bash, zsh and fish', () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = run(['completion', shell]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /regcred/);
  }
});
