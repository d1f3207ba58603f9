//! The dockerRegistrySecrets handlers. KV layout (see ARCHITECTURE.md):
//! key `secret:<name>`, value = encrypted envelope of the `.dockerconfigjson`,
//! metadata = `{"r": [registries], "c": created, "m": modified, "x": omitted,
//! "e": expiresAt, "v": version}`. The version backs ETag / If-Match.
//! so a list page needs no per-key read.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::api::{
    ApiError, CreatedResponse, ErrorCode, IdMessageResponse, Paging, Quota, QuotaResponse,
    QuotaUsage, SecretList, SecretStatus, MSG_CREATED, MSG_DELETED, MSG_MODIFIED,
};
use shared::requests::{parse_create, parse_modify};
use shared::time::Timestamp;
use shared::{parse_dockerconfigjson, DockerConfig, SecretName};

use crate::app::Ctx;
use crate::crypto::NONCE_LEN;
use crate::http::Response;
use crate::store::{Store, Stored, KV_PAGE};

pub const PREFIX: &str = "secret:";
/// Workers KV refuses metadata over 1024 bytes serialized.
pub const MAX_METADATA_BYTES: usize = 1024;

pub fn key(name: &SecretName) -> String {
    format!("{PREFIX}{name}")
}

pub(crate) fn storage_error(e: crate::store::StoreError) -> ApiError {
    ApiError::new(
        ErrorCode::InternalError,
        format!("the secret store failed ({}); try again", e.0),
    )
}

/// The stored secret, or a 404 that names it.
pub(crate) async fn load<S: Store>(
    ctx: &Ctx<'_, S>,
    name: &SecretName,
) -> Result<Stored, ApiError> {
    ctx.store
        .get(&key(name))
        .await
        .map_err(storage_error)?
        .ok_or_else(|| not_found(name))
}

pub(crate) fn not_found(name: &SecretName) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("there is no docker registry secret named \"{name}\""),
    )
    .with_target("dockerRegistryName")
}

/// A secret's KV metadata: what a list page shows without reading values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecretMeta {
    /// Registries, cut from the end to fit KV's limit; `x` counts the cut.
    pub r: Vec<String>,
    pub c: String,
    pub m: String,
    pub x: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    pub v: u64,
}

impl Default for SecretMeta {
    /// Secrets written before versions existed are at version 1.
    fn default() -> Self {
        SecretMeta {
            r: Vec::new(),
            c: String::new(),
            m: String::new(),
            x: 0,
            e: None,
            v: 1,
        }
    }
}

impl SecretMeta {
    /// The metadata of a stored secret; unreadable metadata reads as empty.
    pub fn of(stored: &Stored) -> SecretMeta {
        stored
            .metadata
            .as_ref()
            .and_then(|m| SecretMeta::deserialize(m).ok())
            .unwrap_or_default()
    }
}

/// Metadata that fits KV's 1 KiB limit: registries are dropped from the end
/// (and counted in "x") until it fits; GET reads the full list from the value.
pub fn metadata(
    registries: &[String],
    created: &str,
    modified: &str,
    expires: Option<&str>,
    version: u64,
) -> Value {
    let mut kept = registries.len();
    loop {
        let m = SecretMeta {
            r: registries[..kept].to_vec(),
            c: created.to_owned(),
            m: modified.to_owned(),
            x: (registries.len() - kept) as u64,
            e: expires.map(str::to_owned),
            v: version,
        };
        let value = serde_json::to_value(&m).unwrap_or_default();
        if value.to_string().len() <= MAX_METADATA_BYTES || kept == 0 {
            return value;
        }
        kept -= 1;
    }
}

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

fn check_if_match(name: &SecretName, pre: &Preconditions, version: u64) -> Result<(), ApiError> {
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

fn with_etag(mut resp: Response, version: u64) -> Response {
    resp.headers.push(("etag".into(), etag(version)));
    resp
}

fn status_from(name: &str, meta: SecretMeta, now: Option<Timestamp>) -> SecretStatus {
    let expiry = match (meta.e.as_deref().map(Timestamp::parse), now) {
        (Some(Ok(t)), Some(now)) => Some(t.expiry_state(now)),
        _ => None,
    };
    SecretStatus {
        name: name.to_owned(),
        registries: meta.r,
        created_at: meta.c,
        modified_at: meta.m,
        expires_at: meta.e.filter(|e| !e.is_empty()),
        expiry,
    }
}

fn seal<S: Store>(
    ctx: &Ctx<'_, S>,
    name: &SecretName,
    config: &DockerConfig,
) -> Result<String, ApiError> {
    let cfg = ctx.config()?;
    let mut nonce = [0u8; NONCE_LEN];
    if !(ctx.random)(&mut nonce) {
        return Err(ApiError::new(
            ErrorCode::InternalError,
            "no random source is available to encrypt the secret; try again",
        ));
    }
    cfg.keyring
        .seal(name, config.to_json().as_bytes(), nonce)
        .map_err(|e| ApiError::new(ErrorCode::InternalError, e))
}

pub(crate) fn open<S: Store>(
    ctx: &Ctx<'_, S>,
    name: &SecretName,
    stored: &Stored,
) -> Result<String, ApiError> {
    let cfg = ctx.config()?;
    let plain = cfg.keyring.open(name, &stored.value).map_err(|e| {
        ApiError::new(
            ErrorCode::InternalError,
            format!("the stored secret \"{name}\" cannot be decrypted with the configured keys ({e:?}); check REGCRED_KEYS"),
        )
    })?;
    String::from_utf8(plain).map_err(|_| {
        ApiError::new(
            ErrorCode::InternalError,
            format!("the stored secret \"{name}\" is not text"),
        )
    })
}

/// Walks list pages: skips `skip` keys, keeps up to `top`, and counts all
/// keys only when `count_all` (that costs one list call per 1000 secrets).
async fn walk<S: Store>(
    store: &S,
    paging: Paging,
    count_all: bool,
    now: Option<Timestamp>,
) -> Result<(Vec<SecretStatus>, u64), ApiError> {
    // With the expiry filter, "seen" counts only matching secrets.
    let wanted = |s: &SecretStatus| match (paging.expiring_within_days, now) {
        (None, _) => true,
        (Some(days), Some(now)) => s
            .expires_at
            .as_deref()
            .and_then(|e| Timestamp::parse(e).ok())
            .is_some_and(|t| t.days_after(now) < days as i64),
        (Some(_), None) => false,
    };
    let mut seen = 0u64;
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let top = paging.top.unwrap_or(u64::MAX);
    loop {
        let page = store
            .list(PREFIX, cursor.as_deref(), KV_PAGE)
            .await
            .map_err(storage_error)?;
        let filtered = paging.expiring_within_days.is_some();
        for k in page.keys {
            let full = out.len() as u64 >= top;
            if full && !count_all {
                break;
            }
            let shown = seen >= paging.skip && !full;
            // Without a filter, a key that is skipped or only counted needs
            // no metadata read: deep $skip stays a walk over names.
            if !shown && !filtered {
                seen += 1;
                continue;
            }
            let name = k.name.strip_prefix(PREFIX).unwrap_or(&k.name);
            let meta = k.read_metadata::<SecretMeta>().unwrap_or_default();
            let status = status_from(name, meta, now);
            if !wanted(&status) {
                continue;
            }
            seen += 1;
            if shown {
                out.push(status);
            }
        }
        let full = out.len() as u64 >= top;
        match page.cursor {
            Some(c) if count_all || !full => cursor = Some(c),
            _ => break,
        }
    }
    Ok((out, seen))
}

pub async fn list<S: Store>(
    ctx: &Ctx<'_, S>,
    query: &[(String, String)],
) -> Result<Response, ApiError> {
    let paging = Paging::from_query(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let now = Timestamp::parse(&ctx.now).ok();
    let (resources, total) = walk(ctx.store, paging, paging.count_total, now).await?;
    let count = if paging.count_total {
        total
    } else {
        resources.len() as u64
    };
    Ok(Response::json(200, &SecretList { count, resources }))
}

pub async fn quota<S: Store>(ctx: &Ctx<'_, S>) -> Result<Response, ApiError> {
    let (_, total) = walk(
        ctx.store,
        Paging {
            top: Some(0),
            ..Paging::default()
        },
        true,
        None,
    )
    .await?;
    Ok(Response::json(
        200,
        &QuotaResponse {
            usage: QuotaUsage { count: total },
            quota: Quota {
                max_count: ctx.config()?.max_secrets,
            },
        },
    ))
}

pub async fn get<S: Store>(ctx: &Ctx<'_, S>, name: &SecretName) -> Result<Response, ApiError> {
    let stored = load(ctx, name).await?;
    let now = Timestamp::parse(&ctx.now).ok();
    let meta = SecretMeta::of(&stored);
    let (omitted, version) = (meta.x, meta.v);
    let mut status = status_from(name.as_str(), meta, now);
    if omitted > 0 {
        // The metadata could not hold every registry: read them from the value.
        let text = open(ctx, name, &stored)?;
        if let Ok(parsed) = parse_dockerconfigjson(&text) {
            status.registries = parsed.config.registries();
        }
    }
    Ok(with_etag(Response::json(200, &status), version))
}

pub async fn pull<S: Store>(ctx: &Ctx<'_, S>, name: &SecretName) -> Result<Response, ApiError> {
    let stored = load(ctx, name).await?;
    let text = open(ctx, name, &stored)?;
    Ok(Response {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: text.into_bytes(),
    })
}

pub async fn create<S: Store>(
    ctx: &Ctx<'_, S>,
    body: &[u8],
    pre: &Preconditions,
) -> Result<Response, ApiError> {
    let valid = parse_create(body)?;
    let k = key(&valid.name);
    if ctx.store.get(&k).await.map_err(storage_error)?.is_some() {
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
    let max = ctx.config()?.max_secrets;
    // In the Durable Object this is the count it keeps, not a KV list.
    if ctx.store.count(PREFIX, max).await.map_err(storage_error)? >= max {
        return Err(ApiError::new(
            ErrorCode::QuotaExceeded,
            format!("the quota of {max} docker registry secrets is used up; delete one first or raise REGCRED_MAX_SECRETS"),
        ));
    }
    let config = &valid.config.config;
    let value = seal(ctx, &valid.name, config)?;
    let expires = valid.expires_at.map(|t| t.to_string());
    let meta = metadata(
        &config.registries(),
        &ctx.now,
        &ctx.now,
        expires.as_deref(),
        1,
    );
    ctx.store
        .put(&k, &value, &meta)
        .await
        .map_err(storage_error)?;
    let mut resp = Response::json(
        202,
        &CreatedResponse {
            message: MSG_CREATED.into(),
            warnings: warnings(&valid.config.warnings),
        },
    );
    resp.headers.push((
        "location".into(),
        format!("/v2/admin/dockerRegistrySecrets/{}", valid.name),
    ));
    Ok(with_etag(resp, 1))
}

fn warnings(w: &[shared::ConfigWarning]) -> Vec<String> {
    w.iter().map(ToString::to_string).collect()
}

pub async fn modify<S: Store>(
    ctx: &Ctx<'_, S>,
    name: &SecretName,
    body: &[u8],
    pre: &Preconditions,
) -> Result<Response, ApiError> {
    let k = key(name);
    let stored = load(ctx, name).await?;
    let valid = parse_modify(body, name)?;
    let meta = SecretMeta::of(&stored);
    let (omitted, version) = (meta.x, meta.v);
    check_if_match(name, pre, version)?;
    let old = status_from(name.as_str(), meta, None);
    let created = if old.created_at.is_empty() {
        ctx.now.clone()
    } else {
        old.created_at
    };
    let expires = match valid.expires_at {
        None => old.expires_at,
        Some(change) => change.map(|t| t.to_string()),
    };
    let (value, registries) = match &valid.config {
        Some(parsed) => (seal(ctx, name, &parsed.config)?, parsed.config.registries()),
        // Only the expiry changes: keep the ciphertext; re-read the registry
        // list if the metadata could not hold all of it.
        None if omitted > 0 => {
            let text = open(ctx, name, &stored)?;
            let parsed = parse_dockerconfigjson(&text).map_err(shared::requests::config_error)?;
            (stored.value.clone(), parsed.config.registries())
        }
        None => (stored.value.clone(), old.registries),
    };
    let meta = metadata(
        &registries,
        &created,
        &ctx.now,
        expires.as_deref(),
        version + 1,
    );
    ctx.store
        .put(&k, &value, &meta)
        .await
        .map_err(storage_error)?;
    let warnings_of = valid
        .config
        .as_ref()
        .map(|p| warnings(&p.warnings))
        .unwrap_or_default();
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

pub async fn delete<S: Store>(
    ctx: &Ctx<'_, S>,
    name: &SecretName,
    pre: &Preconditions,
) -> Result<Response, ApiError> {
    let k = key(name);
    let stored = load(ctx, name).await?;
    check_if_match(name, pre, SecretMeta::of(&stored).v)?;
    ctx.store.delete(&k).await.map_err(storage_error)?;
    Ok(Response::json(
        202,
        &IdMessageResponse {
            id: name.to_string(),
            message: MSG_DELETED.into(),
            warnings: Vec::new(),
        },
    ))
}
