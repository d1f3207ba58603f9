//! Verifies Cloudflare Access JWTs with WebCrypto against the team's keys.
//!
//! `shared::access::check` decides everything but the signature; here the
//! signature is checked with the key its `kid` names, from
//! `<team domain>/cdn-cgi/access/certs`. Keys are imported once and cached
//! per isolate by `kid` (`edge::signer_keys`, by the rules of
//! `crate::keysets`): a flood of made-up key ids must not become a flood of
//! requests to Cloudflare.
//!
//! Nothing here panics, and no error message holds the JWT.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use shared::access::{self, Identity};
use shared::workload::WorkloadKey;
use worker::js_sys;

use crate::config::{AccessSettings, Config};
use crate::edge::signer_keys;
use crate::edge::webcrypto;
use crate::keysets::KeySets;

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
    let valid = webcrypto::verify(
        &key,
        "RS256",
        &checked.signature,
        checked.signing_input.as_bytes(),
    )
    .await?;
    if !valid {
        return Err("the JWT's signature does not match the team's key it names".to_owned());
    }
    Ok(checked.identity)
}

thread_local! {
    static KEYS: RefCell<KeySets<web_sys::CryptoKey>> = RefCell::new(KeySets::default());
}

/// The imported key `kid` names, fetching the certs when the rules allow.
async fn key_for(kid: &str, url: &str) -> Result<web_sys::CryptoKey, String> {
    signer_keys::key_for(&KEYS, url, kid, || fetch_keys(url)).await
}

/// The team's RS256 keys, imported for `verify`.
async fn fetch_keys(url: &str) -> Result<Vec<(String, web_sys::CryptoKey)>, String> {
    let body = signer_keys::fetch_document(url)
        .await
        .map_err(|e| format!("the team's keys: {e}"))?;
    let jwks = access::parse_keys(&body).map_err(|e| format!("{url}: {e}"))?;
    let mut keys = Vec::with_capacity(jwks.len());
    let mut failure = None;
    for jwk in jwks {
        let kid = jwk.kid.clone();
        let key = WorkloadKey::Rsa {
            kid: jwk.kid,
            n: jwk.n,
            e: jwk.e,
        };
        match signer_keys::import(&key).await {
            Ok(key) => keys.push((kid, key)),
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
