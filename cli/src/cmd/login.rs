//! `regcred login | logout | pin`: what the config file holds.

use shared::api::SessionResponse;
use shared::{Registry, SecretName};

use crate::client::Api;
use crate::error::{CliError, Result};
use crate::prompt;
use crate::settings::{self, checked_url, Target};

pub fn login(url: &str, token_stdin: bool) -> Result<()> {
    let url = checked_url(url)?;
    let token = if token_stdin {
        prompt::read_stdin_line("the token")?
    } else {
        prompt::ask_secret("API token", "--token-stdin", false)?
    };
    let api = Api::new(Target {
        url: url.clone(),
        token: token.clone(),
    });
    let session: SessionResponse = api
        .get("/v2/session")
        .map_err(|e| CliError::new(format!("{url} did not accept the token: {e}")))?;
    let mut saved = settings::load()?;
    saved.url = Some(url.clone());
    saved.token = Some(token);
    let path = settings::save(&saved)?;
    println!(
        "logged in to {url} as {} ({}); saved in {} (mode 0600)",
        session.label,
        session.role,
        path.display()
    );
    Ok(())
}

pub fn logout() -> Result<()> {
    let mut saved = settings::load()?;
    if saved.token.take().is_none() {
        println!("no token was saved");
        return Ok(());
    }
    let path = settings::save(&saved)?;
    println!("the token is removed from {}", path.display());
    Ok(())
}

pub fn pin(registry: &str, secret: Option<&str>, remove: bool) -> Result<()> {
    let parsed =
        Registry::parse(registry).map_err(|e| CliError::usage(format!("the registry: {e}")))?;
    let mut saved = settings::load()?;
    saved
        .pins
        .retain(|k, _| Registry::parse(k).map_or(true, |r| !r.same_registry(&parsed)));
    if remove {
        settings::save(&saved)?;
        println!("{registry} is no longer pinned");
        return Ok(());
    }
    let secret = secret.ok_or_else(|| CliError::usage("name the secret to pin (or --remove)"))?;
    let name =
        SecretName::parse(secret).map_err(|e| CliError::usage(format!("the secret name: {e}")))?;
    saved.pins.insert(parsed.server_key(), name.to_string());
    settings::save(&saved)?;
    println!(
        "docker-credential-regcred reads {name} for {}",
        parsed.server_key()
    );
    Ok(())
}
