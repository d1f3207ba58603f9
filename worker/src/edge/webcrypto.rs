//! What every WebCrypto caller at the edge shares: the runtime's
//! `SubtleCrypto`, RS256's scheme name, and a JS error as text.

use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys;

/// WebCrypto's name for RS256's signature scheme.
pub const RSA_PKCS1: &str = "RSASSA-PKCS1-v1_5";

pub fn subtle() -> Result<web_sys::SubtleCrypto, String> {
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    global
        .crypto()
        .map(|c| c.subtle())
        .map_err(|e| format!("no WebCrypto: {}", js_error(&e)))
}

pub fn js_error(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "an unknown error".to_owned())
}
