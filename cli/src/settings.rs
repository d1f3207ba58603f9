//! Where to talk to and with which token: `REGCRED_URL` and `REGCRED_TOKEN`
//! win; else what `regcred login` saved in `<config dir>/regcred/config.json`
//! (mode 0600). Also the registry → secret pins of the credential helper.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{CliError, Result};
pub use crate::url::checked_url;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Saved {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Registry (as given) → the secret the credential helper reads for it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pins: BTreeMap<String, String>,
}

/// The config file: `REGCRED_CONFIG`, else `$XDG_CONFIG_HOME/regcred/config.json`,
/// else `~/.config/regcred/config.json`.
pub fn path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("REGCRED_CONFIG") {
        return Ok(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .ok_or_else(|| {
            CliError::new(
                "neither HOME nor XDG_CONFIG_HOME is set: set REGCRED_CONFIG to a file path",
            )
        })?;
    Ok(base.join("regcred").join("config.json"))
}

pub fn load() -> Result<Saved> {
    let p = path()?;
    match std::fs::read_to_string(&p) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            CliError::new(format!(
                "{} is not a regcred config ({e}); fix it or remove it and run regcred login",
                p.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Saved::default()),
        Err(e) => Err(CliError::new(format!("{}: {e}", p.display()))),
    }
}

/// Writes the file readable by its owner only, whatever it was before.
pub fn save(saved: &Saved) -> Result<PathBuf> {
    let p = path()?;
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string_pretty(saved).map_err(|e| CliError::new(e.to_string()))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&p)
        .map_err(|e| CliError::new(format!("{}: {e}", p.display())))?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")?;
    Ok(p)
}

/// The API to talk to.
#[derive(Clone)]
pub struct Target {
    pub url: String,
    pub token: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("url", &self.url).finish()
    }
}

/// URL and token from the environment, else from the config file.
/// `target()` with `token` in place of the configured one (a pod's
/// service-account token, given by kubelet).
pub fn target_as(token: String) -> Result<Target> {
    let saved = load()?;
    let url = std::env::var("REGCRED_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .or(saved.url)
        .ok_or_else(|| CliError::new("no regcred API to talk to: set REGCRED_URL"))?;
    Ok(Target {
        url: checked_url(&url)?,
        token,
    })
}

pub fn target() -> Result<Target> {
    let saved = load()?;
    // Set but empty counts as unset, as shells make it easy to do.
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let url = env("REGCRED_URL").or(saved.url);
    // A stored token wins; else the workload's own; else the saved login.
    let token = match env("REGCRED_TOKEN") {
        Some(t) => Some(t),
        None => crate::oidc::workload_token()?.or(saved.token),
    };
    match (url, token) {
        (Some(url), Some(token)) => Ok(Target {
            url: checked_url(&url)?,
            token,
        }),
        (None, _) => Err(CliError::new(
            "no regcred API to talk to: run `regcred login URL` or set REGCRED_URL and REGCRED_TOKEN",
        )),
        (Some(_), None) => Err(CliError::new(
            "no API token: run `regcred login URL` or set REGCRED_TOKEN",
        )),
    }
}
