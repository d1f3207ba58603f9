// Versions, delete/undelete/purge and recreate after delete, against the
// built worker in workerd: what SAP clients see stays SAP's (DELETE is a 202
// and the secret is gone from list, get and pull at once), and what regcred
// adds (versions, restore, undelete, purge) is served by the Durable Object.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { client, dockerconfig, startWorker } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
let w, editor, viewer, puller, admin;

before(async () => {
  w = await startWorker({ vars: { REGCRED_VERSIONS: '4' } });
  editor = client(w.url, 'editor');
  viewer = client(w.url, 'viewer');
  puller = client(w.url, 'puller');
  admin = client(w.url, 'admin');
});
after(async () => { await w?.stop(); });

const data = (pw) => ({ data: { '.dockerconfigjson': dockerconfig('ghcr.io', 'ci', pw) } });
const password = async (name) => {
  const r = await puller('GET', `${S}/${name}/dockerconfigjson`);
  return r.status === 200 ? r.json.auths['ghcr.io'].password : r.status;
};

test('every change keeps a version; a restore makes a new one from an old one', async () => {
  assert.equal((await editor('POST', S, { name: 'app', ...data('pw-1') })).status, 202);
  for (const pw of ['pw-2', 'pw-3']) assert.equal((await editor('PATCH', `${S}/app`, data(pw))).status, 202);
  const v = await viewer('GET', `${S}/app/versions`);
  assert.equal(v.status, 200, v.text);
  assert.deepEqual(v.json.resources.map((r) => [r.version, r.current, r.createdBy]),
    [[3, true, 'test-editor'], [2, false, 'test-editor'], [1, false, 'test-editor']]);
  assert.ok(!v.text.includes('pw-'), 'no credentials in the version list');
  const r = await editor('POST', `${S}/app/versions/1/restore`, undefined, { 'if-match': '"3"' });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.headers.get('etag'), '"4"');
  assert.equal(await password('app'), 'pw-1');
  // REGCRED_VERSIONS=4: one more change drops version 1.
  await editor('PATCH', `${S}/app`, data('pw-5'));
  const kept = await viewer('GET', `${S}/app/versions`);
  assert.deepEqual(kept.json.resources.map((r) => r.version), [5, 4, 3, 2]);
  const gone = await editor('POST', `${S}/app/versions/1/restore`);
  assert.equal(gone.status, 404);
  assert.match(gone.json.error.message, /5, 4, 3, 2/);
});

test('a delete is SAP\'s 202 and hides the secret at once; undelete brings it back', async () => {
  await editor('POST', S, { name: 'gone', ...data('g-1') });
  const d = await editor('DELETE', `${S}/gone`);
  assert.equal(d.status, 202);
  assert.deepEqual(d.json, { id: 'gone', message: 'Docker Registry Secret has been deleted' });
  // The puller route is served by the object: no KV lag.
  assert.equal(await password('gone'), 404);
  assert.equal((await viewer('GET', `${S}/gone`)).status, 404);
  const listed = await viewer('GET', `${S}?$count=true`);
  assert.ok(!listed.json.resources.some((s) => s.name === 'gone'));
  const del = await viewer('GET', `${S}?deleted=true`);
  assert.equal(del.status, 200, del.text);
  const row = del.json.resources.find((s) => s.name === 'gone');
  assert.ok(row?.deletedAt && row?.purgeAfter, del.text);
  // purgeAfter is to the second.
  assert.ok(Math.abs(Date.parse(row.purgeAfter) - Date.parse(row.deletedAt) - 30 * 86_400_000) < 1000, del.text);
  assert.equal((await viewer('GET', `${S}?deleted=1`)).status, 400);
  assert.equal((await viewer('POST', `${S}/gone/undelete`)).status, 403);
  const u = await editor('POST', `${S}/gone/undelete`);
  assert.equal(u.status, 202, u.text);
  assert.equal(await password('gone'), 'g-1');
  assert.equal((await editor('POST', `${S}/gone/undelete`)).status, 409);
});

test('a name created again goes on from its history; purge drops it for good', async () => {
  await editor('POST', S, { name: 'again', ...data('old-1') });
  await editor('DELETE', `${S}/again`);
  const c = await editor('POST', S, { name: 'again', ...data('new-2') });
  assert.equal(c.status, 202, c.text);
  assert.equal(c.headers.get('etag'), '"2"');
  const v = await viewer('GET', `${S}/again/versions`);
  assert.deepEqual(v.json.resources.map((r) => [r.version, Boolean(r.deletedAt)]), [[2, false], [1, true]]);
  assert.equal((await editor('POST', `${S}/again/versions/1/restore`)).status, 202);
  assert.equal(await password('again'), 'old-1');
  assert.equal((await editor('POST', `${S}/again/purge`)).status, 403);
  const p = await admin('POST', `${S}/again/purge`);
  assert.equal(p.status, 202, p.text);
  assert.deepEqual((await viewer('GET', `${S}/again/versions`)).json.resources.map((r) => r.version), [3]);
  await editor('DELETE', `${S}/again`);
  assert.equal((await admin('POST', `${S}/again/purge`)).status, 202);
  assert.equal((await viewer('GET', `${S}/again/versions`)).status, 404);
  assert.equal((await editor('POST', `${S}/again/undelete`)).status, 404);
});

test('key counts include kept versions and deleted secrets', async () => {
  const k = await admin('GET', '/v2/admin/encryptionKeys');
  assert.equal(k.status, 200, k.text);
  const k1 = k.json.keys.find((x) => x.id === 'k1');
  // app (5, and kept 4, 3, 2) and gone are live; again was purged.
  assert.deepEqual([k1.secrets, k1.versions], [2, 3], k.text);
});
