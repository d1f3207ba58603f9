//! Small browser services: the session token (sessionStorage only, never the
//! persistent local store), downloads made from bytes, the clipboard and
//! the window title.

use wasm_bindgen::{JsCast, JsValue};

const TOKEN_KEY: &str = "regcred.token";
/// Who the token is (`GET /v2/session`'s answer: label, role, scope; never
/// a credential), so a reload can show the page before asking again.
const SESSION_KEY: &str = "regcred.session";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

pub fn saved_token() -> Option<String> {
    session_storage()?.get_item(TOKEN_KEY).ok()?
}

pub fn save_token(token: &str) {
    if let Some(s) = session_storage() {
        let _ = s.set_item(TOKEN_KEY, token);
    }
}

pub fn forget_token() {
    if let Some(s) = session_storage() {
        let _ = s.remove_item(TOKEN_KEY);
        let _ = s.remove_item(SESSION_KEY);
    }
}

pub fn saved_session() -> Option<String> {
    session_storage()?.get_item(SESSION_KEY).ok()?
}

pub fn save_session(json: &str) {
    if let Some(s) = session_storage() {
        let _ = s.set_item(SESSION_KEY, json);
    }
}

/// Offers `bytes` as a file download; nothing leaves the browser.
pub fn download(filename: &str, mime: &str, bytes: &[u8]) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::new();
    parts.push(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(a) = doc
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(filename);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// `navigator.clipboard.writeText`, looked up dynamically so no unstable
/// web-sys API is needed.
pub fn copy(text: &str) {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else {
        return;
    };
    let Ok(clip) = js_sys::Reflect::get(&nav, &JsValue::from_str("clipboard")) else {
        return;
    };
    if let Ok(f) = js_sys::Reflect::get(&clip, &JsValue::from_str("writeText")) {
        if let Some(f) = f.dyn_ref::<js_sys::Function>() {
            let _ = f.call1(&clip, &JsValue::from_str(text));
        }
    }
}

/// Names the tab after the page the user is on.
pub fn set_title(page: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&crate::nav::title(page));
    }
}

pub fn now_secs() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// A chosen or dropped file's text.
pub async fn read_file(file: web_sys::File) -> Option<String> {
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .ok()?
        .as_string()
}
