// `regcred token create | list | revoke` and `regcred whoami`, as installed
// (`cargo install --path cli`, by cargo xtask test), against the built worker
// in workerd. A scoped puller token made by the CLI is used by the CLI and by
// docker-credential-regcred, then revoked.
//
// Failed authentications are rate limited per client address (20 a minute),
// and the CLI sends no CF-Connecting-IP, so all of its failures count against
// one address: this file makes two on purpose (the revoked token, twice).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, dockerconfig, ROOT, startWorker, TOKENS } from './harness.mjs';

const BIN = process.env.REGCRED_CLI_BIN ?? path.join(ROOT, 'target', 'cli', 'bin');
const TOKEN_SHAPE = /^rc_[0-9a-f]{48}$/;
let w, dir, editor;
/** The token `token create` made for ci-team-a, and its id. */
let scoped, scopedId;

before(async () => {
  w = await startWorker();
  dir = await mkdtemp(path.join(os.tmpdir(), 'regcred-cli-tokens-'));
  editor = client(w.url, 'editor');
  for (const [name, host] of [['team-a-ci', 'a.example.com'], ['team-b-ci', 'b.example.com']]) {
    const r = await editor('POST', '/v2/admin/dockerRegistrySecrets', {
      name, data: { '.dockerconfigjson': dockerconfig(host, `${name}-user`, `${name}-pw`) },
    });
    assert.equal(r.status, 202, r.text);
  }
});
after(async () => {
  await w?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const config = () => path.join(dir, 'config.json');

/** The environment the CLI runs in: its own config file, our binaries first. */
function env(extra = {}) {
  return { PATH: `${BIN}:${process.env.PATH}`, HOME: dir, REGCRED_CONFIG: config(), ...extra };
}

/** Runs an installed binary; never throws. */
function run(args, { input = '', extra = {}, bin = 'regcred' } = {}) {
  const r = spawnSync(path.join(BIN, bin), args, { input, env: env(extra), encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The same command on a pseudo-terminal, answering `answers` ([prompt, answer]). */
function onTerminal(args, answers, extra = {}) {
  const pairs = answers.map(([p, a]) => `${p}=${a}`);
  const r = spawnSync('python3', [path.join(ROOT, 'tests/e2e/terminal.py'), ...pairs, '--', path.join(BIN, 'regcred'), ...args], {
    env: { ...env(extra), TERM: 'dumb' }, encoding: 'utf8', timeout: 60_000,
  });
  return { code: r.status, screen: r.stdout };
}

const as = (token) => ({ REGCRED_URL: w.url, REGCRED_TOKEN: token });
const admin = () => as(TOKENS.admin);

test('an admin makes a scoped puller token: printed once (-o name), kept nowhere', async () => {
  const r = run(['token', 'create', 'ci-team-a', '--role', 'puller', '--scope', 'team-a-*', '--expires', '30d', '-o', 'name'], { extra: admin() });
  assert.equal(r.code, 0, r.err);
  scoped = r.out.trim();
  assert.match(scoped, TOKEN_SHAPE, 'only the token on stdout');
  assert.equal(r.err, '', 'no terminal: no warning, and never the token on stderr');
  assert.ok(!existsSync(config()) || !(await readFile(config(), 'utf8')).includes(scoped), 'not in the config file');
  const listed = (await client(w.url, 'admin')('GET', '/v2/admin/tokens')).json.resources.find((t) => t.label === 'ci-team-a');
  assert.deepEqual([listed.role, listed.scope, listed.createdBy], ['puller', ['team-a-*'], 'test-admin']);
  const days = (Date.parse(listed.expiresAt) - Date.now()) / 86_400_000;
  assert.ok(days > 29.9 && days <= 30, `--expires 30d: ${listed.expiresAt}`);
  scopedId = listed.id;
});

test('the scoped token works for docker-credential-regcred and regcred, inside its scope only', () => {
  const get = run(['get'], { bin: 'docker-credential-regcred', input: 'a.example.com', extra: as(scoped) });
  assert.equal(get.code, 0, get.out);
  assert.deepEqual(JSON.parse(get.out), { ServerURL: 'a.example.com', Username: 'team-a-ci-user', Secret: 'team-a-ci-pw' });
  const outside = run(['get'], { bin: 'docker-credential-regcred', input: 'b.example.com', extra: as(scoped) });
  assert.deepEqual([outside.code, outside.out.trim()], [1, 'credentials not found in native keychain']);
  const cfg = run(['export', 'team-a-ci', '--format', 'config-json'], { extra: as(scoped) });
  assert.equal(cfg.code, 0, cfg.err);
  assert.equal(JSON.parse(cfg.out).auths['a.example.com'].password, 'team-a-ci-pw');
  const hidden = run(['export', 'team-b-ci', '--format', 'config-json'], { extra: as(scoped) });
  assert.equal(hidden.code, 1);
  assert.match(hidden.err, /NotFound, HTTP 404/, 'outside the scope is as if it did not exist');
});

test('whoami shows the role, the scope and how the caller signed in', () => {
  const t = run(['whoami'], { extra: as(scoped) });
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /^ATTRIBUTE\s+VALUE$/m);
  assert.match(t.out, /^Label\s+ci-team-a$/m);
  assert.match(t.out, /^Role\s+puller$/m);
  assert.match(t.out, /^Scope\s+team-a-\*$/m);
  assert.match(t.out, /^Signed in with\s+managed token$/m);
  assert.ok(!t.out.includes(scoped));
  const json = JSON.parse(run(['whoami', '-o', 'json'], { extra: as(scoped) }).out);
  assert.deepEqual(json, { label: 'ci-team-a', role: 'puller', scope: ['team-a-*'], via: 'managedToken' });
  const env = run(['whoami'], { extra: admin() });
  assert.match(env.out, /^Scope\s+every secret$/m);
  assert.match(env.out, /^Signed in with\s+environment token \(REGCRED_TOKENS\)$/m);
  assert.equal(run(['whoami', '-o', 'name'], { extra: admin() }).out, 'test-admin\n');
});

test('token list: a table, json, yaml and ids; never the token', () => {
  const t = run(['token', 'list'], { extra: admin() });
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /^ID\s+LABEL\s+ROLE\s+SCOPE\s+CREATED\s+EXPIRES\s+LAST USED$/m);
  // Last used: the hour the tests above used it in.
  assert.match(t.out, new RegExp(`^${scopedId}\\s+ci-team-a\\s+puller\\s+team-a-\\*\\s+\\S+Z\\s+\\S+Z\\s+\\S+T\\d\\d:00:00Z$`, 'm'));
  const json = run(['token', 'list', '-o', 'json'], { extra: admin() });
  const yaml = run(['token', 'list', '-o', 'yaml'], { extra: admin() });
  const ids = run(['token', 'list', '-o', 'name'], { extra: admin() });
  for (const out of [t.out, json.out, yaml.out, ids.out]) assert.ok(!out.includes(scoped), 'the token is never listed');
  const listed = JSON.parse(json.out);
  assert.equal(listed.count, listed.resources.length);
  assert.equal(listed.resources.find((x) => x.id === scopedId).label, 'ci-team-a');
  assert.match(yaml.out, /^  id: [0-9a-f]{16}$/m);
  assert.match(yaml.out, /^  label: ci-team-a$/m);
  assert.ok(ids.out.split('\n').includes(scopedId));
});

test('revoke: --yes or a terminal; then the token fails with a 401', () => {
  const noTty = run(['token', 'revoke', scopedId], { extra: admin() });
  assert.equal(noTty.code, 2, 'no terminal to confirm on: a usage error');
  assert.match(noTty.err, /needs --yes/);
  const no = onTerminal(['token', 'revoke', scopedId], [['[y/N]', 'n']], admin());
  assert.equal(no.code, 1, no.screen);
  assert.match(no.screen, /Revoke the token [0-9a-f]{16}\? It stops working at once\./);
  assert.match(no.screen, /not revoked/);
  assert.equal(run(['whoami'], { extra: as(scoped) }).code, 0, 'still works: nothing was revoked');

  const yes = run(['token', 'revoke', scopedId, '--yes'], { extra: admin() });
  assert.equal(yes.code, 0, yes.err);
  assert.equal(yes.out, `token ${scopedId} revoked\n`);
  // The two failed authentications of this file.
  const gone = run(['whoami'], { extra: as(scoped) });
  assert.equal(gone.code, 1);
  assert.match(gone.err, /Unauthorized, HTTP 401/);
  const helper = run(['get'], { bin: 'docker-credential-regcred', input: 'a.example.com', extra: as(scoped) });
  assert.equal(helper.code, 1);
  assert.match(helper.out, /HTTP 401/);
  assert.ok(!run(['token', 'list', '-o', 'name'], { extra: admin() }).out.includes(scopedId));
  const again = run(['token', 'revoke', scopedId, '--yes'], { extra: admin() });
  assert.equal(again.code, 1);
  assert.match(again.err, /no managed token with id .*NotFound, HTTP 404/);
});

test('a viewer may not manage tokens: exit 1 with the 403', () => {
  for (const args of [['token', 'list'], ['token', 'create', 'x', '--role', 'viewer']]) {
    const r = run(args, { extra: as(TOKENS.viewer) });
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /needs the role admin \(Forbidden, HTTP 403\)/);
  }
});

test('mistakes are usage errors found before anything is sent', () => {
  // Nothing listens on port 9: a request would be exit 1, "cannot reach".
  const nowhere = { REGCRED_URL: 'http://127.0.0.1:9', REGCRED_TOKEN: 'x' };
  for (const [args, message] of [
    [['token', 'create', 'ops', '--role', 'admin', '--scope', 'a-*'], /--scope: an admin token .* cannot be limited/],
    [['token', 'create', 'ci', '--role', 'puller', '--scope', 'Team-*'], /--scope: the scope pattern "Team-\*"/],
    [['token', 'create', 'ci', '--role', 'puller', '--expires', '2020-01-01'], /--expires: .*not in the future/],
    [['token', 'create', 'ci', '--role', 'puller', '--expires', 'someday'], /--expires: "someday" is neither a date/],
    [['token', 'create', 'a:b', '--role', 'puller'], /the label has ':'/],
    [['token', 'create', 'ci', '--role', 'root'], /invalid value 'root'/],
  ]) {
    const r = run(args, { extra: nowhere });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message);
  }
  const token = `rc_${'ab'.repeat(24)}`;
  const r = run(['token', 'revoke', token, '--yes'], { extra: nowhere });
  assert.equal(r.code, 2);
  assert.match(r.err, /that is a token, not a token id/);
  assert.ok(!r.err.includes(token), 'a token given by mistake is not echoed');
});

test('on a terminal, create warns on stderr that the token cannot be shown again; -o json has it once', () => {
  const t = onTerminal(['token', 'create', 'ops person', '--role', 'viewer'], [], admin());
  assert.equal(t.code, 0, t.screen);
  assert.match(t.screen, /token ops person created \(id [0-9a-f]{16}, role viewer\):\r?\nrc_[0-9a-f]{48}\r?\n/);
  assert.match(t.screen, /cannot be shown again/);
  const json = run(['token', 'create', 'ci-json', '--role', 'editor', '--scope', 'team-a-*,team-b-*', '-o', 'json'], { extra: admin() });
  assert.equal(json.code, 0, json.err);
  const made = JSON.parse(json.out);
  assert.match(made.token, TOKEN_SHAPE);
  assert.deepEqual([made.label, made.role, made.scope, made.createdBy], ['ci-json', 'editor', ['team-a-*', 'team-b-*'], 'test-admin']);
  assert.match(run(['whoami', '-o', 'yaml'], { extra: as(made.token) }).out, /^via: managedToken$/m);
});
