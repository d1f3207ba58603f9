//! A workload token's signature, with WebCrypto (RS256 or ES256,
//! `edge::webcrypto::verify`). Keys
//! come from the issuer's discovery document (`jwks_uri`) or the rule's
//! `jwksUri`, cached per issuer by `kid` (`edge::signer_keys`, by the rules
//! of `crate::keysets`, tested natively). Every
//! fetch goes through the login check's rails; only issuers a rule names
//! are ever asked (the caller looked that up first).

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use shared::workload::{jwks_uri_of, parse_key_set};

use crate::ctx::WorkloadAsk;
use crate::edge::signer_keys;
use crate::edge::webcrypto;
use crate::keysets::KeySets;

thread_local! {
    /// Keys by issuer, with the algorithm each is for.
    static ISSUERS: RefCell<KeySets<(web_sys::CryptoKey, &'static str)>> =
        RefCell::new(KeySets::default());
    /// Where each issuer's discovery document said its keys are.
    static JWKS_URLS: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
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
    if webcrypto::verify(&key, alg, &ask.signature, ask.signing_input.as_bytes()).await? {
        Ok(())
    } else {
        Err(format!("the signature does not match key {}", ask.kid))
    }
}

async fn key_for(ask: &WorkloadAsk) -> Result<(web_sys::CryptoKey, &'static str), String> {
    signer_keys::key_for(&ISSUERS, &ask.issuer, &ask.kid, || load(ask)).await
}

/// A key document of an issuer, if the login check's rails allow its URL.
async fn get(url: &str, allow_loopback: bool) -> Result<String, String> {
    if let Err(why) = shared::address::vet_url(url, allow_loopback) {
        return Err(format!("{url}: {}", why.message));
    }
    signer_keys::fetch_document(url).await
}

/// Fetches (discovery, then) the key set and imports its keys.
async fn load(
    ask: &WorkloadAsk,
) -> Result<Vec<(String, (web_sys::CryptoKey, &'static str))>, String> {
    let known = JWKS_URLS.with(|u| u.borrow().get(&ask.issuer).cloned());
    let jwks_url = match (&ask.jwks_uri, known) {
        (Some(u), _) => u.clone(),
        (None, Some(u)) => u,
        (None, None) => {
            let discovery = format!(
                "{}/.well-known/openid-configuration",
                ask.issuer.trim_end_matches('/')
            );
            let found = jwks_uri_of(&get(&discovery, ask.allow_loopback).await?, &ask.issuer)?;
            JWKS_URLS.with(|u| u.borrow_mut().insert(ask.issuer.clone(), found.clone()));
            found
        }
    };
    let text = get(&jwks_url, ask.allow_loopback).await?;
    let mut keys = Vec::new();
    for k in parse_key_set(&text)? {
        keys.push((
            k.kid().to_owned(),
            (signer_keys::import(&k).await?, k.alg()),
        ));
    }
    Ok(keys)
}
