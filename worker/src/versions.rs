//! The routes over a secret's history (`history.rs`): its versions, the
//! restore of one, undelete, purge and the list of deleted secrets. Every
//! one is served by the Durable Object, the only holder of those records.

use shared::api::{
    ApiError, ErrorCode, IdMessageResponse, Paging, RegistryLogin, VersionInfo, VersionList,
};
use shared::backup::DELETED_PREFIX;
use shared::retention::purge_after;
use shared::scope::sees;
use shared::{Scope, SecretName};

use crate::config::Config;
use crate::ctx::Ctx;
use crate::history::{
    deleted, deleted_key, earlier, keep, purge_all, restorable_below, Head, Policy,
};
use crate::http::Response;
use crate::paging::{list_answer, walk, Window};
use crate::preconditions::{check_if_match, check_quota, etag, Preconditions};
use crate::record::{self, key, load, open, registries_of, seal_text, users_of, SecretMeta};
use crate::store::Store;

pub const MSG_RESTORED: &str = "Secret has been restored";
pub const MSG_UNDELETED: &str = "Secret has been undeleted";
pub const MSG_PURGED: &str = "Kept versions have been purged";

fn info(meta: SecretMeta, current: bool, users: Vec<RegistryLogin>) -> VersionInfo {
    VersionInfo {
        users,
        version: meta.version,
        created_at: meta.modified_at,
        created_by: meta.created_by,
        registries: meta.registries,
        expires_at: meta.expires_at.filter(|e| !e.is_empty()),
        key_id: meta.key_id,
        current,
        deleted_at: meta.deleted_at,
    }
}

fn no_history(name: &SecretName, days: u32) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("there is no docker registry secret named \"{name}\", nor one deleted in the last {days} days"),
    )
    .with_target("dockerRegistryName")
}

/// `GET .../{name}/versions`: the live (or deleted) version, then the kept
/// ones, newest first. Never credentials.
pub async fn versions<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
) -> Result<Response, ApiError> {
    let policy = Policy::of(cfg, ctx.now);
    let mut resources = Vec::new();
    let deleted_at;
    let head = if let Some(live) = ctx.store.get(&key(name)).await? {
        resources.push(info(
            SecretMeta::of(&live),
            true,
            users_of(cfg, name, &live),
        ));
        Head::Live
    } else if let Some((gone, meta)) = deleted(ctx.store, name, &policy).await? {
        deleted_at = meta.deleted_at.clone().unwrap_or_default();
        resources.push(info(meta, false, users_of(cfg, name, &gone)));
        Head::Deleted(&deleted_at)
    } else {
        return Err(no_history(name, policy.days));
    };
    let mut kept = earlier(ctx.store, name).await?;
    let n = restorable_below(head, &kept, &policy);
    for k in kept.drain(..n) {
        // Versions differ mostly by who logs in: open each to say so.
        let users = match ctx.store.get(&k.key).await? {
            Some(stored) => users_of(cfg, name, &stored),
            None => Vec::new(),
        };
        resources.push(info(k.meta, false, users));
    }
    Ok(Response::json(
        200,
        &VersionList {
            count: resources.len() as u64,
            resources,
        },
    ))
}

fn parse_version(raw: &str) -> Result<u64, ApiError> {
    raw.parse::<u64>()
        .ok()
        .filter(|v| *v > 0 && raw.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidQueryParameter,
                format!("the version must be a whole number of 1 or more (got {raw:?}); GET .../versions lists them"),
            )
            .with_target("version")
        })
}

/// `POST .../{name}/versions/{v}/restore`: a new version with the content
/// and expiry of version `v`. The secret must be live (undelete first).
pub async fn restore_version<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    raw_version: &str,
    pre: &Preconditions,
    by: &str,
) -> Result<Response, ApiError> {
    let wanted = parse_version(raw_version)?;
    let policy = Policy::of(cfg, ctx.now);
    let current = load(ctx, name).await?;
    let cur = SecretMeta::of(&current);
    check_if_match(name, pre, cur.version)?;
    let source = if wanted == cur.version {
        current.clone()
    } else {
        let kept = earlier(ctx.store, name).await?;
        let n = restorable_below(Head::Live, &kept, &policy);
        let listed: Vec<String> = kept[..n]
            .iter()
            .map(|k| k.meta.version.to_string())
            .collect();
        let found = kept[..n].iter().find(|k| k.meta.version == wanted);
        let stored = match found {
            Some(k) => ctx.store.get(&k.key).await?,
            None => None,
        };
        stored.ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "version {wanted} of \"{name}\" is not kept; the versions kept are {}{}",
                    cur.version,
                    listed.iter().map(|v| format!(", {v}")).collect::<String>()
                ),
            )
            .with_target("version")
        })?
    };
    let text = open(cfg, name, &source)?;
    let src = SecretMeta::of(&source);
    let version = cur.version + 1;
    let (value, key_id) = seal_text(ctx, cfg, name, version, text.as_bytes())?;
    let created = if cur.created_at.is_empty() {
        ctx.now.to_string()
    } else {
        cur.created_at.clone()
    };
    let meta = record::metadata(
        &registries_of(&src, &text),
        &created,
        &ctx.now.to_string(),
        src.expires_at.as_deref(),
        version,
        &key_id,
        by,
    );
    keep(ctx.store, name, &current, &policy).await?;
    ctx.store.put(&key(name), &value, &meta).await?;
    let mut resp = Response::json(
        202,
        &IdMessageResponse {
            id: name.to_string(),
            message: format!("{MSG_RESTORED} from version {wanted}"),
            warnings: Vec::new(),
        },
    );
    resp.headers.push(("etag".into(), etag(version)));
    Ok(resp)
}

/// `POST .../{name}/undelete`: the deleted record becomes live again, at
/// the version it had.
pub async fn undelete<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
) -> Result<Response, ApiError> {
    let policy = Policy::of(cfg, ctx.now);
    if ctx.store.get(&key(name)).await?.is_some() {
        return Err(ApiError::new(
            ErrorCode::SecretAlreadyExists,
            format!("a secret named \"{name}\" exists again; its older versions are under GET .../{name}/versions, restore one from there"),
        )
        .with_target("dockerRegistryName"));
    }
    let Some((gone, mut meta)) = deleted(ctx.store, name, &policy).await? else {
        return Err(no_history(name, policy.days));
    };
    // What the directory indexes: every registry, when the value opens.
    let registries = open(cfg, name, &gone)
        .map(|text| registries_of(&meta, &text))
        .unwrap_or_else(|_| meta.registries.clone());
    check_quota(ctx, cfg, name, &registries).await?;
    meta.deleted_at = None;
    let version = meta.version;
    // It fitted KV's limit before it was deleted.
    let value = serde_json::to_value(&meta).unwrap_or_default();
    ctx.store.put(&key(name), &gone.value, &value).await?;
    ctx.store.delete(&deleted_key(name)).await?;
    let mut resp = Response::json(
        202,
        &IdMessageResponse {
            id: name.to_string(),
            message: MSG_UNDELETED.into(),
            warnings: Vec::new(),
        },
    );
    resp.headers.push(("etag".into(), etag(version)));
    Ok(resp)
}

/// `POST .../{name}/purge`: drops for good every record of `name` but the
/// live one (a deleted secret, kept versions).
pub async fn purge<S: Store>(ctx: &Ctx<'_, S>, name: &SecretName) -> Result<Response, ApiError> {
    let n = purge_all(ctx.store, name).await?;
    if n == 0 && ctx.store.get(&key(name)).await?.is_none() {
        return Err(record::not_found(name));
    }
    Ok(Response::json(
        202,
        &IdMessageResponse {
            id: name.to_string(),
            message: format!("{MSG_PURGED} ({n})"),
            warnings: Vec::new(),
        },
    ))
}

/// `GET ...?deleted=true`: deleted secrets within their retention, with
/// when they were deleted and when they go for good. Paged like the list.
pub async fn list_deleted<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    paging: &Paging,
    scope: Option<&Scope>,
) -> Result<Response, ApiError> {
    let policy = Policy::of(cfg, ctx.now);
    let window = Window::of(paging, u64::MAX);
    let (resources, total) = walk(ctx.store, DELETED_PREFIX, window, true, |k| {
        let name = k.name.strip_prefix(DELETED_PREFIX).unwrap_or(&k.name);
        if !sees(scope, name) {
            return None;
        }
        let meta = k.read_metadata::<SecretMeta>()?;
        let at = meta.deleted_at.clone()?;
        if policy.ended(&at) {
            return None;
        }
        let mut status = meta.status(name, Some(policy.now));
        status.purge_after = purge_after(&at, policy.days).map(|t| t.to_string());
        status.deleted_at = Some(at);
        Some(status)
    })
    .await?;
    Ok(list_answer(paging, resources, total))
}
