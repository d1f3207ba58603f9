//! What a write must pass before it touches the store: the caller's
//! preconditions (`If-Match`, `If-None-Match`) against the stored version,
//! and the quota. Used by the secret handlers and by versions and undelete.

use shared::api::{ApiError, ErrorCode};
use shared::SecretName;

use crate::config::Config;
use crate::ctx::Ctx;
use crate::http::Response;
use crate::store::Store;

pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// `If-Match` / `If-None-Match` of a write.
#[derive(Debug, Default, Clone)]
pub struct Preconditions {
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
}

/// Whether an entity-tag list (`"3"`, `W/"3"`, `3`, `*`, comma-separated) names `version`.
fn tag_matches(header: &str, version: u64) -> bool {
    header.split(',').any(|t| {
        let t = t.trim().trim_start_matches("W/").trim_matches('"');
        t == "*" || t == version.to_string()
    })
}

pub fn check_if_match(
    name: &SecretName,
    pre: &Preconditions,
    version: u64,
) -> Result<(), ApiError> {
    match &pre.if_match {
        Some(h) if !tag_matches(h, version) => Err(ApiError::new(
            ErrorCode::PreconditionFailed,
            format!(
                "the secret \"{name}\" is at version {version} (ETag {}), not {}: someone changed it since you read it; GET it again and retry",
                etag(version),
                h.trim()
            ),
        )
        .with_target("If-Match")),
        _ => Ok(()),
    }
}

pub fn with_etag(mut resp: Response, version: u64) -> Response {
    resp.headers.push(("etag".into(), etag(version)));
    resp
}

/// Takes `name`'s place under the quota, or refuses once it is used up
/// (deleted secrets kept for undelete do not count).
pub async fn check_quota<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    registries: &[String],
) -> Result<(), ApiError> {
    let max = cfg.max_secrets;
    // In a secret's object the directory decides, for every name at once.
    if !ctx.store.reserve(name, registries, max).await? {
        return Err(ApiError::new(
            ErrorCode::QuotaExceeded,
            format!("the quota of {max} docker registry secrets is used up; delete one first or raise REGCRED_MAX_SECRETS"),
        ));
    }
    Ok(())
}
