// Existing deployments keep everything: today's worker started on the
// storage the release with one object for every secret wrote
// (fixtures/state-v1, made by fixtures/make-state-v1.mjs at 9c6be8e). Every
// record is checked after the move into objects per secret, and again after
// a restart on the same storage (the move runs once). Also: a new
// deployment's secrets each get an object of their own.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { client, dockerconfig, ROOT, startWorker } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const FIXTURE = path.join(ROOT, 'tests', 'e2e', 'fixtures', 'state-v1');
// As the fixture was made, and a quota with two places left.
const VARS = { REGCRED_RETENTION_DAYS: '3650', REGCRED_VERSIONS: '5', REGCRED_MAX_SECRETS: '7' };
let state, w;

before(async () => {
  state = await mkdtemp(path.join(os.tmpdir(), 'regcred-migration-'));
  await cp(FIXTURE, state, { recursive: true });
});
after(async () => {
  await w?.stop();
  if (state) await rm(state, { recursive: true, force: true });
});

const as = (role) => client(w.url, role);
const password = async (name) => {
  const r = await as('puller')('GET', `${S}/${name}/dockerconfigjson`);
  assert.equal(r.status, 200, `${name}: ${r.text}`);
  return Object.values(r.json.auths).map((a) => a.password ?? Buffer.from(a.auth, 'base64').toString().split(':')[1]);
};
const byRegistry = (registry) => as('puller')('GET', `/v2/admin/registryCredentials?registry=${encodeURIComponent(registry)}`);

/** What every check after the move expects, run twice. */
async function everyRecordIsThere() {
  const viewer = as('viewer');
  const list = await viewer('GET', S);
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json.resources.map((r) => r.name), ['alpha', 'beta', 'gamma', 'many']);

  // Live secrets, pulled from their own objects.
  assert.deepEqual(await password('alpha'), ['alpha-pw-3']);
  assert.deepEqual((await password('beta')).sort(), ['beta-gh-pw', 'beta-pw']);
  assert.deepEqual(await password('gamma'), ['gamma-pw']);
  assert.equal((await password('many')).length, 40);
  const beta = await viewer('GET', `${S}/beta`);
  assert.equal(beta.json.expiresAt, '2099-01-01T00:00:00Z');
  assert.deepEqual(beta.json.users.map((u) => u.username).sort(), ['bob', 'bob-gh']);

  // Versions kept.
  const versions = await as('editor')('GET', `${S}/alpha/versions`);
  assert.equal(versions.status, 200, versions.text);
  assert.deepEqual(versions.json.resources.map((v) => v.version), [3, 2, 1]);

  // Pulls by registry: the index the move built.
  const gh = await byRegistry('ghcr.io');
  assert.equal(gh.status, 200, gh.text);
  assert.deepEqual([gh.json.secret, gh.json.username, gh.json.password], ['beta', 'bob-gh', 'beta-gh-pw']);
  const shared = await byRegistry('shared.example:5000');
  assert.equal(shared.status, 409, shared.text);
  assert.deepEqual(shared.json.error.details.map((d) => d.message).sort(), ['beta', 'gamma']);
  // Past the registries KV's metadata holds: the index has them all.
  const last = await byRegistry('registry-39.many.example');
  assert.equal(last.status, 200, last.text);
  assert.deepEqual([last.json.secret, last.json.username, last.json.password], ['many', 'm39', 'many-pw-39']);

  // The deleted secret, kept for undelete.
  const deleted = await as('editor')('GET', `${S}?deleted=true`);
  assert.equal(deleted.status, 200, deleted.text);
  assert.deepEqual(deleted.json.resources.map((r) => r.name), ['delta']);

  // Managed tokens and the audit trail are untouched.
  const tokens = await as('admin')('GET', '/v2/admin/tokens');
  assert.deepEqual(tokens.json.resources.map((t) => t.label), ['ci-puller']);
  const audit = await as('admin')('GET', '/v2/admin/auditEvents?$top=100');
  assert.ok(audit.json.resources.some((e) => e.action === 'create' && e.secret === 'alpha'), audit.text);
}

test('the records of the one-object release move into objects per secret', async () => {
  w = await startWorker({ vars: VARS, state });
  await everyRecordIsThere();

  // The count moved exactly: 4 live + delta undeleted + 2 new = the quota of 7.
  const editor = as('editor');
  const undone = await editor('POST', `${S}/delta/undelete`);
  assert.equal(undone.status, 202, undone.text);
  assert.deepEqual(await password('delta'), ['delta-pw-2']);
  assert.deepEqual((await editor('GET', `${S}/delta/versions`)).json.resources.map((v) => v.version), [2, 1]);
  const body = (p) => ({ data: { '.dockerconfigjson': dockerconfig('new.example', 'n', p) } });
  assert.equal((await editor('POST', S, { name: 'new-1', ...body('n1') })).status, 202);
  assert.equal((await editor('POST', S, { name: 'new-2', ...body('n2') })).status, 202);
  const full = await editor('POST', S, { name: 'new-3', ...body('n3') });
  assert.equal(full.status, 429, full.text);
  assert.equal(full.json.error.code, 'QuotaExceeded');

  // A backup holds every record, name by name.
  const keys = [];
  let next = '';
  do {
    const page = await as('admin')('GET', `/v2/admin/backup?limit=3&after=${next}`);
    assert.equal(page.status, 200, page.text);
    keys.push(...page.json.items.map((i) => i.key));
    next = page.json.next ?? '';
  } while (next);
  assert.deepEqual(keys, [
    'secret:alpha', 'version:alpha/0000000001', 'version:alpha/0000000002',
    'secret:beta',
    'secret:delta', 'version:delta/0000000001',
    'secret:gamma',
    'secret:many',
    'secret:new-1',
    'secret:new-2',
  ]);
  await w.stop();
  w = undefined;
});

test('a restart on the moved storage keeps everything and moves nothing twice', async () => {
  w = await startWorker({ vars: VARS, state });
  const editor = as('editor');
  // Put delta back as it was, so the same checks hold.
  assert.equal((await editor('DELETE', `${S}/delta`)).status, 202);
  for (const n of ['new-1', 'new-2']) {
    assert.equal((await editor('DELETE', `${S}/${n}`)).status, 202);
    assert.equal((await as('admin')('POST', `${S}/${n}/purge`)).status, 202);
  }
  await everyRecordIsThere();
  const objects = (await readdir(path.join(state, 'v3', 'do', 'regcred-SecretWriter')))
    .filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
  // One per secret written (the 5 moved, new-1..3; new-3's create was
  // refused after it took its turn), the directory and the legacy object.
  assert.ok(objects.length >= 9, objects.join(' '));
});

test('every secret of a new deployment gets an object of its own', async () => {
  const fresh = await mkdtemp(path.join(os.tmpdir(), 'regcred-objects-'));
  const w2 = await startWorker({ state: fresh });
  try {
    const editor = client(w2.url, 'editor');
    for (let i = 1; i <= 6; i++) {
      const r = await editor('POST', S, { name: `obj-${i}`, data: { '.dockerconfigjson': dockerconfig('127.0.0.1:9', 'u', `p${i}`) } });
      assert.equal(r.status, 202, r.text);
    }
    const objects = (await readdir(path.join(fresh, 'v3', 'do', 'regcred-SecretWriter')))
      .filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
    // Six secrets and the directory; the legacy object is asked, and holds nothing.
    assert.ok(objects.length >= 7 && objects.length <= 8, objects.join(' '));
  } finally {
    await w2.stop();
    await rm(fresh, { recursive: true, force: true });
  }
});
