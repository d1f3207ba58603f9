//! The fetch handler: converts workers-rs's request into ours, runs the
//! front-door checks and the app with KV and the configured secrets, hands
//! writes to the Durable Object, converts the answer back. With `kv.rs`,
//! `ratelimit.rs` and `durable.rs`, the only code that knows workers-rs.
//! Nothing here may panic.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use shared::api::MAX_BODY_BYTES;
use shared::login::{ProbeRequest, ProbeResponse};
use wasm_bindgen::JsCast;
use worker::js_sys::futures::JsFuture;
use worker::js_sys::{Reflect, Uint8Array};
use worker::{event, Context, Env, Headers, Request as WRequest, Response as WResponse, Result};

use crate::app::{self, Ctx, Gate};
use crate::audit::Attempt;
use crate::config::Config;
use crate::durable::ObjectStorage;
use crate::http::{Method, Request, Response, READ_HEADERS};
use crate::kv::Kv;
use crate::ratelimit::RateLimiter;
use crate::store::{ListPage, Store, StoreError, Stored, WriteThrough};
use crate::throttle::FailureBudget;

pub const KV_BINDING: &str = "SECRETS";

/// The Durable Object binding that serializes writes (see `durable.rs`).
pub const WRITER_BINDING: &str = "WRITER";

fn method_of(req: &WRequest) -> Method {
    match req.method() {
        worker::Method::Get => Method::Get,
        worker::Method::Post => Method::Post,
        worker::Method::Patch => Method::Patch,
        worker::Method::Delete => Method::Delete,
        _ => Method::Other,
    }
}

/// The declared body length, if any.
fn declared_length(req: &WRequest) -> usize {
    req.headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The Rate Limiting binding for failed authentications (`wrangler.toml`).
pub const AUTH_LIMIT_BINDING: &str = "AUTH_FAILURES";

thread_local! {
    /// The isolate's own budget: used when the binding is missing or fails.
    static FALLBACK_BUDGET: FailureBudget =
        FailureBudget::per_minute(crate::throttle::DEFAULT_FAILURES_PER_MINUTE);
}

/// Every check the request head and body decide runs here, in the fetch
/// handler: method, route, token (failures rate limited per address),
/// role, body size (read with a cap, chunked or not, every method) and
/// content type. Only a write that passes them all reaches the Durable
/// Object, with the body already read, so nothing unauthenticated or slow
/// ever holds its lock.
#[event(fetch)]
async fn fetch(req: WRequest, env: Env, _ctx: Context) -> Result<WResponse> {
    let Some(kv) = Kv::from_env(&env, KV_BINDING) else {
        return internal(format!(
            "the worker has no KV binding named {KV_BINDING}; check wrangler.toml"
        ));
    };
    let store = EdgeStore::Kv(&kv);
    let limiter = RateLimiter::from_env(&env, AUTH_LIMIT_BINDING).map(Rc::new);
    let throttle = move |address: &str| -> Pin<Box<dyn Future<Output = bool>>> {
        let limiter = limiter.clone();
        let address = address.to_owned();
        Box::pin(async move {
            let spent = match limiter {
                Some(l) => l.spend(&address).await,
                None => None,
            };
            spent.unwrap_or_else(|| {
                FALLBACK_BUDGET.with(|b| b.spend(&address, worker::Date::now().as_millis() as i64))
            })
        })
    };
    let config = config(&env);
    let random = |buf: &mut [u8]| getrandom::fill(buf).is_ok();
    let fetch = |req: ProbeRequest| -> Pin<Box<dyn Future<Output = ProbeResponse>>> {
        Box::pin(outbound(req))
    };
    let ctx = Ctx {
        store: &store,
        config: &config,
        now: now_rfc3339(),
        random: &random,
        fetch: &fetch,
        throttle: &throttle,
    };
    let mut ours = head_of(&req);
    let mut attempt = Attempt::of(&ours);
    let resp = match app::admit(&ours, &ctx, &mut attempt).await {
        Gate::Answer(r) => r,
        Gate::Admitted(admitted) => {
            (ours.body, ours.body_oversize) = read_body(&req, ours.method).await;
            match app::check_body(&admitted, &ours) {
                Err(r) => r,
                Ok(()) if admitted.writes_secret() => {
                    return match forward_to_writer(&req, &ours, &env).await {
                        Ok(resp) => Ok(resp),
                        Err(_) => internal(format!(
                            "the write could not reach the {WRITER_BINDING} Durable Object; check wrangler.toml and try again"
                        )),
                    };
                }
                Ok(()) => app::serve(&admitted, &ours, &ctx, &mut attempt).await,
            }
        }
    };
    to_worker(app::conclude(resp, &attempt, &ours, &ctx).await)
}

fn internal(message: String) -> Result<WResponse> {
    to_worker(crate::http::finish(
        Response::error(shared::api::ApiError::new(
            shared::api::ErrorCode::InternalError,
            message,
        )),
        &new_request_id(),
    ))
}

/// Our request without its body: method, path, query and the read headers.
fn head_of(req: &WRequest) -> Request {
    let (path, query) = crate::http::split_url(&req.inner().url());
    // Walking all headers crosses from wasm to JS several times per header.
    let headers: Vec<(String, String)> = READ_HEADERS
        .iter()
        .filter_map(|name| {
            let value = req.headers().get(name).ok().flatten()?;
            Some(((*name).to_owned(), value))
        })
        .collect();
    Request {
        method: method_of(req),
        path,
        query,
        headers,
        body: Vec::new(),
        body_oversize: false,
        request_id: new_request_id(),
    }
}

/// The body, read chunk by chunk and given up past `MAX_BODY_BYTES`
/// whatever `Content-Length` says (or whether it is sent at all). GET
/// bodies are not read: no GET route has one, and awaiting costs a promise.
async fn read_body(req: &WRequest, method: Method) -> (Vec<u8>, bool) {
    if declared_length(req) > MAX_BODY_BYTES {
        return (Vec::new(), true);
    }
    if method == Method::Get {
        return (Vec::new(), false);
    }
    let Some(stream) = req.inner().body() else {
        return (Vec::new(), false);
    };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        let Ok(chunk) = JsFuture::from(reader.read()).await else {
            // The client went away mid-body: what arrived is not the request.
            return (Vec::new(), false);
        };
        let done = Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            return (body, false);
        }
        let Some(bytes) = Reflect::get(&chunk, &"value".into())
            .ok()
            .and_then(|v| v.dyn_into::<Uint8Array>().ok())
        else {
            return (Vec::new(), false);
        };
        if body.len() + bytes.length() as usize > MAX_BODY_BYTES {
            let _ = reader.cancel();
            return (Vec::new(), true);
        }
        body.extend_from_slice(&bytes.to_vec());
    }
}

/// One Durable Object instance for all secrets: it orders every write. It
/// gets a new request with the body already read, so it never waits on a
/// client.
async fn forward_to_writer(original: &WRequest, ours: &Request, env: &Env) -> Result<WResponse> {
    let headers = web_sys::Headers::new()?;
    for (name, value) in &ours.headers {
        if name != "content-length" {
            headers.set(name, value)?;
        }
    }
    let init = web_sys::RequestInit::new();
    init.set_method(&original.inner().method());
    init.set_headers(&headers);
    if !ours.body.is_empty() {
        init.set_body(&Uint8Array::from(ours.body.as_slice()));
    }
    let request = web_sys::Request::new_with_str_and_init(&original.inner().url(), &init)?;
    let stub = env
        .durable_object(WRITER_BINDING)?
        .id_from_name("secrets")?
        .get_stub()?;
    stub.fetch_with_request(WRequest::from(request)).await
}

/// The stores of the two entry points as one type, so the app (generic over
/// its store) is compiled into the wasm once rather than twice.
pub enum EdgeStore<'a> {
    /// Reads, in the worker.
    Kv(&'a Kv),
    /// Writes, inside the Durable Object.
    Through(WriteThrough<'a, ObjectStorage, Kv>),
}

impl Store for EdgeStore<'_> {
    async fn get(&self, key: &str) -> std::result::Result<Option<Stored>, StoreError> {
        match self {
            EdgeStore::Kv(s) => s.get(key).await,
            EdgeStore::Through(s) => s.get(key).await,
        }
    }

    async fn put(
        &self,
        key: &str,
        value: &str,
        metadata: &serde_json::Value,
    ) -> std::result::Result<(), StoreError> {
        match self {
            EdgeStore::Kv(_) if is_secret(key) => Err(bypass()),
            EdgeStore::Kv(s) => s.put(key, value, metadata).await,
            EdgeStore::Through(s) => s.put(key, value, metadata).await,
        }
    }

    async fn put_expiring(
        &self,
        key: &str,
        value: &str,
        metadata: &serde_json::Value,
        ttl_secs: u64,
    ) -> std::result::Result<(), StoreError> {
        match self {
            EdgeStore::Kv(_) if is_secret(key) => Err(bypass()),
            EdgeStore::Kv(s) => s.put_expiring(key, value, metadata, ttl_secs).await,
            EdgeStore::Through(s) => s.put_expiring(key, value, metadata, ttl_secs).await,
        }
    }

    async fn delete(&self, key: &str) -> std::result::Result<(), StoreError> {
        match self {
            EdgeStore::Kv(_) if is_secret(key) => Err(bypass()),
            EdgeStore::Kv(s) => s.delete(key).await,
            EdgeStore::Through(s) => s.delete(key).await,
        }
    }

    async fn count(&self, prefix: &str, at_most: u64) -> std::result::Result<u64, StoreError> {
        match self {
            EdgeStore::Kv(s) => s.count(prefix, at_most).await,
            EdgeStore::Through(s) => s.count(prefix, at_most).await,
        }
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> std::result::Result<ListPage, StoreError> {
        match self {
            EdgeStore::Kv(s) => s.list(prefix, cursor, limit).await,
            EdgeStore::Through(s) => s.list(prefix, cursor, limit).await,
        }
    }
}

fn is_secret(key: &str) -> bool {
    key.starts_with(crate::secrets::PREFIX)
}

/// The edge path never writes a secret: only the Durable Object does.
fn bypass() -> StoreError {
    StoreError("a secret is written only through the Durable Object".into())
}

/// Runs every check and the handler for one request inside the Durable
/// Object, against write-through storage. The fetch handler already refused
/// what fails; the checks run again because they cost little and the object
/// must not trust what reaches it.
pub async fn serve(req: WRequest, env: &Env, store: &EdgeStore<'_>) -> Result<WResponse> {
    let mut ours = head_of(&req);
    (ours.body, ours.body_oversize) = read_body(&req, ours.method).await;
    let config = config(env);
    let random = |buf: &mut [u8]| getrandom::fill(buf).is_ok();
    let fetch = |req: ProbeRequest| -> Pin<Box<dyn Future<Output = ProbeResponse>>> {
        Box::pin(outbound(req))
    };
    // Failures never get this far; none is counted here.
    let throttle = |_: &str| -> Pin<Box<dyn Future<Output = bool>>> { Box::pin(async { true }) };
    let ctx = Ctx {
        store,
        config: &config,
        now: now_rfc3339(),
        random: &random,
        fetch: &fetch,
        throttle: &throttle,
    };
    to_worker(app::handle(&ours, &ctx).await)
}

thread_local! {
    static CONFIG: std::cell::OnceCell<Rc<std::result::Result<Config, String>>> =
        const { std::cell::OnceCell::new() };
}

/// The settings, read once per isolate: an isolate serves one deployment,
/// and `wrangler secret put` makes a new one. Parsing per request cost the
/// AES key schedules and the token table on every call.
fn config(env: &Env) -> Rc<std::result::Result<Config, String>> {
    CONFIG.with(|cell| {
        cell.get_or_init(|| {
            let parsed = Config::from_env(|name| {
                env.secret(name)
                    .map(|s| s.to_string())
                    .or_else(|_| env.var(name).map(|v| v.to_string()))
                    .ok()
            });
            // Callers are told only that it is broken; the operator reads why here.
            if let Err(e) = &parsed {
                worker::console_error!("regcred is not configured: {e}");
            }
            Rc::new(parsed)
        })
        .clone()
    })
}

/// Outbound requests of the login check get this long, all told.
const OUTBOUND_TIMEOUT_MS: u32 = 10_000;
/// A registry's `/v2/` answer is tiny; more is not read.
const MAX_OUTBOUND_BODY: usize = 64 * 1024;

/// One outbound GET with a bounded time; every failure becomes `Failed`.
async fn outbound(req: ProbeRequest) -> ProbeResponse {
    let fail = |e: worker::Error| {
        let text = e.to_string();
        let why = if text.to_ascii_lowercase().contains("abort") || text.contains("timeout") {
            format!(
                "no answer within {} s (timeout)",
                OUTBOUND_TIMEOUT_MS / 1000
            )
        } else {
            text
        };
        ProbeResponse::Failed(why)
    };
    // web-sys directly: worker::RequestInit drags in serializers for
    // Cloudflare's image options, which a GET to a registry never uses.
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    let headers = match web_sys::Headers::new() {
        Ok(h) => h,
        Err(e) => return fail(e.into()),
    };
    for (k, v) in &req.headers {
        if let Err(e) = headers.set(k, v) {
            return fail(e.into());
        }
    }
    init.set_headers(&headers);
    init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(
        OUTBOUND_TIMEOUT_MS,
    )));
    let request = match web_sys::Request::new_with_str_and_init(&req.url, &init) {
        Ok(r) => r,
        Err(e) => return fail(e.into()),
    };
    let global: web_sys::WorkerGlobalScope = worker::js_sys::global().unchecked_into();
    let answer = JsFuture::from(global.fetch_with_request(&request))
        .await
        .and_then(|r| r.dyn_into::<web_sys::Response>());
    let mut resp = match answer {
        Ok(r) => WResponse::from(r),
        Err(e) => return fail(e.into()),
    };
    let headers = resp
        .headers()
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let mut body = resp.text().await.unwrap_or_default();
    if body.len() > MAX_OUTBOUND_BODY {
        let mut cut = MAX_OUTBOUND_BODY;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
    }
    ProbeResponse::Answer {
        status: resp.status_code(),
        headers,
        body,
    }
}

fn to_worker(resp: Response) -> Result<WResponse> {
    let headers = Headers::new();
    for (name, value) in &resp.headers {
        headers.set(name, value)?;
    }
    Ok(WResponse::from_bytes(resp.body)?
        .with_status(resp.status)
        .with_headers(headers))
}

fn now_rfc3339() -> String {
    worker::js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// 128 random bits as hex; falls back to the clock if randomness is refused.
fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        let now = worker::Date::now().as_millis();
        bytes[..8].copy_from_slice(&now.to_le_bytes());
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}
