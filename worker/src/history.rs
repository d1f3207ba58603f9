//! Versions and undelete, on the outside SAP's API unchanged. Every write
//! that replaces a secret first keeps its current record as
//! `version:<name>/<v>`; a delete moves it to `deleted:<name>` (with the
//! time), so it leaves list, get and pull but can be brought back. Creating
//! the name again moves that record among the kept versions, and numbers go
//! on from it, so old history stays restorable (and ETags never repeat).
//!
//! What is kept: the configured number of versions per name (the current or
//! deleted one included), and nothing at or below a deletion whose
//! retention ended (`shared::retention`). Those records are dropped at the
//! name's next write, by `purge`, or by the alarm's `sweep`; until then they
//! are invisible. The records live in the Durable Object's storage only:
//! every route here is served there.

use shared::api::{
    ApiError, ErrorCode, IdMessageResponse, Paging, RegistryLogin, VersionInfo, VersionList,
};
use shared::backup::{RecordKey, DELETED_PREFIX};
use shared::retention::{expired, purge_after, restorable};
use shared::scope::sees;
use shared::time::Timestamp;
use shared::{Scope, SecretName};

use crate::config::Config;
use crate::ctx::{Ctx, Now};
use crate::http::Response;
use crate::paging::{list_answer, walk, Window};
use crate::preconditions::{check_if_match, check_quota, etag, Preconditions};
use crate::record::{self, key, load, open, registries_of, seal_text, users_of, SecretMeta};
use crate::store::{Store, StoreError, Stored, KV_PAGE};

pub const MSG_RESTORED: &str = "Secret has been restored";
pub const MSG_UNDELETED: &str = "Secret has been undeleted";
pub const MSG_PURGED: &str = "Kept versions have been purged";

pub fn version_key(name: &SecretName, version: u64) -> String {
    RecordKey::Version(name.clone(), version).to_string()
}

pub fn deleted_key(name: &SecretName) -> String {
    RecordKey::Deleted(name.clone()).to_string()
}

/// How much is kept, and the time it is judged at.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub versions: usize,
    pub days: u32,
    pub now: Timestamp,
}

impl Policy {
    pub fn of(cfg: &Config, now: Now) -> Policy {
        Policy {
            versions: cfg.versions as usize,
            days: cfg.retention_days,
            now: now.timestamp(),
        }
    }

    fn ended(&self, deleted_at: &str) -> bool {
        expired(deleted_at, self.days, self.now)
    }
}

/// What leads a name's history: its live record, its deleted one, or none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Head<'a> {
    None,
    Live,
    Deleted(&'a str),
}

struct Kept {
    key: String,
    meta: SecretMeta,
}

/// A name's kept earlier versions, newest first, restorable or not.
async fn earlier<S: Store>(store: &S, name: &SecretName) -> Result<Vec<Kept>, StoreError> {
    let prefix = RecordKey::versions_of(name);
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.list(&prefix, cursor.as_deref(), KV_PAGE).await?;
        out.extend(page.keys.iter().map(|k| Kept {
            key: k.name.clone(),
            meta: k.read_metadata().unwrap_or_default(),
        }));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    out.reverse();
    Ok(out)
}

/// How many of `kept` stay restorable under `head`.
fn restorable_below(head: Head<'_>, kept: &[Kept], policy: &Policy) -> usize {
    let mut deleted: Vec<Option<&str>> = Vec::with_capacity(kept.len() + 1);
    match head {
        Head::None => {}
        Head::Live => deleted.push(None),
        Head::Deleted(at) => deleted.push(Some(at)),
    }
    let first = deleted.len();
    deleted.extend(kept.iter().map(|k| k.meta.deleted_at.as_deref()));
    restorable(&deleted, policy.versions, policy.days, policy.now).saturating_sub(first)
}

/// Drops the kept versions of `name` that are past the count or retention.
async fn prune<S: Store>(
    store: &S,
    name: &SecretName,
    head: Head<'_>,
    policy: &Policy,
) -> Result<Vec<Kept>, StoreError> {
    let mut kept = earlier(store, name).await?;
    let n = restorable_below(head, &kept, policy);
    for k in kept.drain(n..) {
        store.delete(&k.key).await?;
    }
    Ok(kept)
}

/// Keeps `current` among the versions before a write replaces it.
pub async fn keep<S: Store>(
    store: &S,
    name: &SecretName,
    current: &Stored,
    policy: &Policy,
) -> Result<(), StoreError> {
    let version = SecretMeta::of(current).version;
    let meta = current.metadata.clone().unwrap_or_default();
    store
        .put(&version_key(name, version), &current.value, &meta)
        .await?;
    prune(store, name, Head::Live, policy).await.map(|_| ())
}

/// The version a create of `name` starts at. Kept versions exist only
/// beside a live or deleted record (`purge_all` drops them before it), so
/// a name with neither starts at 1 and costs no list. A deleted record
/// still within its retention joins the kept versions (the old history
/// stays restorable); one past it is purged with its history.
pub async fn next_version<S: Store>(
    store: &S,
    name: &SecretName,
    policy: &Policy,
) -> Result<u64, StoreError> {
    let Some(gone) = store.get(&deleted_key(name)).await? else {
        return Ok(1);
    };
    let meta = SecretMeta::of(&gone);
    if meta.deleted_at.as_deref().is_some_and(|d| policy.ended(d)) {
        purge_all(store, name).await?;
        return Ok(1);
    }
    // Kept first, then moved: a crash between leaves both, never neither.
    let value = gone.metadata.clone().unwrap_or_default();
    store
        .put(&version_key(name, meta.version), &gone.value, &value)
        .await?;
    store.delete(&deleted_key(name)).await?;
    prune(store, name, Head::Live, policy).await?;
    Ok(meta.version + 1)
}

/// The delete of a live secret: its record moves to `deleted:<name>`.
pub async fn retire<S: Store>(
    store: &S,
    name: &SecretName,
    current: &Stored,
    policy: &Policy,
    now: &str,
) -> Result<(), StoreError> {
    let mut meta = SecretMeta::of(current);
    meta.deleted_at = Some(now.to_owned());
    let value = serde_json::to_value(&meta).unwrap_or_default();
    store
        .put(&deleted_key(name), &current.value, &value)
        .await?;
    store.delete(&key(name)).await?;
    prune(store, name, Head::Deleted(now), policy)
        .await
        .map(|_| ())
}

/// Every record a name has besides its live one: deleted, and kept versions.
async fn purge_all<S: Store>(store: &S, name: &SecretName) -> Result<u64, StoreError> {
    // Versions first: none is ever left without the record that leads it.
    let mut n = 0;
    for k in earlier(store, name).await? {
        store.delete(&k.key).await?;
        n += 1;
    }
    if store.get(&deleted_key(name)).await?.is_some() {
        store.delete(&deleted_key(name)).await?;
        n += 1;
    }
    Ok(n)
}

/// A deleted record still within its retention.
async fn deleted<S: Store>(
    store: &S,
    name: &SecretName,
    policy: &Policy,
) -> Result<Option<(Stored, SecretMeta)>, StoreError> {
    let Some(gone) = store.get(&deleted_key(name)).await? else {
        return Ok(None);
    };
    let meta = SecretMeta::of(&gone);
    if meta.deleted_at.as_deref().is_some_and(|d| policy.ended(d)) {
        return Ok(None);
    }
    Ok(Some((gone, meta)))
}

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
    check_quota(ctx, cfg).await?;
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

/// Drops deleted secrets whose retention ended, with their history (the
/// Durable Object's alarm). Answers how many names went.
pub async fn sweep<S: Store>(store: &S, policy: &Policy) -> Result<u64, StoreError> {
    let mut ended = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .list(DELETED_PREFIX, cursor.as_deref(), KV_PAGE)
            .await?;
        for k in &page.keys {
            let meta: SecretMeta = k.read_metadata().unwrap_or_default();
            if meta.deleted_at.as_deref().is_some_and(|d| policy.ended(d)) {
                if let Ok(RecordKey::Deleted(name)) = RecordKey::parse(&k.name) {
                    ended.push(name);
                }
            }
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    for name in &ended {
        purge_all(store, name).await?;
    }
    Ok(ended.len() as u64)
}
