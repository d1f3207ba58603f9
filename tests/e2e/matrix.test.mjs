// The auth matrix: every route of the served OpenAPI document × every kind
// of caller (no token, a bad one, each role, scoped tokens, a revoked and an
// expired token, a Cloudflare Access user, workloads signing in with their
// own OIDC token: scoped, unscoped, matched by no rule, badly signed),
// against the real worker in
// workerd. Each answer is checked against what the role, the scope and the
// route say it must be, and no answer outside the caller's scope holds that
// secret's name or password.
import assert from 'node:assert/strict';
import { generateKeyPairSync, createSign } from 'node:crypto';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { client, dockerconfig, freePort, startWorker } from './harness.mjs';

const S = '/v2/admin/dockerRegistrySecrets';
const AUD = 'matrix-aud';
// Registries on closed loopback ports: the login check fails fast, locally.
const INSIDE = { name: 'team-a-app', registry: '127.0.0.1:9', password: 'inside-Pa55word' };
const OUTSIDE = { name: 'other-app', registry: '127.0.0.2:9', password: 'outside-Pa55word' };

let w, keys, team, tokens = {}, jwt;

function b64url(x) {
  return Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
}

/** Serves the JWKs an Access team domain would, on loopback. */
async function serveKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'matrix-key', alg: 'RS256', use: 'sig' };
  const port = await freePort();
  const domain = `http://127.0.0.1:${port}`;
  // Also a workload issuer: its discovery document and the same key set.
  const server = http.createServer((req, res) => {
    const known = ['/cdn-cgi/access/certs', '/jwks', '/.well-known/openid-configuration'].includes(req.url);
    res.writeHead(known ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/.well-known/openid-configuration' ? { issuer: domain, jwks_uri: `${domain}/jwks` } : { keys: [jwk] }));
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { server, privateKey, domain };
}

/** A workload's OIDC token from the loopback issuer; `key` signs it. */
function workloadToken(sub, key = team.privateKey) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64url({ alg: 'RS256', kid: 'matrix-key', typ: 'JWT' })}.${b64url({
    aud: 'regcred', iss: team.domain, sub, iat: now, nbf: now - 5, exp: now + 3600,
  })}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

function mint(email) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64url({ alg: 'RS256', kid: 'matrix-key', typ: 'JWT' })}.${b64url({
    aud: [AUD], iss: team.domain, email, sub: email, iat: now, nbf: now - 5, exp: now + 3600,
  })}`;
  const sig = createSign('RSA-SHA256').update(input).sign(team.privateKey);
  return `${input}.${sig.toString('base64url')}`;
}

before(async () => {
  team = await serveKeys();
  w = await startWorker({
    vars: {
      REGCRED_ACCESS_TEAM_DOMAIN: team.domain,
      REGCRED_ACCESS_AUD: AUD,
      REGCRED_ACCESS_ROLES: 'alice@example.com:editor',
      REGCRED_ALLOW_HTTP_LOOPBACK: 'true',
    },
  });
  const editor = client(w.url, 'editor');
  for (const s of [INSIDE, OUTSIDE]) {
    const r = await editor('POST', S, { name: s.name, data: { '.dockerconfigjson': dockerconfig(s.registry, 'u', s.password) } });
    assert.equal(r.status, 202, r.text);
  }
  const admin = client(w.url, 'admin');
  const make = async (label, role, extra = {}) => {
    const r = await admin('POST', '/v2/admin/tokens', { label, role, ...extra });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.token, /^rc_[0-9a-f]{48}$/);
    return r.json;
  };
  tokens.scopedPuller = (await make('scoped-puller', 'puller', { scope: ['team-a-*'] })).token;
  tokens.scopedEditor = (await make('scoped-editor', 'editor', { scope: ['team-a-*'] })).token;
  const revoked = await make('revoked', 'editor');
  assert.equal((await admin('DELETE', `/v2/admin/tokens/${revoked.id}`)).status, 202);
  tokens.revoked = revoked.token;
  const soon = new Date(Date.now() + 2500).toISOString();
  tokens.expired = (await make('expired', 'editor', { expiresAt: soon })).token;
  jwt = mint('alice@example.com');
  const rule = async (label, sub, role, scope) => {
    const r = await admin('POST', '/v2/admin/workloadIdentities', { label, issuer: team.domain, audience: 'regcred', claims: { sub }, role, ...(scope ? { scope } : {}) });
    assert.equal(r.status, 201, r.text);
  };
  await rule('ci pulls team a', 'repo:acme/*', 'puller', ['team-a-*']);
  await rule('build pods view', 'system:serviceaccount:matrix:*', 'viewer');
  tokens.workloadPuller = workloadToken('repo:acme/web');
  tokens.workloadViewer = workloadToken('system:serviceaccount:matrix:builder');
  tokens.workloadNoRule = workloadToken('repo:someone/else');
  tokens.workloadForged = workloadToken('repo:acme/web', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  // Past the expiry (whole seconds) before the matrix runs.
  await new Promise((r) => setTimeout(r, 4000));
});
after(async () => {
  await w?.stop();
  team?.server.close();
});

// Who calls, and what each may do: the role's rights, and the scope.
const CALLERS = {
  none: { auth: false },
  bad: { auth: false, token: `rc_${'0'.repeat(48)}` },
  viewer: { role: 'viewer', token: 'viewer' },
  editor: { role: 'editor', token: 'editor' },
  puller: { role: 'puller', token: 'puller' },
  admin: { role: 'admin', token: 'admin' },
  scopedPuller: { role: 'puller', scoped: true },
  scopedEditor: { role: 'editor', scoped: true },
  revoked: { auth: false },
  expired: { auth: false },
  access: { role: 'editor', access: true },
  workloadPuller: { role: 'puller', scoped: true },
  workloadViewer: { role: 'viewer' },
  // Valid, but no rule matches: every route that needs a caller is a 403.
  workloadNoRule: { noRule: true },
  workloadForged: { auth: false },
};
const RIGHTS = {
  list: ['viewer', 'editor', 'admin'],
  write: ['editor', 'admin'],
  pull: ['puller'],
  // Managing tokens and keys.
  tokens: ['admin'],
  any: ['viewer', 'editor', 'puller', 'admin'],
};

/** Calls `method path` as `who`; failing callers come from their own address each time. */
let calls = 0;
async function call(who, method, path, body, headers = {}) {
  const c = CALLERS[who];
  const h = { ...headers };
  // Keeps the failures per address under the limit: the matrix tests auth, not the limiter.
  h['cf-connecting-ip'] = `127.9.${Math.floor(calls / 250)}.${calls % 250}`;
  calls++;
  if (c.access) h['cf-access-jwt-assertion'] = jwt;
  const token = c.token ?? tokens[who] ?? null;
  return client(w.url, token)(method, path, body, h);
}

// Each documented operation: which right it needs, what it answers when
// allowed, and the secret it concerns (scoped callers see only INSIDE).
function cases(doc) {
  const out = [];
  const dcj = (s) => ({ data: { '.dockerconfigjson': dockerconfig(s.registry, 'u', s.password) } });
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) {
      const op = `${method.toUpperCase()} ${p}`;
      const secrets = p.includes('{dockerRegistryName}') ? [INSIDE, OUTSIDE] : [null];
      for (const s of secrets) {
        const path = p.replace('{dockerRegistryName}', s?.name ?? '').replace('{id}', '0123456789abcdef').replace('{version}', '1');
        const c = { op, method: method.toUpperCase(), path, secret: s };
        switch (op) {
          case 'GET /v2/health': case 'GET /v2/openapi.json': out.push({ ...c, right: null, ok: 200 }); break;
          case 'GET /v2/session': out.push({ ...c, right: 'any', ok: 200 }); break;
          case `GET ${S}`: case 'GET /v2/admin/resourceQuota/dockerRegistrySecrets':
            out.push({ ...c, right: 'list', ok: 200 }); break;
          case `POST ${S}`:
            for (const target of [INSIDE, OUTSIDE]) {
              out.push({ ...c, secret: target, right: 'write', ok: 202, outsideStatus: 403,
                // Another registry: the by-registry cases stay unambiguous.
                body: (who) => ({ name: `${target.name}-new-${who.toLowerCase()}`, ...dcj({ ...target, registry: '127.0.0.3:9' }) }) });
            }
            break;
          case `GET ${S}/{dockerRegistryName}`: out.push({ ...c, right: 'list', ok: 200 }); break;
          case `PATCH ${S}/{dockerRegistryName}`: out.push({ ...c, right: 'write', ok: 202, body: () => ({ expiresAt: null }) }); break;
          // A stale If-Match: the secret stays for the next caller.
          case `DELETE ${S}/{dockerRegistryName}`: out.push({ ...c, right: 'write', ok: 412, headers: { 'if-match': '"999"' } }); break;
          case `GET ${S}/{dockerRegistryName}/dockerconfigjson`: out.push({ ...c, right: 'pull', ok: 200 }); break;
          case `POST ${S}/{dockerRegistryName}/check`: out.push({ ...c, right: 'write', ok: 200 }); break;
          case `GET ${S}/{dockerRegistryName}/checks`: out.push({ ...c, right: 'list', ok: 200 }); break;
          case 'GET /v2/admin/health': out.push({ ...c, right: 'list', ok: 200 }); break;
          // A receiver on a closed loopback port: nothing ever reaches past loopback.
          case 'POST /v2/admin/webhooks': out.push({ ...c, right: 'tokens', ok: 201, body: () => ({ url: 'http://127.0.0.1:9/hook', events: ['webhook.test'] }) }); break;
          case 'GET /v2/admin/webhooks': out.push({ ...c, right: 'tokens', ok: 200 }); break;
          case 'POST /v2/admin/workloadIdentities': out.push({ ...c, right: 'tokens', ok: 201, body: (who) => ({ label: `rule-${who}`.slice(0, 60), issuer: 'http://127.0.0.1:9', audience: 'regcred', claims: { sub: 'matrix:*' }, role: 'viewer' }) }); break;
          case 'GET /v2/admin/workloadIdentities': out.push({ ...c, right: 'tokens', ok: 200 }); break;
          case 'DELETE /v2/admin/workloadIdentities/{id}': out.push({ ...c, right: 'tokens', ok: 404 }); break;
          // No receiver has this id.
          case 'DELETE /v2/admin/webhooks/{id}': case 'POST /v2/admin/webhooks/{id}/test': case 'GET /v2/admin/webhooks/{id}/deliveries':
            out.push({ ...c, right: 'tokens', ok: 404 }); break;
          case 'POST /v2/admin/registryLoginChecks': out.push({ ...c, right: 'write', ok: 200, body: () => dcj(INSIDE) }); break;
          case 'GET /v2/admin/registryCredentials':
            for (const target of [INSIDE, OUTSIDE]) {
              out.push({ ...c, secret: target, path: `${path}?registry=${target.registry}`, right: 'pull', ok: 200 });
            }
            break;
          case 'GET /v2/admin/pullableRegistries': out.push({ ...c, right: 'pull', ok: 200 }); break;
          case 'GET /v2/admin/auditEvents': out.push({ ...c, right: 'write', ok: 200 }); break;
          case 'GET /v2/admin/tokens': out.push({ ...c, right: 'tokens', ok: 200 }); break;
          case 'POST /v2/admin/tokens': out.push({ ...c, right: 'tokens', ok: 201, body: (who) => ({ label: `made-by-${who}`, role: 'viewer' }) }); break;
          case 'DELETE /v2/admin/tokens/{id}': out.push({ ...c, right: 'tokens', ok: 404 }); break;
          case 'GET /v2/admin/encryptionKeys': out.push({ ...c, right: 'tokens', ok: 200 }); break;
          // A batch of one: nothing to rewrap (every secret is current), so nothing changes.
          case 'POST /v2/admin/encryptionKeys/rewrap': out.push({ ...c, path: `${path}?limit=1`, right: 'tokens', ok: 200 }); break;
          case `GET ${S}/{dockerRegistryName}/versions`: out.push({ ...c, right: 'list', ok: 200 }); break;
          // A stale If-Match: nothing changes.
          case `POST ${S}/{dockerRegistryName}/versions/{version}/restore`: out.push({ ...c, right: 'write', ok: 412, headers: { 'if-match': '"999"' } }); break;
          // The secret is live: nothing to undelete.
          case `POST ${S}/{dockerRegistryName}/undelete`: out.push({ ...c, right: 'write', ok: 409 }); break;
          // Drops kept versions only; the live one stays.
          case `POST ${S}/{dockerRegistryName}/purge`: out.push({ ...c, right: 'tokens', ok: 202 }); break;
          case 'GET /v2/admin/backup': out.push({ ...c, path: `${path}?limit=1`, right: 'tokens', ok: 200 }); break;
          // The store is not empty: refused before anything is written.
          case 'POST /v2/admin/restore': out.push({ ...c, right: 'tokens', ok: 409, body: () => ({ restoreId: 'matrix-restore', items: [], done: true }) }); break;
          default: throw new Error(`the matrix does not know ${op}: add it`);
        }
      }
    }
  }
  return out;
}

function expected(c, who) {
  const caller = CALLERS[who];
  if (c.right === null) return 200;
  if (caller.auth === false) return 401;
  if (caller.noRule) return 403;
  if (!RIGHTS[c.right].includes(caller.role)) return 403;
  if (caller.scoped && c.secret === OUTSIDE) return c.outsideStatus ?? 404;
  return c.ok;
}

test('every route × every kind of caller answers as role and scope say', async () => {
  const doc = (await client(w.url, null)('GET', '/v2/openapi.json')).json;
  const all = cases(doc);
  const failures = [];
  let n = 0;
  const refusals = {};
  for (const c of all) {
    for (const who of Object.keys(CALLERS)) {
      const r = await call(who, c.method, c.path, c.body?.(who), c.headers);
      n++;
      const want = expected(c, who);
      if (r.status !== want) failures.push(`${c.method} ${c.path} as ${who}: ${r.status}, want ${want}: ${r.text.slice(0, 200)}`);
      if (CALLERS[who].scoped || who === 'access') {
        const leak = r.text.includes(OUTSIDE.password) || (CALLERS[who].scoped && r.text.includes(OUTSIDE.name) && c.secret !== OUTSIDE);
        if (leak) failures.push(`${c.method} ${c.path} as ${who} shows what is outside its scope: ${r.text.slice(0, 200)}`);
      }
      if (want === 401) (refusals[`${c.method} ${c.path}`] ??= []).push({ who, error: { ...r.json?.error, requestId: 0 } });
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${n} answers are wrong`);
  // No token, a bad one, a revoked and an expired one all look the same.
  for (const [route, answers] of Object.entries(refusals)) {
    for (const a of answers) assert.deepEqual(a.error, answers[0].error, `${route}: ${a.who} vs ${answers[0].who}`);
  }
  console.log(`# auth matrix: ${all.length} route cases × ${Object.keys(CALLERS).length} callers = ${n} answers, all as expected`);
});

test('scoped lists and counts hold only the scope; sessions say role, scope and how', async () => {
  const list = await call('scopedEditor', 'GET', `${S}?$count=true`);
  assert.deepEqual(list.json.resources.map((r) => r.name).filter((n) => !n.includes('-new-')), [INSIDE.name]);
  assert.ok(list.json.resources.every((r) => r.name.startsWith('team-a-')), list.text);
  assert.equal(list.json.count, list.json.resources.length);
  const pullable = await call('scopedPuller', 'GET', '/v2/admin/pullableRegistries');
  assert.deepEqual([...new Set(pullable.json.resources.map((r) => r.secret))].filter((n) => !n.includes('-new-')), [INSIDE.name]);
  const me = await call('scopedPuller', 'GET', '/v2/session');
  assert.deepEqual(me.json, { label: 'scoped-puller', role: 'puller', scope: ['team-a-*'], via: 'managedToken' });
  const alice = await call('access', 'GET', '/v2/session');
  assert.deepEqual(alice.json, { label: 'alice@example.com', role: 'editor', via: 'access' });
  const env = await call('admin', 'GET', '/v2/session');
  assert.deepEqual(env.json, { label: 'test-admin', role: 'admin', via: 'environmentToken' });
  const create = await call('scopedEditor', 'POST', S, { name: 'elsewhere', data: { '.dockerconfigjson': dockerconfig(INSIDE.registry, 'u', 'p') } });
  assert.equal(create.status, 403);
  assert.match(create.json.error.message, /team-a-\*/);
});

test('the token list shows every managed token and never a token', async () => {
  const r = await call('admin', 'GET', '/v2/admin/tokens');
  assert.equal(r.status, 200);
  const labels = r.json.resources.map((t) => t.label);
  for (const l of ['scoped-puller', 'scoped-editor', 'expired']) assert.ok(labels.includes(l), `${l} in ${labels}`);
  assert.ok(!labels.includes('revoked'));
  for (const t of Object.values(tokens)) assert.ok(!r.text.includes(t), 'a token in the list');
  const used = r.json.resources.find((t) => t.label === 'scoped-puller');
  assert.match(used.lastUsed, /^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
});
