//! Cloudflare's Rate Limiting binding (`[[ratelimits]]` in `wrangler.toml`),
//! bound directly like `kv.rs`: `limit({key})` counts one call for `key` and
//! answers `{success}`. The budget (calls per 10 or 60 s) is the binding's
//! `simple = { limit, period }`; the fetch handler calls it only for failed
//! authentications.

use wasm_bindgen::prelude::*;
use worker::js_sys::futures::JsFuture;
use worker::js_sys::{Object, Promise, Reflect};

#[wasm_bindgen]
extern "C" {
    pub type RateLimitBinding;

    #[wasm_bindgen(method, catch)]
    fn limit(this: &RateLimitBinding, options: &JsValue) -> Result<Promise, JsValue>;
}

pub struct RateLimiter(RateLimitBinding);

impl RateLimiter {
    /// The binding `name` of `env`, if it is there.
    pub fn from_env(env: &worker::Env, name: &str) -> Option<RateLimiter> {
        let binding = Reflect::get(env, &JsValue::from_str(name)).ok()?;
        if binding.is_undefined() || binding.is_null() {
            return None;
        }
        Some(RateLimiter(binding.unchecked_into()))
    }

    /// Counts one call for `key`: `Some(true)` within the budget,
    /// `Some(false)` past it, `None` when the binding failed.
    pub async fn spend(&self, key: &str) -> Option<bool> {
        let options = Object::new();
        Reflect::set(&options, &"key".into(), &key.into()).ok()?;
        let outcome = JsFuture::from(self.0.limit(&options).ok()?).await.ok()?;
        Reflect::get(&outcome, &"success".into()).ok()?.as_bool()
    }
}
