//! What both entry points (the fetch handler and the Durable Object) need
//! from the runtime: our request from its request (the body read with a
//! cap), the settings once per isolate, the clock, randomness, the login
//! check's outbound fetch, and its response from ours.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use shared::api::{ApiError, ErrorCode, MAX_BODY_BYTES};
use shared::login::{ProbeRequest, ProbeResponse};
use wasm_bindgen::JsCast;
use worker::js_sys::futures::JsFuture;
use worker::js_sys::{Reflect, Uint8Array};
use worker::{Env, Headers, Request as WRequest, Response as WResponse, Result};

use crate::config::Config;
use crate::http::{finish, Method, Request, Response, READ_HEADERS};

pub fn method_of(req: &WRequest) -> Method {
    match req.method() {
        worker::Method::Get => Method::Get,
        worker::Method::Post => Method::Post,
        worker::Method::Patch => Method::Patch,
        worker::Method::Delete => Method::Delete,
        _ => Method::Other,
    }
}

/// The declared body length, if any.
pub fn declared_length(req: &WRequest) -> usize {
    req.headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The answer for a broken deployment (a binding missing, the Durable
/// Object unreachable): a 500 whose message says what to check.
pub fn internal(message: String) -> Result<WResponse> {
    to_worker(finish(
        Response::error(ApiError::new(ErrorCode::InternalError, message)),
        &new_request_id(),
    ))
}

/// Our request without its body: method, path, query and the read headers.
pub fn head_of(req: &WRequest) -> Request {
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
pub async fn read_body(req: &WRequest, method: Method) -> (Vec<u8>, bool) {
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

/// Secure random bytes for `Ctx::random`.
pub fn random(buf: &mut [u8]) -> bool {
    getrandom::fill(buf).is_ok()
}

/// The login check's outbound fetch for `Ctx::fetch`.
pub fn fetch(req: ProbeRequest) -> Pin<Box<dyn Future<Output = ProbeResponse>>> {
    Box::pin(outbound(req))
}

thread_local! {
    static CONFIG: std::cell::OnceCell<Rc<std::result::Result<Config, String>>> =
        const { std::cell::OnceCell::new() };
}

/// The settings, read once per isolate: an isolate serves one deployment,
/// and `wrangler secret put` makes a new one. Parsing per request cost the
/// AES key schedules and the token table on every call.
pub fn config(env: &Env) -> Rc<std::result::Result<Config, String>> {
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

pub fn to_worker(resp: Response) -> Result<WResponse> {
    let headers = Headers::new();
    for (name, value) in &resp.headers {
        headers.set(name, value)?;
    }
    Ok(WResponse::from_bytes(resp.body)?
        .with_status(resp.status)
        .with_headers(headers))
}

pub fn now_rfc3339() -> String {
    worker::js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// 128 random bits as hex; falls back to the clock if randomness is refused.
pub fn new_request_id() -> String {
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
