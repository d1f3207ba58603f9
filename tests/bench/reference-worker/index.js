// Benchmark reference for tests/bench/throughput.mjs: the create/get/list
// routes of regcred as a plain JavaScript worker, with the same KV layout,
// envelope, metadata and answer shapes (worker/src/secrets.rs, crypto.rs).
// It does the work ours does on these routes and nothing more, so the
// throughput ratio measures our implementation, not a different design:
// like ours, a pull by name is served by the secret's own Durable Object
// (never stale), which decrypts it and writes the pull's audit record.
// Not a product: minimal validation, no versions.

const S = '/v2/admin/dockerRegistrySecrets';
const PREFIX = 'secret:';
const KV_PAGE = 1000;
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,251}[a-z0-9])?$/;

let config; // parsed once per isolate: JS workers naturally keep module state
async function load(env) {
  if (config) return config;
  const tokens = new Map();
  for (const part of env.REGCRED_TOKENS.split(',')) {
    const [label, role, token] = part.trim().split(':');
    tokens.set(token, { label, role });
  }
  const [kid, hex] = env.REGCRED_KEYS.split(',')[0].trim().split(':');
  const raw = new Uint8Array(hex.match(/../g).map((h) => parseInt(h, 16)));
  const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
  return (config = { tokens, kid, key });
}

const b64 = (bytes) => btoa(String.fromCharCode(...bytes));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
// Ours binds the version too (envelope v2); the cost is the same.
const aad = (name, version = 1) => new TextEncoder().encode(`regcred/v2/secret/${name}/${version}`);

function reply(status, body, extra = {}) {
  const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json', 'x-request-id': id,
      'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra,
    },
  });
}
const fail = (status, code, message) => reply(status, { error: { code, message } });

// SecretStatus: optional fields are left out, as serde's skip_serializing_if does.
function status(name, m) {
  const s = { name, registries: m.r ?? [], createdAt: m.c ?? '', modifiedAt: m.m ?? '' };
  if (m.e) s.expiresAt = m.e;
  if (m.k) s.keyId = m.k;
  // Like ours since scheduled checks: the last check's health, unchecked until one ran.
  s.health = m.h?.health ?? { status: 'unchecked', message: 'not checked yet; the next scheduled run checks it' };
  return s;
}

async function open(cfg, name, value) {
  const env = JSON.parse(value);
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: unb64(env.nonce), additionalData: aad(name) }, cfg.key, unb64(env.ct));
  return new TextDecoder().decode(plain);
}

async function create(req, env, cfg) {
  const body = await req.json().catch(() => null);
  const name = body?.name;
  if (typeof name !== 'string' || !NAME.test(name)) return fail(400, 'InvalidSecretName', 'bad name');
  let auths;
  try { auths = JSON.parse(body.data['.dockerconfigjson']).auths; } catch { /* refused below */ }
  if (!auths || typeof auths !== 'object' || !Object.keys(auths).length) {
    return fail(400, 'InvalidDockerConfigJson', 'bad .dockerconfigjson');
  }
  const text = body.data['.dockerconfigjson'];
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: aad(name) }, cfg.key, new TextEncoder().encode(text)));
  const envelope = JSON.stringify({ v: 2, kid: cfg.kid, nonce: b64(nonce), ct: b64(ct) });
  const now = new Date().toISOString();
  const metadata = { r: Object.keys(auths).sort(), c: now, m: now, x: 0, v: 1, k: cfg.kid };
  await env.SECRETS.put(PREFIX + name, envelope, { metadata });
  await objectOf(env, name).fetch('https://object/', { method: 'PUT', body: JSON.stringify({ value: envelope, metadata }) });
  return reply(202, { message: 'Secret has been created' }, { location: `${S}/${name}`, etag: '"1"' });
}

async function get(name, env, cfg) {
  if (!NAME.test(name)) return fail(400, 'InvalidSecretName', 'bad name');
  const { value, metadata } = await env.SECRETS.getWithMetadata(PREFIX + name);
  if (value === null) return fail(404, 'NotFound', `there is no docker registry secret named "${name}"`);
  const s = status(name, metadata ?? {});
  // Like ours, the value is decrypted on every get: it shows each registry's
  // username (the registries too when the metadata had to drop some).
  const auths = JSON.parse(await open(cfg, name, value)).auths;
  const servers = Object.keys(auths).sort();
  if (metadata?.x > 0) s.registries = servers;
  s.users = servers.map((registry) => {
    const e = auths[registry];
    const u = { registry, username: e.username ?? atob(e.auth ?? '').split(':')[0] };
    if (e.email) u.email = e.email;
    return u;
  });
  return reply(200, s, { etag: `"${metadata?.v ?? 1}"` });
}

async function list(url, env) {
  const top = Number(url.searchParams.get('$top') ?? Infinity);
  // Ours asks for a full KV page and stops when it has $top; with <= 1000 secrets that is one call.
  const page = await env.SECRETS.list({ prefix: PREFIX, limit: KV_PAGE });
  const resources = page.keys.slice(0, top).map((k) => status(k.name.slice(PREFIX.length), k.metadata ?? {}));
  return reply(200, { count: resources.length, resources });
}

const objectOf = (env, name) => env.OBJECTS.get(env.OBJECTS.idFromName(`secret:${name}`));

// A secret's own object: its record, and the pull it serves.
export class SecretObject {
  constructor(state, env) {
    this.state = state;
    this.env = env;
  }

  async fetch(req) {
    if (req.method === 'PUT') {
      await this.state.storage.put('record', await req.json());
      return new Response('ok');
    }
    const cfg = await load(this.env);
    const name = new URL(req.url).pathname.split('/')[4];
    const record = await this.state.storage.get('record');
    if (!record) return fail(404, 'NotFound', `there is no docker registry secret named "${name}"`);
    const text = await open(cfg, name, record.value);
    // Ours records every puller read in the audit trail.
    const now = Date.now();
    const event = { time: new Date(now).toISOString(), actor: req.headers.get('x-actor'), action: 'pull', secret: name, outcome: 'success', status: 200 };
    await this.env.SECRETS.put(`audit:${9999999999999 - now}:${crypto.randomUUID()}`, JSON.stringify(event), { metadata: event, expirationTtl: 90 * 86400 });
    const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
    if (record.metadata?.e) headers['expires-at'] = record.metadata.e;
    return new Response(text, { status: 200, headers });
  }
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    if (url.pathname === '/v2/health') return reply(200, { status: 'ok', version: 'reference' });
    const cfg = await load(env);
    const bearer = req.headers.get('authorization')?.match(/^Bearer (.+)$/)?.[1];
    const who = bearer && cfg.tokens.get(bearer);
    if (!who) return fail(401, 'Unauthorized', 'a valid API token is required');
    const write = req.method === 'POST';
    const rest = url.pathname.startsWith(S) ? url.pathname.slice(S.length) : null;
    if (rest?.endsWith('/dockerconfigjson') && req.method === 'GET') {
      if (!['puller', 'editor'].includes(who.role)) return fail(403, 'Forbidden', 'wrong role');
      const name = rest.split('/')[1];
      if (!NAME.test(name)) return fail(400, 'InvalidSecretName', 'bad name');
      return objectOf(env, name).fetch(req.url, { headers: { 'x-actor': who.label } });
    }
    if (!(who.role === 'editor' || (who.role === 'viewer' && !write))) return fail(403, 'Forbidden', 'wrong role');
    if (rest === '' && req.method === 'GET') return list(url, env);
    if (rest === '' && write) return create(req, env, cfg);
    if (rest?.startsWith('/') && req.method === 'GET') return get(rest.slice(1), env, cfg);
    return fail(404, 'NotFound', `there is no API route ${url.pathname}`);
  },
};
