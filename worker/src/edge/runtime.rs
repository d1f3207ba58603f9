//! What both entry points (the fetch handler and the Durable Object) need
//! from the runtime: our request from its request (the body read with a
//! cap), the settings once per isolate, the clock, randomness, the login
//! check's outbound fetch, and its response from ours.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use shared::api::{ApiError, ErrorCode};
use shared::fetch_failure::{from_runtime, wants_tcp_check};
use shared::login::{
    Failure, FailureKind, ProbeRequest, ProbeResponse, MAX_ANSWER_BYTES, REQUEST_TIMEOUT_MS,
};
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::futures::JsFuture;
use worker::js_sys::{Reflect, Uint8Array};
use worker::{Env, Response as WResponse, Result};

use crate::config::Config;
use crate::ctx::Now;
use crate::http::{finish, Method, Request, Response, READ_HEADERS};

/// The method as the client sent it: `req.method()` would turn every name
/// workers-rs does not know (QUERY, lowercase ones) into GET.
pub fn method_of(req: &web_sys::Request) -> Method {
    Method::parse(&req.method())
}

/// The declared body length, if any.
pub fn declared_length(req: &web_sys::Request) -> usize {
    req.headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The answer for a broken deployment (a binding missing, the Durable
/// Object unreachable): a 500 whose message says what to check.
pub fn internal(message: String) -> Result<web_sys::Response> {
    to_web(finish(
        Response::error(ApiError::new(ErrorCode::InternalError, message)),
        &new_request_id(),
    ))
}

/// Our request without its body: method, path, query and the read headers.
pub fn head_of(req: &web_sys::Request) -> Request {
    let (path, query) = crate::http::split_url(&req.url());
    // Walking all headers crosses from wasm to JS several times per header.
    let all = req.headers();
    let headers: Vec<(String, String)> = READ_HEADERS
        .iter()
        .filter_map(|name| {
            let value = all.get(name).ok().flatten()?;
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

/// The body, read chunk by chunk and given up past `cap`
/// whatever `Content-Length` says (or whether it is sent at all). GET
/// and HEAD bodies are not read: no GET route has one, and awaiting costs a
/// promise.
pub async fn read_body(req: &web_sys::Request, method: Method, cap: usize) -> (Vec<u8>, bool) {
    if declared_length(req) > cap {
        return (Vec::new(), true);
    }
    if matches!(method, Method::Get | Method::Head) {
        return (Vec::new(), false);
    }
    let Some(stream) = req.body() else {
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
        if body.len() + bytes.length() as usize > cap {
            drain(&reader).await;
            return (Vec::new(), true);
        }
        body.extend_from_slice(&bytes.to_vec());
    }
}

/// Reads the rest of an oversized body and drops it. Cancelling it
/// mid-way instead made the next request on wrangler's local proxy wait
/// for its client's timeout (15-30 s); read to its end, the connection is
/// ready for the next request at once. At most [`DRAIN_LIMIT`] more bytes:
/// past that the stream is cancelled after all.
async fn drain(reader: &web_sys::ReadableStreamDefaultReader) {
    let mut drained = 0usize;
    loop {
        let Ok(chunk) = JsFuture::from(reader.read()).await else {
            return;
        };
        let done = Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            return;
        }
        drained += Reflect::get(&chunk, &"value".into())
            .ok()
            .and_then(|v| v.dyn_into::<Uint8Array>().ok())
            .map_or(0, |b| b.length() as usize);
        if drained > DRAIN_LIMIT {
            let _ = reader.cancel();
            return;
        }
    }
}

/// How much of an oversized body is read and dropped before giving up.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

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

/// How long the TCP check after an ambiguous failure may take.
const TCP_CHECK_MS: i64 = 3_000;

/// One outbound GET, every failure a `Failed` of its kind:
/// - at most `REQUEST_TIMEOUT_MS`, and never past the request's deadline
///   (not sent at all once it has passed); the abort signal also ends a
///   body that trickles;
/// - redirects come back as answers (`redirect: "manual"`), never followed;
/// - the body is read as it streams and given up after
///   `MAX_ANSWER_BYTES` + 1 bytes (so the probe can tell it was cut);
/// - a TLS failure is told apart from a host name that does not resolve:
///   workerd reports both as an opaque "internal error" (the reason is in
///   its log), so a bare TCP connection decides (`tcp.rs`); Cloudflare's
///   edge answers 525/526 and 530 (error 1016), which the probe reads.
async fn outbound(req: ProbeRequest) -> ProbeResponse {
    let now = worker::Date::now().as_millis() as i64;
    let (timeout_ms, by_deadline) = match req.deadline_ms {
        Some(deadline) if deadline <= now => {
            return ProbeResponse::Failed(Failure::new(
                FailureKind::OutOfTime,
                "the login check's time was used up",
            ))
        }
        Some(deadline) if deadline - now < REQUEST_TIMEOUT_MS => (deadline - now, true),
        _ => (REQUEST_TIMEOUT_MS, false),
    };
    // The runtime's words decide the kind, in shared (`fetch_failure`).
    let fail = |e: worker::Error| {
        ProbeResponse::Failed(from_runtime(&req.url, &e.to_string(), None, by_deadline))
    };
    // web-sys directly: worker::RequestInit drags in serializers for
    // Cloudflare's image options, which a GET to a registry never uses.
    let init = web_sys::RequestInit::new();
    match &req.body {
        // A mint's form or JSON; the caller set its content type.
        Some(body) => {
            init.set_method("POST");
            init.set_body(&JsValue::from_str(body));
        }
        None => init.set_method("GET"),
    }
    // Set as a plain property: web-sys's RequestRedirect is one more feature.
    if let Err(e) = Reflect::set(&init, &"redirect".into(), &"manual".into()) {
        return fail(e.into());
    }
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
        u32::try_from(timeout_ms.max(1)).unwrap_or(u32::MAX),
    )));
    let request = match web_sys::Request::new_with_str_and_init(&req.url, &init) {
        Ok(r) => r,
        Err(e) => return fail(e.into()),
    };
    let global: web_sys::WorkerGlobalScope = worker::js_sys::global().unchecked_into();
    let answer = JsFuture::from(global.fetch_with_request(&request))
        .await
        .and_then(|r| r.dyn_into::<web_sys::Response>());
    let raw = match answer {
        Ok(r) => r,
        Err(e) => {
            let text = worker::Error::from(e).to_string();
            // workerd's "internal error" is a name that does not resolve or
            // a failed handshake: a bare TCP connection tells which.
            let left = req
                .deadline_ms
                .map_or(i64::MAX, |d| d - worker::Date::now().as_millis() as i64);
            let tcp = if wants_tcp_check(&text) && left > 0 {
                let ms = u32::try_from(left.min(TCP_CHECK_MS)).unwrap_or(0);
                Some(super::tcp::opens(&req.url, ms).await)
            } else {
                None
            };
            return ProbeResponse::Failed(from_runtime(&req.url, &text, tcp, by_deadline));
        }
    };
    let stream = raw.body();
    let resp = WResponse::from(raw);
    let headers = resp
        .headers()
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let mut bytes = Vec::new();
    if let Some(stream) = stream {
        let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        loop {
            let chunk = match JsFuture::from(reader.read()).await {
                Ok(c) => c,
                Err(e) => return fail(e.into()),
            };
            let done = Reflect::get(&chunk, &"done".into())
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            if done {
                break;
            }
            let Some(part) = Reflect::get(&chunk, &"value".into())
                .ok()
                .and_then(|v| v.dyn_into::<Uint8Array>().ok())
            else {
                break;
            };
            let room = MAX_ANSWER_BYTES + 1 - bytes.len();
            let part = part.to_vec();
            if part.len() >= room {
                bytes.extend_from_slice(&part[..room]);
                let _ = reader.cancel();
                break;
            }
            bytes.extend_from_slice(&part);
        }
    }
    ProbeResponse::Answer {
        status: resp.status_code(),
        headers,
        body: answer_text(bytes),
    }
}

/// The body as text, keeping "longer than `MAX_ANSWER_BYTES`" true exactly
/// when more than that many bytes came (lossy decoding may grow it).
fn answer_text(bytes: Vec<u8>) -> String {
    let cut = bytes.len() > MAX_ANSWER_BYTES;
    let mut text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    if !cut && text.len() > MAX_ANSWER_BYTES {
        let mut end = MAX_ANSWER_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// Our response as the runtime's own, built directly: the fetch handler
/// returns it as is, without workers-rs's `Response` in between.
pub fn to_web(resp: Response) -> Result<web_sys::Response> {
    let headers = web_sys::Headers::new()?;
    for (name, value) in &resp.headers {
        headers.set(name, value)?;
    }
    let init = web_sys::ResponseInit::new();
    init.set_status(resp.status);
    init.set_headers(&headers);
    let mut body = resp.body;
    // 101, 204, 205 and 304 must not have a body, not even an empty one.
    let body = if body.is_empty() {
        None
    } else {
        Some(body.as_mut_slice())
    };
    Ok(web_sys::Response::new_with_opt_u8_array_and_init(
        body, &init,
    )?)
}

/// The same, for the Durable Object's handler, which workers-rs types.
pub fn to_worker(resp: Response) -> Result<WResponse> {
    to_web(resp).map(WResponse::from)
}

/// The clock, read once per request (or alarm).
pub fn now() -> Now {
    Now::from_epoch_ms(worker::Date::now().as_millis() as i64)
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
