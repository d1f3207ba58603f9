// Writes never race: every create, modify and delete goes through one
// Durable Object. Concurrent requests against the built worker in workerd.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { client, dockerconfig, startWorker } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const N = 50;
let w, editor, viewer;
before(async () => {
  w = await startWorker({ vars: { REGCRED_MAX_SECRETS: '500' } });
  editor = client(w.url, 'editor');
  viewer = client(w.url, 'viewer');
});
after(async () => { await w?.stop(); });

const body = (name, password) => ({ name, data: { '.dockerconfigjson': dockerconfig('r.example.com', 'u', password) } });
const count = (rs, status) => rs.filter((r) => r.status === status).length;

test(`${N} concurrent creates of one name: exactly one 202, ${N - 1} 409`, async () => {
  const rs = await Promise.all(Array.from({ length: N }, (_, i) => editor('POST', S, body('contested', `pw-${i}`))));
  console.log(`creates: ${count(rs, 202)} x 202, ${count(rs, 409)} x 409`);
  assert.equal(count(rs, 202), 1);
  assert.equal(count(rs, 409), N - 1);
  // The stored password is the winner's.
  const winner = rs.findIndex((r) => r.status === 202);
  const pulled = await client(w.url, 'puller')('GET', `${S}/contested/dockerconfigjson`);
  assert.equal(pulled.json.auths['r.example.com'].password, `pw-${winner}`);
});

test(`${N} concurrent PATCHes with the same If-Match: exactly one 202, ${N - 1} 412`, async () => {
  const g = await viewer('GET', `${S}/contested`);
  const tag = g.headers.get('etag');
  assert.equal(tag, '"1"');
  const patch = (i) => editor('PATCH', `${S}/contested`, { data: body('x', `patched-${i}`).data }, { 'if-match': tag });
  const rs = await Promise.all(Array.from({ length: N }, (_, i) => patch(i)));
  console.log(`patches: ${count(rs, 202)} x 202, ${count(rs, 412)} x 412`);
  assert.equal(count(rs, 202), 1);
  assert.equal(count(rs, 412), N - 1);
  assert.match(rs.find((r) => r.status === 412).json.error.message, /version 2/);
  assert.equal((await viewer('GET', `${S}/contested`)).headers.get('etag'), '"2"');
});

test('a mixed concurrent run loses no acknowledged write', async () => {
  const writers = 20;
  const acked = new Map(); // name -> expected state after the run
  await Promise.all(Array.from({ length: writers }, async (_, i) => {
    const name = `mixed-${i}`;
    let tag = null;
    for (let round = 0; round < 5; round++) {
      const op = round === 0 ? 'create' : (round === 4 && i % 3 === 0 ? 'delete' : 'modify');
      let r;
      if (op === 'create') r = await editor('POST', S, body(name, `v${round}`));
      else if (op === 'modify') r = await editor('PATCH', `${S}/${name}`, { data: body(name, `v${round}`).data }, { 'if-match': tag });
      else r = await editor('DELETE', `${S}/${name}`, undefined, { 'if-match': tag });
      assert.ok([200, 202].includes(r.status), `${op} ${name}: ${r.text}`);
      tag = r.headers.get('etag');
      acked.set(name, op === 'delete' ? null : { password: `v${round}`, etag: tag });
    }
  }));
  let lost = 0;
  for (const [name, want] of acked) {
    const g = await viewer('GET', `${S}/${name}`);
    if (want === null) { if (g.status !== 404) lost++; continue; }
    const p = await client(w.url, 'puller')('GET', `${S}/${name}/dockerconfigjson`);
    if (g.headers.get('etag') !== want.etag || p.json?.auths['r.example.com'].password !== want.password) lost++;
  }
  console.log(`mixed: ${writers} writers, ${writers * 5} acknowledged writes, ${lost} lost`);
  assert.equal(lost, 0);
});
