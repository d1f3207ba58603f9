//! Whether a bare TCP connection to a login check's URL opens, sending
//! nothing: what tells workerd's one "internal error" for a host name that
//! does not resolve from a failed TLS handshake (`shared::fetch_failure`).
//! Called only for that answer, on a URL that passed the address rules.

use futures_util::future::{select, Either};
use shared::address::{parse_url, Host};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::futures::JsFuture;
use worker::js_sys::{Function, Object, Promise, Reflect};

#[wasm_bindgen(module = "cloudflare:sockets")]
extern "C" {
    // Bound here rather than through worker::Socket, whose constructor
    // unwraps; nothing in edge/ may panic.
    #[wasm_bindgen(catch, js_name = connect)]
    fn sockets_connect(address: &JsValue, options: &JsValue) -> Result<JsValue, JsValue>;
}

/// Whether a TCP connection to `url`'s host and port opens within
/// `timeout_ms`; it is closed at once.
pub async fn opens(url: &str, timeout_ms: u32) -> bool {
    let Ok((target, _)) = parse_url(url) else {
        return false;
    };
    let host = match &target.host {
        Host::Name(n) => n.clone(),
        // Brackets are URL syntax, not part of the address.
        other => other.to_string().trim_matches(['[', ']']).to_owned(),
    };
    let address = Object::new();
    let options = Object::new();
    let set = |o: &Object, k: &str, v: JsValue| Reflect::set(o, &k.into(), &v).is_ok();
    if !(set(&address, "hostname", host.into())
        && set(&address, "port", f64::from(target.port).into())
        && set(&options, "secureTransport", "off".into()))
    {
        return false;
    }
    let Ok(socket) = sockets_connect(&address, &options) else {
        return false;
    };
    let Some(opened) = Reflect::get(&socket, &"opened".into())
        .ok()
        .and_then(|p| p.dyn_into::<Promise>().ok())
    else {
        return false;
    };
    // Handled, so a refused connection is no unhandled rejection; a JsFuture
    // keeps its callbacks until the promise settles, even once dropped.
    for settles in ["closed", "opened"] {
        if let Some(p) = Reflect::get(&socket, &settles.into())
            .ok()
            .and_then(|p| p.dyn_into::<Promise>().ok())
        {
            drop(JsFuture::from(p));
        }
    }
    let timer = worker::Delay::from(std::time::Duration::from_millis(u64::from(timeout_ms)));
    let result = match select(JsFuture::from(opened), timer).await {
        Either::Left((Ok(_), _)) => true,
        Either::Left((Err(_), _)) | Either::Right(_) => false,
    };
    // Not awaited: the answer is known, and a close has nothing to wait for.
    if let Some(close) = Reflect::get(&socket, &"close".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    {
        if let Ok(p) = close.call0(&socket).and_then(|p| p.dyn_into::<Promise>()) {
            drop(JsFuture::from(p));
        }
    }
    result
}
