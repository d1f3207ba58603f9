//! What every WebCrypto caller at the edge shares: the runtime's
//! `SubtleCrypto`, RS256's scheme name, a JWS signature check, and a JS
//! error as text.

use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::futures::JsFuture;
use worker::js_sys::{self, Object, Reflect};

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

/// Whether `signature` is `key`'s over `input`: RS256 (RSASSA-PKCS1-v1_5)
/// or ES256 (ECDSA P-256, the JWS's raw r||s as WebCrypto takes it).
pub async fn verify(
    key: &web_sys::CryptoKey,
    alg: &str,
    signature: &[u8],
    input: &[u8],
) -> Result<bool, String> {
    let fail = |e: JsValue| format!("WebCrypto could not verify: {}", js_error(&e));
    let promise = if alg == "ES256" {
        let algorithm = Object::new();
        Reflect::set(&algorithm, &"name".into(), &"ECDSA".into()).map_err(fail)?;
        Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into()).map_err(fail)?;
        subtle()?.verify_with_object_and_u8_array_and_u8_array(&algorithm, key, signature, input)
    } else {
        subtle()?.verify_with_str_and_u8_array_and_u8_array(RSA_PKCS1, key, signature, input)
    }
    .map_err(fail)?;
    let valid = JsFuture::from(promise).await.map_err(fail)?;
    Ok(valid.as_bool() == Some(true))
}
