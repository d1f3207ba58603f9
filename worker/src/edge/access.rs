//! Verifies Cloudflare Access JWTs with WebCrypto against the team's keys.
//!
//! `shared::access::check` decides everything but the signature; here the
//! signature is checked with the key its `kid` names, from
//! `<team domain>/cdn-cgi/access/certs`. Keys are imported once and cached
//! per isolate by `kid`. The certs are asked again when a `kid` is unknown,
//! at most once a minute (a flood of made-up key ids must not become a
//! flood of requests to Cloudflare), and when the cached set is an hour
//! old. Only one request of the isolate fetches at a time; the others wait
//! for its answer by looking at the cache again (a request never awaits
//! another request's I/O, which workerd does not allow).
//!
//! Nothing here panics, and no error message holds the JWT.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use shared::access::{self, Identity, Jwk};
use shared::login::{ProbeRequest, ProbeResponse};
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::futures::JsFuture;
use worker::js_sys::{self, Array, Object, Reflect};

use crate::config::{AccessSettings, Config};
use crate::edge::runtime;

/// WebCrypto's name for RS256's signature scheme.
pub(crate) const RSA_PKCS1: &str = "RSASSA-PKCS1-v1_5";
/// A `kid` the cached set lacks fetches the certs again at most this often.
const REFETCH_MS: f64 = 60_000.0;
/// Without a usable set (the first fetch, or the last one failed), this often.
const RETRY_MS: f64 = 5_000.0;
/// A set this old is fetched again on next use (keys can be revoked by
/// rotating them by hand); until a fetch succeeds the old set serves.
const MAX_AGE_MS: f64 = 3_600_000.0;
/// How long a request waits for another one's fetch (the outbound fetch
/// gives up after 10 s), and how often it looks.
const WAIT_MAX_MS: f64 = 11_000.0;
const WAIT_STEP_MS: i32 = 20;

pub type Answer = Pin<Box<dyn Future<Output = Result<Identity, String>>>>;

/// The `AccessCheck` of both entry points: verifies with the settings of
/// `config` (the hook gets only the JWT) and logs why it refused.
pub fn hook(config: &Rc<Result<Config, String>>) -> impl Fn(String) -> Answer + 'static {
    let config = config.clone();
    move |jwt: String| -> Answer {
        let config = config.clone();
        Box::pin(async move {
            match config.as_ref() {
                Ok(Config {
                    access: Some(settings),
                    ..
                }) => {
                    let verified = verify(&jwt, settings).await;
                    // The caller is told only 401; the operator reads why here.
                    if let Err(why) = &verified {
                        worker::console_warn!("a Cloudflare Access assertion was refused: {why}");
                    }
                    verified
                }
                _ => Err("Cloudflare Access is not configured".to_owned()),
            }
        })
    }
}

async fn verify(jwt: &str, settings: &AccessSettings) -> Result<Identity, String> {
    let now = js_sys::Date::now();
    let checked = access::check(
        jwt,
        &settings.team_domain,
        &settings.aud,
        (now / 1000.0) as i64,
    )
    .map_err(|e| e.to_string())?;
    let url = access::certs_url(&settings.team_domain);
    let key = key_for(&checked.kid, &url).await?;
    let promise = subtle()?
        .verify_with_str_and_u8_array_and_u8_array(
            RSA_PKCS1,
            &key,
            &checked.signature,
            checked.signing_input.as_bytes(),
        )
        .map_err(|e| format!("WebCrypto refused to verify: {}", js_error(&e)))?;
    let valid = JsFuture::from(promise)
        .await
        .map_err(|e| format!("WebCrypto could not verify: {}", js_error(&e)))?;
    if valid.as_bool() != Some(true) {
        return Err("the JWT's signature does not match the team's key it names".to_owned());
    }
    Ok(checked.identity)
}

thread_local! {
    static KEYS: RefCell<KeyCache<web_sys::CryptoKey>> = RefCell::new(KeyCache::new());
}

/// The imported key `kid` names, fetching the certs when the rules allow.
async fn key_for(kid: &str, url: &str) -> Result<web_sys::CryptoKey, String> {
    let started = js_sys::Date::now();
    let mut fetch_failed: Option<String> = None;
    loop {
        let now = js_sys::Date::now();
        let step = KEYS
            .with(|c| c.try_borrow_mut().map(|mut c| c.step(url, kid, now)))
            .unwrap_or(Step::Refuse("the key cache is busy"));
        match step {
            Step::Use(key) => return Ok(key),
            Step::Refuse(why) => return Err(fetch_failed.unwrap_or_else(|| why.to_owned())),
            Step::Wait if now - started > WAIT_MAX_MS => {
                return Err("gave up waiting for the team's keys".to_owned())
            }
            Step::Wait => sleep(WAIT_STEP_MS).await,
            Step::Load => {
                let guard = Loading;
                let fetched = fetch_keys(url).await;
                let now = js_sys::Date::now();
                let (keys, failure) = match fetched {
                    Ok(keys) => (Some(keys), None),
                    Err(e) => (None, Some(e)),
                };
                let _ = KEYS.with(|c| c.try_borrow_mut().map(|mut c| c.loaded(url, keys, now)));
                drop(guard);
                fetch_failed = failure;
            }
        }
    }
}

/// Clears "a fetch is under way" when the fetching request is dropped
/// midway (its client went away), so the others do not wait in vain.
struct Loading;

impl Drop for Loading {
    fn drop(&mut self) {
        let _ = KEYS.try_with(|c| {
            if let Ok(mut c) = c.try_borrow_mut() {
                c.loading_since = None;
            }
        });
    }
}

/// The team's RS256 keys, imported for `verify`.
async fn fetch_keys(url: &str) -> Result<Vec<(String, web_sys::CryptoKey)>, String> {
    let answer = runtime::fetch(ProbeRequest {
        url: url.to_owned(),
        headers: vec![("accept".to_owned(), "application/json".to_owned())],
        body: None,
        deadline_ms: None,
    })
    .await;
    let body = match answer {
        ProbeResponse::Answer {
            status: 200, body, ..
        } => body,
        ProbeResponse::Answer { status, .. } => {
            return Err(format!("the team's keys ({url}) answered HTTP {status}"))
        }
        ProbeResponse::Failed(why) => {
            return Err(format!(
                "the team's keys ({url}) could not be fetched: {why}"
            ))
        }
    };
    let jwks = access::parse_keys(&body).map_err(|e| format!("{url}: {e}"))?;
    let mut keys = Vec::with_capacity(jwks.len());
    let mut failure = None;
    for jwk in &jwks {
        match import(jwk).await {
            Ok(key) => keys.push((jwk.kid.clone(), key)),
            Err(e) => failure = Some(e),
        }
    }
    if keys.is_empty() {
        return Err(
            failure.unwrap_or_else(|| format!("{url} holds no RS256 key of at least 2048 bits"))
        );
    }
    if let Some(e) = failure {
        worker::console_warn!("an Access signing key was left out: {e}");
    }
    Ok(keys)
}

async fn import(jwk: &Jwk) -> Result<web_sys::CryptoKey, String> {
    let fail = |e: JsValue| {
        format!(
            "WebCrypto could not import key {}: {}",
            jwk.kid,
            js_error(&e)
        )
    };
    let text =
        serde_json::json!({"kty": "RSA", "n": jwk.n, "e": jwk.e, "alg": access::ALG}).to_string();
    let data: Object = js_sys::JSON::parse(&text).map_err(fail)?.unchecked_into();
    let algorithm = Object::new();
    Reflect::set(&algorithm, &"name".into(), &RSA_PKCS1.into()).map_err(fail)?;
    Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into()).map_err(fail)?;
    let usages = Array::of1(&"verify".into());
    let promise = subtle()?
        .import_key_with_object("jwk", &data, &algorithm, false, &usages)
        .map_err(fail)?;
    let key = JsFuture::from(promise).await.map_err(fail)?;
    if !key.is_object() {
        return Err(format!("WebCrypto gave no key for {}", jwk.kid));
    }
    Ok(key.unchecked_into())
}

pub(crate) fn subtle() -> Result<web_sys::SubtleCrypto, String> {
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    global
        .crypto()
        .map(|c| c.subtle())
        .map_err(|e| format!("no WebCrypto: {}", js_error(&e)))
}

pub(crate) fn js_error(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "an unknown error".to_owned())
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

/// What a verification does next about its key.
#[derive(Debug, PartialEq)]
enum Step<K> {
    Use(K),
    /// Another request of the isolate is fetching the certs: look again soon.
    Wait,
    /// Fetch the certs, then call `loaded` and look again.
    Load,
    Refuse(&'static str),
}

/// The keys of one team by `kid`, and when to ask for them again. Generic
/// over the key so the rules run natively in tests. Times are epoch ms.
struct KeyCache<K> {
    url: String,
    keys: Vec<(String, K)>,
    loaded_at: Option<f64>,
    loading_since: Option<f64>,
    /// The last fetch started without a usable set.
    tried_at: f64,
    /// The last fetch started for an unknown `kid`.
    refetched_at: f64,
}

impl<K: Clone> KeyCache<K> {
    fn new() -> Self {
        KeyCache {
            url: String::new(),
            keys: Vec::new(),
            loaded_at: None,
            loading_since: None,
            tried_at: f64::NEG_INFINITY,
            refetched_at: f64::NEG_INFINITY,
        }
    }

    fn step(&mut self, url: &str, kid: &str, now: f64) -> Step<K> {
        if self.url != url {
            *self = KeyCache::new();
            url.clone_into(&mut self.url);
        }
        let fresh = self.loaded_at.is_some_and(|at| now - at < MAX_AGE_MS);
        let found = self
            .keys
            .iter()
            .find(|(k, _)| k == kid)
            .map(|(_, key)| key.clone());
        let loading = self
            .loading_since
            .is_some_and(|since| now - since < WAIT_MAX_MS);
        match found {
            Some(key) if fresh || loading => return Step::Use(key),
            None if loading => return Step::Wait,
            _ => {}
        }
        let may_fetch = if fresh {
            now - self.refetched_at >= REFETCH_MS
        } else {
            now - self.tried_at >= RETRY_MS
        };
        if may_fetch {
            if fresh {
                self.refetched_at = now;
            } else {
                self.tried_at = now;
            }
            self.loading_since = Some(now);
            return Step::Load;
        }
        match found {
            // An old set while fetching is not allowed yet: still good.
            Some(key) => Step::Use(key),
            None if fresh => Step::Refuse(
                "the JWT names a key (kid) the team's certs do not hold; they are asked again at most once a minute",
            ),
            None => Step::Refuse("the team's keys could not be fetched; asked again within seconds"),
        }
    }

    /// A fetch of `url` ended: `keys` replace the set when it succeeded.
    fn loaded(&mut self, url: &str, keys: Option<Vec<(String, K)>>, now: f64) {
        if self.url != url {
            return;
        }
        self.loading_since = None;
        if let Some(keys) = keys {
            self.keys = keys;
            self.loaded_at = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://team.cloudflareaccess.com/cdn-cgi/access/certs";
    const T: f64 = 1_700_000_000_000.0;

    fn set(kids: &[&str]) -> Option<Vec<(String, u32)>> {
        Some(
            kids.iter()
                .enumerate()
                .map(|(i, k)| ((*k).to_owned(), i as u32))
                .collect(),
        )
    }

    #[test]
    fn known_keys_are_used_without_fetching() {
        let mut c = KeyCache::new();
        assert_eq!(c.step(URL, "k1", T), Step::Load);
        c.loaded(URL, set(&["k1", "k2"]), T + 5.0);
        for i in 0..100 {
            assert_eq!(c.step(URL, "k2", T + 10.0 + f64::from(i)), Step::Use(1));
        }
    }

    #[test]
    fn an_unknown_kid_fetches_again_at_most_once_a_minute() {
        let mut c = KeyCache::new();
        assert_eq!(c.step(URL, "k1", T), Step::Load);
        c.loaded(URL, set(&["k1"]), T);
        // soon after the first fetch, a new kid still asks again once
        assert_eq!(c.step(URL, "new", T + 1_000.0), Step::Load);
        c.loaded(URL, set(&["k1"]), T + 1_100.0);
        assert!(matches!(c.step(URL, "new", T + 2_000.0), Step::Refuse(_)));
        assert!(matches!(
            c.step(URL, "other", T + 60_000.0),
            Step::Refuse(_)
        ));
        assert_eq!(c.step(URL, "k1", T + 60_000.0), Step::Use(0));
        assert_eq!(c.step(URL, "new", T + 61_000.0), Step::Load);
        c.loaded(URL, set(&["k1", "new"]), T + 61_100.0);
        assert_eq!(c.step(URL, "new", T + 61_200.0), Step::Use(1));
    }

    #[test]
    fn others_wait_for_the_fetch_under_way() {
        let mut c = KeyCache::new();
        assert_eq!(c.step(URL, "k1", T), Step::Load);
        assert_eq!(c.step(URL, "k1", T + 1.0), Step::Wait);
        assert_eq!(c.step(URL, "k9", T + 2.0), Step::Wait);
        c.loaded(URL, set(&["k1"]), T + 50.0);
        assert_eq!(c.step(URL, "k1", T + 60.0), Step::Use(0));
        // a kid the first answer lacks asks once more, then not for a minute
        assert_eq!(c.step(URL, "k9", T + 60.0), Step::Load);
        c.loaded(URL, set(&["k1"]), T + 70.0);
        assert!(matches!(c.step(URL, "k9", T + 80.0), Step::Refuse(_)));
        // a fetch that never reported (its request was dropped) stops counting
        let mut c = KeyCache::<u32>::new();
        assert_eq!(c.step(URL, "k1", T), Step::Load);
        assert_eq!(c.step(URL, "k1", T + WAIT_MAX_MS + 1.0), Step::Load);
    }

    #[test]
    fn a_failed_fetch_is_retried_after_seconds_and_an_old_set_serves() {
        let mut c = KeyCache::<u32>::new();
        assert_eq!(c.step(URL, "k1", T), Step::Load);
        c.loaded(URL, None, T + 10.0);
        assert!(matches!(c.step(URL, "k1", T + 1_000.0), Step::Refuse(_)));
        assert_eq!(c.step(URL, "k1", T + RETRY_MS), Step::Load);
        c.loaded(URL, set(&["k1"]), T + RETRY_MS);
        // an hour later the set is fetched again; a failure keeps the old one
        let later = T + RETRY_MS + MAX_AGE_MS;
        assert_eq!(c.step(URL, "k1", later), Step::Load);
        assert_eq!(c.step(URL, "k1", later + 1.0), Step::Use(0));
        c.loaded(URL, None, later + 10.0);
        assert_eq!(c.step(URL, "k1", later + 20.0), Step::Use(0));
        assert_eq!(c.step(URL, "k1", later + RETRY_MS), Step::Load);
        c.loaded(URL, set(&["k2"]), later + RETRY_MS);
        assert!(matches!(
            c.step(URL, "k1", later + RETRY_MS + 1.0),
            Step::Load
        ));
    }

    #[test]
    fn another_team_starts_afresh() {
        let mut c = KeyCache::new();
        assert_eq!(c.step(URL, "k1", T), Step::Load);
        c.loaded(URL, set(&["k1"]), T);
        let other = "https://other.cloudflareaccess.com/cdn-cgi/access/certs";
        assert_eq!(c.step(other, "k1", T + 1.0), Step::Load);
        // a late answer for the old team is ignored
        c.loaded(URL, set(&["k1"]), T + 2.0);
        assert_eq!(c.step(other, "k1", T + 3.0), Step::Wait);
    }
}
