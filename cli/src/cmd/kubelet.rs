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
    let api = Api::new(settings::target()?);
    let found = resolve::credentials(&api, &registry.server_key())?.ok_or_else(|| {
        CliError::new(format!(
            "no secret this token may read holds credentials for {}",
            registry.server_key()
        ))
    })?;
    let now = crate::clock::now().unix_seconds();
    let left = found
        .expires_at
        .as_deref()
        .and_then(|e| Timestamp::parse(e).ok())
        .map(|t| t.unix_seconds() - now);
    let auth = AuthConfig {
        username: found.username,
        password: found.password,
    };
    println!(
        "{}",
        kubelet::response(&registry, auth, kubelet::cache_secs(left))
    );
    Ok(())
}
