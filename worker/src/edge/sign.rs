//! RS256 signatures with WebCrypto: a Google service account's assertion
//! (`mint.rs`). The key is imported for this one signature and never kept
//! or shown; errors say what failed, never the key.

use std::future::Future;
use std::pin::Pin;

use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::futures::JsFuture;
use worker::js_sys::{Array, Object, Reflect, Uint8Array};

use crate::edge::webcrypto::{js_error, subtle, RSA_PKCS1};

/// `ctx.sign` at the edge.
pub fn rs256(
    pkcs8_der: Vec<u8>,
    data: Vec<u8>,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, String>>>> {
    Box::pin(async move { sign(&pkcs8_der, &data).await })
}

async fn sign(der: &[u8], data: &[u8]) -> Result<Vec<u8>, String> {
    let fail = |what: &'static str| move |e: JsValue| format!("{what}: {}", js_error(&e));
    let algorithm = Object::new();
    Reflect::set(&algorithm, &"name".into(), &RSA_PKCS1.into()).map_err(fail("algorithm"))?;
    Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into()).map_err(fail("algorithm"))?;
    let key_data: Object = Uint8Array::from(der).unchecked_into();
    let usages = Array::of1(&"sign".into());
    let subtle = subtle()?;
    let promise = subtle
        .import_key_with_object("pkcs8", &key_data, &algorithm, false, &usages)
        .map_err(fail("the private key is not a PKCS #8 RSA key"))?;
    let key = JsFuture::from(promise)
        .await
        .map_err(fail("the private key is not a PKCS #8 RSA key"))?;
    let promise = subtle
        .sign_with_str_and_u8_array(RSA_PKCS1, &key.unchecked_into(), data)
        .map_err(fail("WebCrypto could not sign"))?;
    let signature = JsFuture::from(promise)
        .await
        .map_err(fail("WebCrypto could not sign"))?;
    Ok(Uint8Array::new(&signature).to_vec())
}
