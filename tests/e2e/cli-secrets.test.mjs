// `regcred secret edit | versions | restore | undelete | list --deleted` and
// `regcred secret --help`, as installed, against the built worker in
// workerd (issue 21, items 1 and 14). An edit changes only what it names:
// the registry stays unless given, `--password-stdin` alone replaces the one
// registry's password, several registries need `--registry` (or a choice on
// a terminal), and interactive edits offer the current values.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, startWorker } from './harness.mjs';
import { cli } from './cli-harness.mjs';

let w, dir, viewer, puller, run, onTerminal;
const LOCAL = 'http://127.0.0.1:5055';
const S = '/v2/admin/dockerRegistrySecrets';

before(async () => {
  w = await startWorker({ vars: { REGCRED_ALLOW_HTTP_LOOPBACK: 'true' } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'regcred-cli-secrets-'));
  viewer = client(w.url, 'viewer');
  puller = client(w.url, 'puller');
  ({ run, onTerminal } = cli(dir, () => w.url));
});
after(async () => {
  await w?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function pulled(name) {
  const r = await puller('GET', `${S}/${name}/dockerconfigjson`);
  assert.equal(r.status, 200, r.text);
  return r.json.auths;
}

const ok = (r) => assert.equal(r.code, 0, `${r.out ?? r.screen}\n${r.err ?? ''}`);

test('the issue\'s commands: an edit keeps the registry; --password-stdin alone works; a pull shows the new password and the old username', async () => {
  ok(run(['secret', 'create', 'local-ci', '--registry', LOCAL, '--username', 'ci', '--password-stdin'], { input: 'first-pw\n' }));
  const edit = run(['secret', 'edit', 'local-ci', '--username', 'ci', '--password-stdin'], { input: 'second-pw\n' });
  ok(edit);
  assert.match(edit.out, /secret local-ci modified/);
  const got = JSON.parse(run(['secret', 'get', 'local-ci', '-o', 'json'], { role: 'viewer' }).out);
  assert.deepEqual(got.registries, [LOCAL], 'not moved to Docker Hub');
  assert.deepEqual(got.users, [{ registry: LOCAL, username: 'ci' }], 'get shows the username, never a password');
  assert.ok(!JSON.stringify(got).includes('second-pw'));
  const only = run(['secret', 'edit', 'local-ci', '--password-stdin'], { input: 'third-pw\n' });
  ok(only);
  assert.deepEqual(Object.keys(await pulled('local-ci')), [LOCAL]);
  // The pull a client makes: docker-credential-regcred with a puller token.
  const get = run(['get'], { bin: 'docker-credential-regcred', role: 'puller', input: '127.0.0.1:5055' });
  ok(get);
  assert.deepEqual(JSON.parse(get.out), { ServerURL: '127.0.0.1:5055', Username: 'ci', Secret: 'third-pw' });
  const table = run(['secret', 'get', 'local-ci'], { role: 'viewer' }).out;
  assert.match(table, /^REGISTRY\s+USERNAME\s+EMAIL$/m);
  assert.match(table, /^http:\/\/127\.0\.0\.1:5055\s+ci\s+-$/m);
});

test('one registry: --registry elsewhere moves the entry and keeps its login; an empty --email clears it; expiry edits send no credentials', async () => {
  ok(run(['secret', 'create', 'mover', '--registry', 'ghcr.io', '--username', 'bot', '--password-stdin', '--email', 'bot@example.com'], { input: 'bot-pw\n' }));
  ok(run(['secret', 'edit', 'mover', '--registry', 'quay.io']));
  const moved = await pulled('mover');
  assert.deepEqual(Object.keys(moved), ['quay.io']);
  assert.deepEqual([moved['quay.io'].username, moved['quay.io'].password, moved['quay.io'].email], ['bot', 'bot-pw', 'bot@example.com']);
  ok(run(['secret', 'edit', 'mover', '--email', '']));
  assert.equal((await pulled('mover'))['quay.io'].email, undefined);
  const picked = run(['secret', 'edit', 'mover', '--registry', 'https://quay.io/']);
  ok(picked);
  assert.match(picked.out, /unchanged/, 'the same registry spelled otherwise only picks it');
  ok(run(['secret', 'edit', 'mover', '--expires', '2027-06-30']));
  const after = await pulled('mover');
  assert.deepEqual(Object.keys(after), ['quay.io']);
  assert.equal(after['quay.io'].password, 'bot-pw');
  assert.equal((await viewer('GET', `${S}/mover`)).json.expiresAt, '2027-06-30T00:00:00Z');
  const bad = run(['secret', 'edit', 'mover', '--registry', 'https://user:pw@', '--password-stdin'], { input: 'x\n' });
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--registry/);
  const nothing = run(['secret', 'edit', 'mover']);
  assert.equal(nothing.code, 2, 'no terminal and nothing to change');
  assert.match(nothing.err, /nothing to change in mover: give --username, --password-stdin/);
});

test('several registries: --registry picks one; without it, a usage error naming them or a choice on a terminal', async () => {
  const file = path.join(dir, 'two.json');
  await writeFile(file, JSON.stringify({ auths: { 'ghcr.io': { username: 'g', password: 'g-pw' }, 'quay.io': { username: 'q', password: 'q-pw', email: 'q@example.com' } } }));
  ok(run(['secret', 'create', 'multi', '--from-file', file]));
  const vague = run(['secret', 'edit', 'multi', '--password-stdin'], { input: 'new\n' });
  assert.equal(vague.code, 2);
  assert.match(vague.err, /holds several registries \(ghcr\.io, quay\.io\): say which to edit with --registry/);
  const stranger = run(['secret', 'edit', 'multi', '--registry', 'docker.io', '--password-stdin'], { input: 'new\n' });
  assert.equal(stranger.code, 2);
  assert.match(stranger.err, /holds ghcr\.io, quay\.io, not https:\/\/index\.docker\.io\/v1\//);
  let auths = await pulled('multi');
  assert.deepEqual([auths['ghcr.io'].password, auths['quay.io'].password], ['g-pw', 'q-pw'], 'refused edits change nothing');
  ok(run(['secret', 'edit', 'multi', '--registry', 'quay.io', '--password-stdin'], { input: 'q-new\n' }));
  auths = await pulled('multi');
  assert.deepEqual(auths['ghcr.io'], { username: 'g', password: 'g-pw', auth: auths['ghcr.io'].auth });
  assert.deepEqual([auths['quay.io'].username, auths['quay.io'].password, auths['quay.io'].email], ['q', 'q-new', 'q@example.com']);
  const chosen = onTerminal(['secret', 'edit', 'multi', '--username', 'q2'], [['Which one to edit [1-2]:', '2']]);
  ok(chosen);
  assert.match(chosen.screen, /1\) ghcr\.io/);
  auths = await pulled('multi');
  assert.deepEqual([auths['ghcr.io'].username, auths['quay.io'].username, auths['quay.io'].password], ['g', 'q2', 'q-new']);
  const replaced = path.join(dir, 'one.json');
  await writeFile(replaced, JSON.stringify({ auths: { 'registry.example.com': { username: 'r', password: 'r-pw' } } }));
  ok(run(['secret', 'edit', 'multi', '--from-file', replaced]));
  assert.deepEqual(Object.keys(await pulled('multi')), ['registry.example.com'], '--from-file still replaces everything');
});

test('on a terminal with nothing given, edit asks with the current values as defaults', async () => {
  const kept = onTerminal(['secret', 'edit', 'local-ci'], [
    [`Registry [${LOCAL}]:`, ''], ['Username [ci]:', ''], ['Password (empty: keep):', 'fourth-pw'], ['Password (again):', 'fourth-pw'], ['Email (optional):', 'ci@example.com'],
  ]);
  ok(kept);
  assert.ok(!kept.screen.includes('fourth-pw'), 'the password is not echoed');
  let auth = (await pulled('local-ci'))[LOCAL];
  assert.deepEqual([auth.username, auth.password, auth.email], ['ci', 'fourth-pw', 'ci@example.com']);
  const same = onTerminal(['secret', 'edit', 'local-ci'], [
    [`Registry [${LOCAL}]:`, ''], ['Username [ci]:', ''], ['Password (empty: keep):', ''], ["Email ('-' clears) [ci@example.com]:", ''],
  ]);
  ok(same);
  assert.match(same.screen, /secret local-ci unchanged/);
  const renamed = onTerminal(['secret', 'edit', 'local-ci'], [
    [`Registry [${LOCAL}]:`, ''], ['Username [ci]:', 'ci-bot'], ['Password (empty: keep):', ''], ["Email ('-' clears) [ci@example.com]:", '-'],
  ]);
  ok(renamed);
  auth = (await pulled('local-ci'))[LOCAL];
  assert.deepEqual([auth.username, auth.password, auth.email], ['ci-bot', 'fourth-pw', undefined]);
});

test('secret --help describes every subcommand', () => {
  const help = run(['secret', '--help']);
  ok(help);
  const commands = help.out.split('Commands:\n')[1].split('\n\n')[0].split('\n').filter((l) => l.trim());
  const names = commands.map((l) => l.trim().split(/\s+/)[0]);
  for (const c of ['create', 'list', 'get', 'edit', 'delete', 'versions', 'restore', 'undelete', 'check', 'import']) {
    assert.ok(names.includes(c), `${c} in:\n${help.out}`);
  }
  for (const line of commands) {
    assert.match(line, /^\s+[a-z-]+\s{2,}\S/, `no description: ${JSON.stringify(line)}`);
  }
});

test('versions, restore (asks on a terminal, needs --yes otherwise), delete, list --deleted, undelete', async () => {
  ok(run(['secret', 'create', 'hist', '--registry', 'ghcr.io', '--username', 'one', '--password-stdin'], { input: 'pw-1\n' }));
  ok(run(['secret', 'edit', 'hist', '--password-stdin'], { input: 'pw-2\n' }));
  ok(run(['secret', 'edit', 'hist', '--username', 'three', '--expires', '2027-01-01']));
  const listed = JSON.parse(run(['secret', 'versions', 'hist', '-o', 'json'], { role: 'viewer' }).out);
  assert.deepEqual(listed.resources.map((v) => [v.version, v.current]), [[3, true], [2, false], [1, false]]);
  assert.equal(run(['secret', 'versions', 'hist', '-o', 'name'], { role: 'viewer' }).out, '3\n2\n1\n');
  const table = run(['secret', 'versions', 'hist'], { role: 'viewer' }).out;
  assert.match(table, /^VERSION\s+WRITTEN\s+BY\s+REGISTRIES\s+USERNAMES\s+EXPIRES\s+STATE$/m);
  assert.match(table, /^3\s+\S+\s+test-editor\s+ghcr\.io\s+three\s+2027-01-01T00:00:00Z\s+current$/m);
  assert.match(table, /^1\s+\S+\s+test-editor\s+ghcr\.io\s+one\s+-\s+kept$/m);
  assert.ok(!table.includes('pw-'));

  const blind = run(['secret', 'restore', 'hist', '--version', '1']);
  assert.equal(blind.code, 2);
  assert.match(blind.err, /needs --yes \(no terminal to ask on\)/);
  const unknown = run(['secret', 'restore', 'hist', '--version', '9', '--yes']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /version 9 of hist is not kept; the versions kept are 3, 2, 1/);
  const declined = onTerminal(['secret', 'restore', 'hist', '--version', '1'], [['(as a new version 4)? [y/N]', 'n']]);
  assert.equal(declined.code, 1, declined.screen);
  assert.match(declined.screen, /usernames: three -> one/);
  assert.match(declined.screen, /expires: 2027-01-01T00:00:00Z -> -/);
  assert.equal((await pulled('hist'))['ghcr.io'].password, 'pw-2', 'declined: nothing restored');
  const restored = onTerminal(['secret', 'restore', 'hist', '--version', '1'], [['(as a new version 4)? [y/N]', 'y']]);
  ok(restored);
  assert.match(restored.screen, /secret hist restored from version 1 as version 4/);
  assert.match(restored.screen, /regcred secret check hist/);
  assert.deepEqual([(await pulled('hist'))['ghcr.io'].username, (await pulled('hist'))['ghcr.io'].password], ['one', 'pw-1']);
  ok(run(['secret', 'restore', 'hist', '--version', '3', '--yes']));
  assert.equal((await pulled('hist'))['ghcr.io'].username, 'three');

  ok(run(['secret', 'delete', 'hist', '--yes']));
  const deleted = run(['secret', 'list', '--deleted'], { role: 'viewer' });
  ok(deleted);
  assert.match(deleted.out, /^NAME\s+REGISTRIES\s+DELETED\s+PURGE AFTER$/m);
  assert.match(deleted.out, /^hist\s+ghcr\.io\s+\d{4}-\S+\s+\d{4}-\S+$/m);
  assert.deepEqual(run(['secret', 'list', '--deleted', '-o', 'name'], { role: 'viewer' }).out.split('\n').filter(Boolean), ['hist']);
  assert.ok(!run(['secret', 'list', '-o', 'name'], { role: 'viewer' }).out.split('\n').includes('hist'));
  const gone = run(['secret', 'restore', 'hist', '--version', '1', '--yes']);
  assert.equal(gone.code, 1);
  assert.match(gone.err, /hist is deleted: undelete it first \(regcred secret undelete hist\)/);
  const viewerUndelete = run(['secret', 'undelete', 'hist'], { role: 'viewer' });
  assert.equal(viewerUndelete.code, 1, 'a viewer may not');
  const back = run(['secret', 'undelete', 'hist']);
  ok(back);
  assert.match(back.out, /secret hist undeleted/);
  assert.equal((await pulled('hist'))['ghcr.io'].username, 'three');
  const twice = run(['secret', 'undelete', 'hist']);
  assert.equal(twice.code, 1);
  assert.match(twice.err, /exists again/);
});
