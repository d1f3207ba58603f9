//! A workload token's signature, with WebCrypto (RS256: RSASSA-PKCS1-v1_5;
//! ES256: ECDSA P-256, the JWS's raw r||s as WebCrypto takes it). Keys
//! come from the issuer's discovery document (`jwks_uri`) or the rule's
//! `jwksUri`, cached per issuer by `kid`: an unknown `kid` fetches the set
//! again at most once a minute, and a set older than an hour is fetched
//! again on next use (a key the issuer dropped stops working then). Every
//! fetch goes through the login check's rails; only issuers a rule names
//! are ever asked (the caller looked that up first).

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use shared::login::{ProbeRequest, ProbeResponse};
use shared::workload::{jwks_uri_of, parse_key_set, WorkloadKey};
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::futures::JsFuture;
use worker::js_sys::{self, Array, Object, Reflect};

use crate::ctx::WorkloadAsk;
use crate::edge::access::{js_error, subtle, RSA_PKCS1};
use crate::edge::runtime;

/// A `kid` the cached set lacks fetches the set again at most this often.
const REFETCH_MS: f64 = 60_000.0;
/// A set this old is fetched again on next use.
const MAX_AGE_MS: f64 = 3_600_000.0;

struct IssuerKeys {
    jwks_url: String,
    keys: Vec<(String, &'static str, web_sys::CryptoKey)>,
    loaded_at: f64,
    refetched_at: f64,
}

thread_local! {
    static ISSUERS: RefCell<HashMap<String, IssuerKeys>> = RefCell::new(HashMap::new());
}

/// `ctx.workload` at the edge: Ok when the signature holds.
pub fn verify(ask: WorkloadAsk) -> Pin<Box<dyn Future<Output = Result<(), String>>>> {
    Box::pin(async move {
        let verified = check(&ask).await;
        if let Err(why) = &verified {
            worker::console_warn!("a workload token of {} was refused: {why}", ask.issuer);
        }
        verified
    })
}

async fn check(ask: &WorkloadAsk) -> Result<(), String> {
    let (key, alg) = key_for(ask).await?;
    if alg != ask.alg {
        return Err(format!(
            "key {} is for {alg}, the token says {}",
            ask.kid, ask.alg
        ));
    }
    let algorithm = Object::new();
    let fail = |e: JsValue| format!("WebCrypto could not verify: {}", js_error(&e));
    let promise = if alg == "ES256" {
        Reflect::set(&algorithm, &"name".into(), &"ECDSA".into()).map_err(fail)?;
        Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into()).map_err(fail)?;
        subtle()?.verify_with_object_and_u8_array_and_u8_array(
            &algorithm,
            &key,
            &ask.signature,
            ask.signing_input.as_bytes(),
        )
    } else {
        subtle()?.verify_with_str_and_u8_array_and_u8_array(
            RSA_PKCS1,
            &key,
            &ask.signature,
            ask.signing_input.as_bytes(),
        )
    }
    .map_err(fail)?;
    let valid = JsFuture::from(promise).await.map_err(fail)?;
    if valid.as_bool() == Some(true) {
        Ok(())
    } else {
        Err(format!("the signature does not match key {}", ask.kid))
    }
}

fn cached(issuer: &str, kid: &str, now: f64) -> (Option<(web_sys::CryptoKey, &'static str)>, bool) {
    ISSUERS.with(|i| {
        let i = i.borrow();
        let Some(set) = i.get(issuer) else {
            return (None, true);
        };
        let found = set
            .keys
            .iter()
            .find(|(k, _, _)| k == kid)
            .map(|(_, alg, key)| (key.clone(), *alg));
        let stale = now - set.loaded_at >= MAX_AGE_MS;
        let may_refetch = now - set.refetched_at >= REFETCH_MS;
        match found {
            Some(hit) if !stale => (Some(hit), false),
            Some(hit) => (Some(hit), true),
            None => (None, may_refetch),
        }
    })
}

async fn key_for(ask: &WorkloadAsk) -> Result<(web_sys::CryptoKey, &'static str), String> {
    let now = js_sys::Date::now();
    let (hit, fetch) = cached(&ask.issuer, &ask.kid, now);
    if !fetch {
        return hit
            .ok_or_else(|| format!("no key {} (fetched again at most once a minute)", ask.kid));
    }
    match load(ask, now).await {
        Ok(()) => {}
        // A stale set still serves until a fetch succeeds.
        Err(e) if hit.is_some() => worker::console_warn!("{e}"),
        Err(e) => return Err(e),
    }
    cached(&ask.issuer, &ask.kid, now)
        .0
        .ok_or_else(|| format!("the issuer's key set has no key {}", ask.kid))
}

async fn get(url: &str) -> Result<String, String> {
    if let Err(why) = shared::address::vet_url(url, allow_loopback()) {
        return Err(format!("{url}: {}", why.message));
    }
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

thread_local! {
    static LOOPBACK: RefCell<bool> = const { RefCell::new(false) };
}

/// `REGCRED_ALLOW_HTTP_LOOPBACK`, as the fetch entry read it.
pub fn set_allow_loopback(allow: bool) {
    LOOPBACK.with(|l| *l.borrow_mut() = allow);
}

fn allow_loopback() -> bool {
    LOOPBACK.with(|l| *l.borrow())
}

/// Fetches (discovery, then) the key set and imports its keys.
async fn load(ask: &WorkloadAsk, now: f64) -> Result<(), String> {
    let known = ISSUERS.with(|i| i.borrow().get(&ask.issuer).map(|s| s.jwks_url.clone()));
    let jwks_url = match (&ask.jwks_uri, known) {
        (Some(u), _) => u.clone(),
        (None, Some(u)) => u,
        (None, None) => {
            let discovery = format!(
                "{}/.well-known/openid-configuration",
                ask.issuer.trim_end_matches('/')
            );
            jwks_uri_of(&get(&discovery).await?, &ask.issuer)?
        }
    };
    // Marked before the fetch: a failing issuer is not asked again at once.
    ISSUERS.with(|i| {
        if let Some(set) = i.borrow_mut().get_mut(&ask.issuer) {
            set.refetched_at = now;
        }
    });
    // Only fetches after the first count against the once-a-minute limit.
    let refetched_at = ISSUERS.with(|i| {
        i.borrow()
            .get(&ask.issuer)
            .map_or(f64::NEG_INFINITY, |s| s.refetched_at)
    });
    let text = get(&jwks_url).await?;
    let mut keys = Vec::new();
    for k in parse_key_set(&text)? {
        keys.push((k.kid().to_owned(), k.alg(), import(&k).await?));
    }
    ISSUERS.with(|i| {
        i.borrow_mut().insert(
            ask.issuer.clone(),
            IssuerKeys {
                jwks_url,
                keys,
                loaded_at: now,
                refetched_at,
            },
        )
    });
    Ok(())
}

async fn import(key: &WorkloadKey) -> Result<web_sys::CryptoKey, String> {
    let fail = |e: JsValue| {
        format!(
            "WebCrypto could not import key {}: {}",
            key.kid(),
            js_error(&e)
        )
    };
    let (jwk, algorithm) = (Object::new(), Object::new());
    match key {
        WorkloadKey::Rsa { n, e, .. } => {
            for (k, v) in [
                ("kty", "RSA"),
                ("n", n.as_str()),
                ("e", e.as_str()),
                ("alg", "RS256"),
            ] {
                Reflect::set(&jwk, &k.into(), &v.into()).map_err(fail)?;
            }
            Reflect::set(&algorithm, &"name".into(), &RSA_PKCS1.into()).map_err(fail)?;
            Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into()).map_err(fail)?;
        }
        WorkloadKey::Ec { x, y, .. } => {
            for (k, v) in [
                ("kty", "EC"),
                ("crv", "P-256"),
                ("x", x.as_str()),
                ("y", y.as_str()),
            ] {
                Reflect::set(&jwk, &k.into(), &v.into()).map_err(fail)?;
            }
            Reflect::set(&algorithm, &"name".into(), &"ECDSA".into()).map_err(fail)?;
            Reflect::set(&algorithm, &"namedCurve".into(), &"P-256".into()).map_err(fail)?;
        }
    }
    let usages = Array::of1(&"verify".into());
    let promise = subtle()?
        .import_key_with_object("jwk", &jwk, &algorithm, false, &usages)
        .map_err(fail)?;
    let imported = JsFuture::from(promise).await.map_err(fail)?;
    Ok(imported.unchecked_into())
}
