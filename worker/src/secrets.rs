//! The dockerRegistrySecrets handlers: list, get, pull, create, modify,
//! delete and the quota, over the stored record (`record.rs`).

use shared::api::RegistryLogin;
use shared::api::{
    ApiError, CreatedResponse, ErrorCode, IdMessageResponse, Paging, Quota, QuotaResponse,
    QuotaUsage, MSG_CREATED, MSG_DELETED, MSG_MODIFIED,
};
use shared::brokered::{self as stored_form, parse_content};
use shared::requests::{parse_modify, Content, CredentialChange, ValidCreate};
use shared::scope::sees;
use shared::source::Source;
use shared::{parse_stored_dockerconfigjson, Scope, SecretName};

use crate::brokered::{self, Caller};
use crate::config::Config;
use crate::ctx::Ctx;
use crate::history::{self, Policy};
use crate::http::{pairs, unserializable, Response};
use crate::list_item::Items;
use crate::paging::{self, walk, Window};
use crate::preconditions::{check_if_match, check_quota, with_etag, Preconditions};
use crate::record::{key, load, metadata, open, seal_text, SecretMeta, PREFIX};
use crate::store::Store;
use crate::versions;

/// A scoped caller's list holds, and counts, only secrets inside its scope.
pub async fn list<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    query: &[(String, String)],
    scope: Option<&Scope>,
) -> Result<Response, ApiError> {
    let paging = Paging::from_query(pairs(query))?;
    if paging.deleted {
        return versions::list_deleted(ctx, cfg, &paging, scope).await;
    }
    let now = ctx.now.timestamp();
    let window = Window::of(&paging, u64::MAX);
    // With the expiry filter, only matching secrets count.
    let days = paging.expiring_within_days;
    let failing = paging.failing;
    let filtered = days.is_some() || scope.is_some() || failing;
    let items = Items::new(now).ok_or_else(unserializable)?;
    let (resources, total) = walk(ctx.store, PREFIX, window, filtered, |k| {
        let name = k.name.strip_prefix(PREFIX).unwrap_or(&k.name);
        if !sees(scope, name) {
            return None;
        }
        let entry = items.entry(name, k.metadata.as_deref());
        if failing && !entry.failing() {
            return None;
        }
        let wanted = match days {
            None => true,
            Some(days) => entry
                .expires()
                .is_some_and(|t| t.days_after(now) < days as i64),
        };
        wanted.then(|| entry.write(&items))
    })
    .await?;
    Ok(paging::list_page(&paging, resources, total))
}

/// The usage a scoped caller sees counts only the secrets inside its scope.
/// SAP's `quotaOnly=true` answers the quota alone, without walking KV.
pub async fn quota<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    query: &[(String, String)],
    scope: Option<&Scope>,
) -> Result<Response, ApiError> {
    let asked = shared::api::QuotaQuery::from_query(pairs(query))?;
    let max_count = cfg.max_secrets;
    let usage = if asked.quota_only {
        None
    } else {
        let (_, total) = walk(
            ctx.store,
            PREFIX,
            Window::count_only(),
            scope.is_some(),
            |k| sees(scope, k.name.strip_prefix(PREFIX).unwrap_or(&k.name)).then_some(()),
        )
        .await?;
        Some(QuotaUsage { count: total })
    };
    Ok(Response::json(
        200,
        &QuotaResponse {
            usage,
            quota: Quota { max_count },
        },
    ))
}

pub async fn get<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
) -> Result<Response, ApiError> {
    let stored = load(ctx, name).await?;
    let meta = SecretMeta::of(&stored);
    let (omitted, version) = (meta.omitted, meta.version);
    let mut status = meta.status(name.as_str(), Some(ctx.now.timestamp()));
    // Usernames are shown so an edit can keep them; they live in the value.
    let text = open(cfg, name, &stored)?;
    if let Ok(parsed) = parse_stored_dockerconfigjson(&text) {
        // A brokered secret's value is its source: it shows `source` instead.
        if omitted > 0 {
            // The metadata could not hold every registry.
            status.registries = parsed.config.registries();
        }
        status.users = RegistryLogin::of(&parsed.config);
    }
    Ok(with_etag(Response::json(200, &status), version))
}

/// `GET /v2/admin/health`: how many secrets (the caller may see) are in
/// each state, from the list metadata alone.
pub async fn health_counts<S: Store>(
    ctx: &Ctx<'_, S>,
    scope: Option<&Scope>,
) -> Result<Response, ApiError> {
    let (states, _) = walk(ctx.store, PREFIX, Window::all(), true, |k| {
        let name = k.name.strip_prefix(PREFIX).unwrap_or(&k.name);
        if !sees(scope, name) {
            return None;
        }
        let meta = k.read_metadata::<SecretMeta>().unwrap_or_default();
        let status = meta
            .watch
            .map_or(shared::health::HealthStatus::Unchecked, |w| w.health.status);
        serde_json::to_value(status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    })
    .await?;
    let mut counts = std::collections::BTreeMap::new();
    for s in states {
        *counts.entry(s).or_insert(0u64) += 1;
    }
    Ok(Response::json(200, &shared::api::HealthCounts { counts }))
}

/// The assembled `.dockerconfigjson`; its expiry, if any, in `Expires-At`
/// (the body is the plain document a client merges into its config). A
/// brokered secret's document holds the credential minted from its source,
/// and `Expires-At` is that credential's expiry.
pub async fn pull<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    caller: Caller<'_>,
) -> Result<Response, ApiError> {
    let stored = load(ctx, name).await?;
    let text = open(cfg, name, &stored)?;
    if let Some(source) = stored_form::parse_stored(&text) {
        let handed = brokered::current(ctx, cfg, name, &stored, &source, caller).await?;
        let mut resp = Response::bytes(
            200,
            "application/json",
            handed.config.to_json().into_bytes(),
        );
        let until = handed.current.expires().to_string();
        resp.headers.push(("expires-at".into(), until));
        return Ok(resp);
    }
    let mut resp = Response::bytes(200, "application/json", text.into_bytes());
    if let Some(e) = SecretMeta::of(&stored).expires_at.filter(|e| !e.is_empty()) {
        resp.headers.push(("expires-at".into(), e));
    }
    Ok(resp)
}

/// The plaintext a secret's content seals, its registries and the source
/// info its metadata shows.
fn sealed_form(content: &Content) -> (Vec<u8>, Vec<String>, Option<shared::source::SourceInfo>) {
    match content {
        Content::Static(p) => (p.config.to_json().into_bytes(), p.config.registries(), None),
        Content::Brokered(s) => (
            stored_form::stored(s).into_bytes(),
            content.registries(),
            Some(s.info()),
        ),
    }
}

/// `meta` (as `record::metadata` built it) showing `source`.
fn with_source(
    mut meta: serde_json::Value,
    source: Option<shared::source::SourceInfo>,
) -> serde_json::Value {
    if let (Some(info), Some(map)) = (source, meta.as_object_mut()) {
        map.insert("s".into(), serde_json::to_value(info).unwrap_or_default());
    }
    meta
}

/// Creates the secret a parsed create body describes.
pub async fn create<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    valid: ValidCreate,
    pre: &Preconditions,
    by: &str,
) -> Result<Response, ApiError> {
    let k = key(&valid.name);
    if ctx.store.get(&k).await?.is_some() {
        if pre.if_none_match.as_deref().map(str::trim) == Some("*") {
            return Err(ApiError::new(
                ErrorCode::PreconditionFailed,
                format!(
                    "a secret named \"{}\" already exists (If-None-Match: *)",
                    valid.name
                ),
            )
            .with_target("If-None-Match"));
        }
        return Err(ApiError::new(
            ErrorCode::SecretAlreadyExists,
            format!(
                "a secret named \"{}\" already exists; choose another name or PATCH the existing one",
                valid.name
            ),
        )
        .with_target("name"));
    }
    let (plain, registries, source) = sealed_form(&valid.content);
    check_quota(ctx, cfg, &valid.name, &registries).await?;
    // A name deleted before goes on from its last version.
    let policy = Policy::of(cfg, ctx.now);
    let version = history::next_version(ctx.store, &valid.name, &policy).await?;
    let (value, key_id) = seal_text(ctx, cfg, &valid.name, version, &plain)?;
    let expires = valid.expires_at.map(|t| t.to_string());
    let now = ctx.now.to_string();
    let meta = metadata(
        &registries,
        &now,
        &now,
        expires.as_deref(),
        version,
        &key_id,
        by,
    );
    let meta = with_source(meta, source);
    ctx.store.put(&k, &value, &meta).await?;
    let mut resp = Response::json(
        202,
        &CreatedResponse {
            message: MSG_CREATED.into(),
            warnings: match &valid.content {
                Content::Static(p) => warnings(&p.warnings),
                Content::Brokered(_) => Vec::new(),
            },
        },
    );
    resp.headers.push((
        "location".into(),
        format!("/v2/admin/dockerRegistrySecrets/{}", valid.name),
    ));
    Ok(with_etag(resp, version))
}

fn warnings(w: &[shared::ConfigWarning]) -> Vec<String> {
    w.iter().map(ToString::to_string).collect()
}

pub async fn modify<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    body: &[u8],
    pre: &Preconditions,
    by: &str,
) -> Result<Response, ApiError> {
    let stored = load(ctx, name).await?;
    let valid = parse_modify(body, name, cfg.allow_http_loopback)?;
    let old = SecretMeta::of(&stored);
    let version = old.version;
    check_if_match(name, pre, version)?;
    let created = if old.created_at.is_empty() {
        ctx.now.to_string()
    } else {
        old.created_at
    };
    let expires = match valid.expires_at {
        None => old.expires_at,
        Some(change) => change.map(|t| t.to_string()),
    };
    // The value is sealed to its version, so even an expiry-only change
    // seals the same credentials again, for the next version.
    let replaced = match valid.change {
        Some(CredentialChange::Replace(parsed)) => Some(Content::Static(parsed)),
        Some(CredentialChange::Source(source)) => Some(Content::Brokered(source)),
        Some(CredentialChange::Edit(edit)) => {
            let text = open(cfg, name, &stored)?;
            let current = match parse_content(&text).map_err(shared::requests::config_error)? {
                Content::Static(p) => p,
                Content::Brokered(_) => return Err(edits_no_source(name)),
            };
            Some(Content::Static(edit.apply(&current.config)?))
        }
        None => None,
    };
    let mut source = old.source.clone();
    let ((value, key_id), registries) = match &replaced {
        Some(content) => {
            let (plain, registries, info) = sealed_form(content);
            source = info;
            (seal_text(ctx, cfg, name, version + 1, &plain)?, registries)
        }
        None => {
            let text = open(cfg, name, &stored)?;
            let sealed = seal_text(ctx, cfg, name, version + 1, text.as_bytes())?;
            // Re-read the registry list if the metadata could not hold all of it.
            let registries = if old.omitted > 0 && old.source.is_none() {
                parse_stored_dockerconfigjson(&text)
                    .map_err(shared::requests::config_error)?
                    .config
                    .registries()
            } else {
                old.registries
            };
            (sealed, registries)
        }
    };
    let meta = metadata(
        &registries,
        &created,
        &ctx.now.to_string(),
        expires.as_deref(),
        version + 1,
        &key_id,
        by,
    );
    // A new version's credential is minted again: the kept one is bound to
    // the old version, so its times are not shown.
    let meta = with_source(meta, source.map(fresh_info));
    history::keep(ctx.store, name, &stored, &Policy::of(cfg, ctx.now)).await?;
    ctx.store.put(&key(name), &value, &meta).await?;
    let warnings_of = match &replaced {
        Some(Content::Static(p)) => warnings(&p.warnings),
        _ => Vec::new(),
    };
    let resp = Response::json(
        202,
        &IdMessageResponse {
            id: name.to_string(),
            message: MSG_MODIFIED.into(),
            warnings: warnings_of,
        },
    );
    Ok(with_etag(resp, version + 1))
}

fn fresh_info(mut info: shared::source::SourceInfo) -> shared::source::SourceInfo {
    info.minted_at = None;
    info.minted_until = None;
    info
}

fn edits_no_source(name: &SecretName) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidRequestBody,
        format!("\"{name}\" mints its credentials from a cloud source, so it has no entry to edit; send a whole new \"source\" (or \"data\" to make it a plain secret)"),
    )
    .with_target("entry")
}

/// The source a stored record holds, if it is brokered.
pub fn source_of(text: &str) -> Option<Source> {
    stored_form::parse_stored(text)
}

pub async fn delete<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    pre: &Preconditions,
) -> Result<Response, ApiError> {
    let stored = load(ctx, name).await?;
    check_if_match(name, pre, SecretMeta::of(&stored).version)?;
    // Kept for undelete; gone from list, get and pull.
    let policy = Policy::of(cfg, ctx.now);
    history::retire(ctx.store, name, &stored, &policy, &ctx.now.to_string()).await?;
    Ok(Response::json(
        202,
        &IdMessageResponse {
            id: name.to_string(),
            message: MSG_DELETED.into(),
            warnings: Vec::new(),
        },
    ))
}
