//! The only place that knows workers-rs: converts its request into ours,
//! runs the app, converts the answer back. Nothing here may panic.

use worker::{event, Context, Env, Headers, Request as WRequest, Response as WResponse, Result};

use crate::app;
use crate::http::{Method, Request, Response};

#[event(fetch)]
async fn fetch(mut req: WRequest, _env: Env, _ctx: Context) -> Result<WResponse> {
    let request_id = new_request_id();
    let method = match req.method() {
        worker::Method::Get => Method::Get,
        worker::Method::Post => Method::Post,
        worker::Method::Patch => Method::Patch,
        worker::Method::Delete => Method::Delete,
        _ => Method::Other,
    };
    let (path, query) = match req.url() {
        Ok(url) => (
            url.path().to_owned(),
            url.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ),
        Err(_) => (String::from("/"), Vec::new()),
    };
    let headers = req
        .headers()
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let body = req.bytes().await.unwrap_or_default();
    let ours = Request {
        method,
        path,
        query,
        headers,
        body,
        request_id,
    };
    to_worker(app::handle(&ours))
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

/// 128 random bits as hex; falls back to the clock if randomness is refused.
fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        let now = worker::Date::now().as_millis();
        bytes[..8].copy_from_slice(&now.to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
