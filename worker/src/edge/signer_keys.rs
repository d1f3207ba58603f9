//! A signer's key by `kid`, from an isolate's `keysets::KeySets`: used at
//! once when cached, otherwise fetched when the rules allow, or waited for
//! while another request of the isolate fetches it. Access's team certs and
//! each workload identity issuer are sources of one such cache each.

use std::cell::RefCell;
use std::future::Future;
use std::thread::LocalKey;

use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys;

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
    let _ = worker::js_sys::futures::JsFuture::from(promise).await;
}
