//! The only place that knows workers-rs: converts its request into ours,
//! runs the app with KV and the configured secrets, converts the answer
//! back. Nothing here may panic.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use shared::api::MAX_BODY_BYTES;
use shared::login::{ProbeRequest, ProbeResponse};
use wasm_bindgen::JsCast;
use worker::js_sys::futures::JsFuture;
use worker::{event, Context, Env, Headers, Request as WRequest, Response as WResponse, Result};

use crate::app::{self, Ctx};
use crate::config::Config;
use crate::durable::ObjectStorage;
use crate::http::{Method, Request, Response, READ_HEADERS};
use crate::kv::Kv;
use crate::store::{ListPage, Store, StoreError, Stored, WriteThrough};

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

#[event(fetch)]
async fn fetch(req: WRequest, env: Env, _ctx: Context) -> Result<WResponse> {
    // An oversized write is refused (413) before any store is touched, so it
    // is answered here: forwarding a body nobody reads breaks the next
    // request to the Durable Object.
    if app::writes_secret(method_of(&req), &req.path()) && declared_length(&req) <= MAX_BODY_BYTES {
        return match forward_to_writer(req, &env).await {
            Ok(resp) => Ok(resp),
            Err(_) => to_worker(crate::http::finish(
                Response::error(shared::api::ApiError::new(
                    shared::api::ErrorCode::InternalError,
                    format!("the write could not reach the {WRITER_BINDING} Durable Object; check wrangler.toml and try again"),
                )),
                &new_request_id(),
            )),
        };
    }
    match Kv::from_env(&env, KV_BINDING) {
        Some(kv) => serve(req, &env, &EdgeStore::Kv(&kv)).await,
        None => to_worker(crate::http::finish(
            Response::error(shared::api::ApiError::new(
                shared::api::ErrorCode::InternalError,
                format!("the worker has no KV binding named {KV_BINDING}; check wrangler.toml"),
            )),
            &new_request_id(),
        )),
    }
}

/// One Durable Object instance for all secrets: it orders every write.
async fn forward_to_writer(req: WRequest, env: &Env) -> Result<WResponse> {
    let stub = env
        .durable_object(WRITER_BINDING)?
        .id_from_name("secrets")?
        .get_stub()?;
    stub.fetch_with_request(req).await
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
            EdgeStore::Kv(s) => s.put(key, value, metadata).await,
            EdgeStore::Through(s) => s.put(key, value, metadata).await,
        }
    }

    async fn delete(&self, key: &str) -> std::result::Result<(), StoreError> {
        match self {
            EdgeStore::Kv(s) => s.delete(key).await,
            EdgeStore::Through(s) => s.delete(key).await,
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

/// Runs the app for one request: KV for reads in the worker, write-through
/// storage inside the Durable Object.
pub async fn serve(mut req: WRequest, env: &Env, store: &EdgeStore<'_>) -> Result<WResponse> {
    let request_id = new_request_id();
    let method = method_of(&req);
    let (path, query) = crate::http::split_url(&req.inner().url());
    // Walking all headers crosses from wasm to JS several times per header.
    let headers: Vec<(String, String)> = READ_HEADERS
        .iter()
        .filter_map(|name| {
            let value = req.headers().get(name).ok().flatten()?;
            Some(((*name).to_owned(), value))
        })
        .collect();
    let (body, body_oversize) = if declared_length(&req) > MAX_BODY_BYTES {
        (Vec::new(), true)
    } else if method == Method::Get {
        // No route reads a GET body; awaiting an empty one costs a promise.
        (Vec::new(), false)
    } else {
        (req.bytes().await.unwrap_or_default(), false)
    };
    let ours = Request {
        method,
        path,
        query,
        headers,
        body,
        body_oversize,
        request_id,
    };
    let config = config(env);
    let random = |buf: &mut [u8]| getrandom::fill(buf).is_ok();
    let fetch = |req: ProbeRequest| -> Pin<Box<dyn Future<Output = ProbeResponse>>> {
        Box::pin(outbound(req))
    };
    let ctx = Ctx {
        store,
        config: &config,
        now: now_rfc3339(),
        random: &random,
        fetch: &fetch,
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
            Rc::new(Config::from_env(|name| {
                env.secret(name)
                    .map(|s| s.to_string())
                    .or_else(|_| env.var(name).map(|v| v.to_string()))
                    .ok()
            }))
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
