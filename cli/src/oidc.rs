//! A workload's own token, for CI jobs and pods that hold no regcred token:
//! `REGCRED_OIDC_TOKEN_FILE` (read again on every call: projected tokens
//! rotate), or with `REGCRED_OIDC=github-actions` the job's ID token from
//! GitHub Actions (`ACTIONS_ID_TOKEN_REQUEST_URL` plus
//! `&audience=<REGCRED_OIDC_AUDIENCE, default regcred>`, bearer
//! `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, answer `{"value"}`). The token URL is
//! https, or http to loopback only with `REGCRED_ALLOW_HTTP_LOOPBACK`.

use crate::error::{CliError, Result};
use crate::url::checked_url;

const DEFAULT_AUDIENCE: &str = "regcred";

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.is_empty())
}

/// The workload's token, if one of the sources is set.
pub fn workload_token() -> Result<Option<String>> {
    if let Some(path) = env("REGCRED_OIDC_TOKEN_FILE") {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| CliError::new(format!("REGCRED_OIDC_TOKEN_FILE {path}: {e}")))?;
        let token = text.trim().to_owned();
        if token.is_empty() {
            return Err(CliError::new(format!(
                "REGCRED_OIDC_TOKEN_FILE {path} is empty"
            )));
        }
        return Ok(Some(token));
    }
    match env("REGCRED_OIDC").as_deref() {
        None => Ok(None),
        Some("github-actions") => github_actions().map(Some),
        Some(other) => Err(CliError::usage(format!(
            "REGCRED_OIDC={other:?} is not known; set github-actions, or REGCRED_OIDC_TOKEN_FILE"
        ))),
    }
}

fn github_actions() -> Result<String> {
    let (Some(url), Some(bearer)) = (
        env("ACTIONS_ID_TOKEN_REQUEST_URL"),
        env("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    ) else {
        return Err(CliError::new(
            "REGCRED_OIDC=github-actions, but ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN are not set: give the job `permissions: id-token: write`",
        ));
    };
    let url = token_url(&url)?;
    let audience = env("REGCRED_OIDC_AUDIENCE").unwrap_or_else(|| DEFAULT_AUDIENCE.to_owned());
    let url = format!("{url}&audience={}", shared::login::query_escape(&audience));
    let answer = ureq::AgentBuilder::new()
        .redirects(0)
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .get(&url)
        .set("authorization", &format!("Bearer {bearer}"))
        .set("accept", "application/json")
        .call()
        .map_err(|e| {
            CliError::new(format!(
                "GitHub Actions' token request failed: {}",
                short(&e)
            ))
        })?;
    let text = answer
        .into_string()
        .map_err(|_| CliError::new("GitHub Actions' token answer could not be read"))?;
    let body: serde_json::Value = serde_json::from_str(&text)
        .map_err(|_| CliError::new("GitHub Actions' token answer is not JSON"))?;
    body["value"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| CliError::new("GitHub Actions' token answer has no \"value\""))
}

/// Says what went wrong without the URL's query (it may carry a token).
fn short(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Status(code, _) => format!("HTTP {code}"),
        ureq::Error::Transport(t) => t.kind().to_string(),
    }
}

/// https; http only to loopback, and only with REGCRED_ALLOW_HTTP_LOOPBACK.
fn token_url(url: &str) -> Result<String> {
    let checked = checked_url(url)?;
    if checked.starts_with("http://")
        && env("REGCRED_ALLOW_HTTP_LOOPBACK").as_deref() != Some("true")
    {
        return Err(CliError::usage(
            "ACTIONS_ID_TOKEN_REQUEST_URL is plain http: only https (or loopback with REGCRED_ALLOW_HTTP_LOOPBACK=true, for tests)",
        ));
    }
    Ok(url.trim().to_owned())
}
