//! A signer's key by `kid`, from an isolate's `keysets::KeySets`: used at
//! once when cached, otherwise fetched when the rules allow, or waited for
//! while another request of the isolate fetches it. Access's team certs and
//! each workload identity issuer are sources of one such cache each; both
//! fetch their documents and import their keys with the helpers here.

use std::cell::RefCell;
use std::future::Future;
use std::thread::LocalKey;

use shared::login::{ProbeRequest, ProbeResponse};
use shared::workload::WorkloadKey;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::futures::JsFuture;
use worker::js_sys::{self, Array, Object, Reflect};

use crate::edge::runtime;
use crate::edge::webcrypto::{js_error, subtle, RSA_PKCS1};
use crate::keysets::{KeySets, Step, WAIT_MAX_MS};

/// How often a waiting request looks again, in ms.
const WAIT_STEP_MS: i32 = 20;

/// The key `kid` of `source` from `cache`; `fetch` gets the whole set when
/// the rules say so (its error is what the caller is told).
pub async fn key_for<K, F, Fut>(
    cache: &'static LocalKey<RefCell<KeySets<K>>>,
    source: &str,
    kid: &str,
    fetch: F,
) -> Result<K, String>
where
    K: Clone + 'static,
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Vec<(String, K)>, String>>,
{
    let started = js_sys::Date::now();
    let mut fetch_failed: Option<String> = None;
    loop {
        let now = js_sys::Date::now();
        let step = cache
            .with(|c| c.try_borrow_mut().map(|mut c| c.step(source, kid, now)))
            .unwrap_or(Step::Refuse("the key cache is busy"));
        match step {
            Step::Use(key) => return Ok(key),
            Step::Refuse(why) => return Err(fetch_failed.unwrap_or_else(|| why.to_owned())),
            Step::Wait if now - started > WAIT_MAX_MS => {
                return Err("gave up waiting for the signer's keys".to_owned())
            }
            Step::Wait => sleep(WAIT_STEP_MS).await,
            Step::Load => {
                let guard = Loading { cache, source };
                let fetched = fetch().await;
                let now = js_sys::Date::now();
                let (keys, failure) = match fetched {
                    Ok(keys) => (Some(keys), None),
                    Err(e) => (None, Some(e)),
                };
                let _ = cache.with(|c| c.try_borrow_mut().map(|mut c| c.loaded(source, keys, now)));
                drop(guard);
                fetch_failed = failure;
            }
        }
    }
}

/// Clears "a fetch is under way" when the fetching request is dropped
/// midway (its client went away), so the others do not wait in vain.
struct Loading<'a, K: 'static> {
    cache: &'static LocalKey<RefCell<KeySets<K>>>,
    source: &'a str,
}

impl<K: 'static> Drop for Loading<'_, K> {
    fn drop(&mut self) {
        let _ = self.cache.try_with(|c| {
            if let Ok(mut c) = c.try_borrow_mut() {
                c.abandoned(self.source);
            }
        });
    }
}

/// Waits `ms` on the runtime's timer; returns at once if it cannot set one.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        if global
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .is_err()
        {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// A key document (certs, discovery, JWKS) by GET through the login
/// check's fetch: its body when it answers 200.
pub async fn fetch_document(url: &str) -> Result<String, String> {
    let answer = runtime::fetch(ProbeRequest {
        url: url.to_owned(),
        headers: vec![("accept".to_owned(), "application/json".to_owned())],
        body: None,
        deadline_ms: None,
    })
    .await;
    match answer {
        ProbeResponse::Answer {
            status: 200, body, ..
        } => Ok(body),
        ProbeResponse::Answer { status, .. } => Err(format!("{url} answered HTTP {status}")),
        ProbeResponse::Failed(why) => Err(format!("{url} could not be fetched: {why}")),
    }
}

type Pairs<'a, const N: usize> = [(&'a str, &'a str); N];

/// A public key imported for WebCrypto's `verify`: RSA for RS256
/// (RSASSA-PKCS1-v1_5, SHA-256), EC P-256 for ES256.
pub async fn import(key: &WorkloadKey) -> Result<web_sys::CryptoKey, String> {
    let fail = |e: JsValue| {
        format!(
            "WebCrypto could not import key {}: {}",
            key.kid(),
            js_error(&e)
        )
    };
    let (jwk, algorithm) = (Object::new(), Object::new());
    // The JWK's fields, then the import algorithm's.
    let (fields, params): (Pairs<4>, Pairs<2>) = match key {
        WorkloadKey::Rsa { n, e, .. } => (
            [("kty", "RSA"), ("n", n), ("e", e), ("alg", "RS256")],
            [("name", RSA_PKCS1), ("hash", "SHA-256")],
        ),
        WorkloadKey::Ec { x, y, .. } => (
            [("kty", "EC"), ("crv", "P-256"), ("x", x), ("y", y)],
            [("name", "ECDSA"), ("namedCurve", "P-256")],
        ),
    };
    for (k, v) in fields {
        Reflect::set(&jwk, &k.into(), &v.into()).map_err(fail)?;
    }
    for (k, v) in params {
        Reflect::set(&algorithm, &k.into(), &v.into()).map_err(fail)?;
    }
    let usages = Array::of1(&"verify".into());
    let promise = subtle()?
        .import_key_with_object("jwk", &jwk, &algorithm, false, &usages)
        .map_err(fail)?;
    let imported = JsFuture::from(promise).await.map_err(fail)?;
    if !imported.is_object() {
        return Err(format!("WebCrypto gave no key for {}", key.kid()));
    }
    Ok(imported.unchecked_into())
}
