//! The list answer `prefetch.js` asked for while the wasm loaded. It is
//! taken once, and only for the URL and token it was asked with; the
//! first request of any other page, window or token goes out itself.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::browser;

const SLOT: &str = "__regcredPrefetch";

/// The prefetched answer for `url` asked with `token`, if there is one.
/// A failed prefetch counts as none: the caller then asks itself.
pub async fn take(url: &str, token: &str) -> Option<gloo_net::http::Response> {
    let window = web_sys::window()?;
    let slot = js_sys::Reflect::get(&window, &JsValue::from_str(SLOT)).ok()?;
    if slot.is_undefined() || slot.is_null() {
        return None;
    }
    // Once only: a later reload of the list must see fresh data.
    let _ = js_sys::Reflect::delete_property(&window, &JsValue::from_str(SLOT));
    let asked = js_sys::Reflect::get(&slot, &JsValue::from_str("url"))
        .ok()?
        .as_string()?;
    if asked != url || browser::saved_token().as_deref() != Some(token) {
        return None;
    }
    let answer = js_sys::Reflect::get(&slot, &JsValue::from_str("answer")).ok()?;
    let answer: js_sys::Promise = answer.dyn_into().ok()?;
    let resp: web_sys::Response = JsFuture::from(answer).await.ok()?.dyn_into().ok()?;
    Some(resp.into())
}
