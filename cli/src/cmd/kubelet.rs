//! `regcred kubelet-credential-provider`: kubelet runs it with a
//! `CredentialProviderRequest` on stdin and reads the response on stdout.

use std::io::Read;

use shared::kubelet::{self, AuthConfig};
use shared::time::Timestamp;

use crate::client::Api;
use crate::error::{CliError, Result};
use crate::resolve;
use crate::settings;

pub fn run() -> Result<()> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    let req = kubelet::read_request(&text).map_err(CliError::usage)?;
    let registry = kubelet::image_registry(&req.image)
        .map_err(|e| CliError::usage(format!("the image {:?}: {e}", req.image)))?;
    let now = crate::clock::now().unix_seconds();
    // With the pod's service-account token, the pod pulls as itself; an
    // answer never outlives that token.
    let (api, token_left) = match &req.service_account_token {
        Some(t) => (
            Api::new(settings::target_as(t.clone())?),
            shared::workload::exp_of(t).map(|e| e - now),
        ),
        None => (Api::new(settings::target()?), None),
    };
    let found = resolve::credentials(&api, &registry.server_key())?;
    let Some(found) = found else {
        if token_left.is_some() {
            // Not this workload's registry: kubelet tries its other credentials.
            println!(
                "{}",
                kubelet::empty_response(kubelet::cache_secs(token_left))
            );
            return Ok(());
        }
        return Err(CliError::new(format!(
            "no secret this token may read holds credentials for {}",
            registry.server_key()
        )));
    };
    let left = found
        .expires_at
        .as_deref()
        .and_then(|e| Timestamp::parse(e).ok())
        .map(|t| t.unix_seconds() - now);
    let auth = AuthConfig {
        username: found.username,
        password: found.password,
    };
    let cache = match token_left {
        Some(t) => kubelet::cache_secs(left).min(t.max(0) as u64),
        None => kubelet::cache_secs(left),
    };
    println!("{}", kubelet::response(&registry, auth, cache));
    Ok(())
}
