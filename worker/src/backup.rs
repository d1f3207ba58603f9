//! Backup and restore of the whole store, sealed: the export pages through
//! every deleted, live and kept record as stored (envelopes and metadata,
//! never plaintext), and a restore writes such records into an empty store,
//! one request-sized chunk at a time. Both run in the Durable Object, whose
//! storage holds every record; a restore only takes records the configured
//! keyring opens, so a backup restores with the keyring that sealed it.
//! The audit trail is not part of a backup (it expires on its own).

use serde::Deserialize;
use shared::api::{ApiError, BackupItem, BackupPage, ErrorCode, RestoreChunk, RestoreResult};
use shared::backup::{RecordKey, RESTORING_KEY, SECRET_PREFIX};

use crate::config::Config;
use crate::ctx::Ctx;
use crate::every_record;
use crate::http::{bounded, Response};
use crate::record::{open, SecretMeta, MAX_METADATA_BYTES};
use crate::store::{Store, Stored};

pub const DEFAULT_PAGE: u64 = 200;
pub const MAX_PAGE: u64 = 1000;

/// `GET /v2/admin/backup?after=&limit=`: one page of records in key order.
pub async fn export<S: Store>(
    ctx: &Ctx<'_, S>,
    params: &[(String, String)],
) -> Result<Response, ApiError> {
    let limit = bounded(params, "limit", DEFAULT_PAGE, MAX_PAGE)? as usize;
    let after = every_record::cursor(params)?;
    let (keys, next) = every_record::page(ctx.store, after.as_deref(), limit).await?;
    let mut items = Vec::with_capacity(keys.len());
    for k in keys {
        if let Some(s) = ctx.store.get(&k.name).await? {
            items.push(BackupItem {
                key: k.name,
                value: s.value,
                metadata: s.metadata.unwrap_or_default(),
            });
        }
    }
    Ok(Response::json(200, &BackupPage { items, next }))
}

fn bad_body(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequestBody, message).with_target("items")
}

fn valid_id(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether the store holds no record a restore could collide with.
async fn is_empty<S: Store>(store: &S) -> Result<bool, ApiError> {
    for prefix in every_record::ORDER {
        if !store.list(prefix, None, 1).await?.keys.is_empty() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Checks one record: its key, its metadata, and that the keyring opens it
/// at the version it names.
fn check(cfg: &Config, i: usize, item: &BackupItem) -> Result<bool, ApiError> {
    let at = |m: String| bad_body(format!("record {} ({}): {m}", i + 1, item.key));
    let key = RecordKey::parse(&item.key).map_err(&at)?;
    let meta = SecretMeta::deserialize(&item.metadata)
        .map_err(|e| at(format!("its metadata is not a secret's ({e})")))?;
    if let RecordKey::Version(_, v) = key {
        if meta.version != v {
            return Err(at(format!("its metadata says version {}", meta.version)));
        }
    }
    let live = matches!(key, RecordKey::Secret(_));
    if live && item.metadata.to_string().len() > MAX_METADATA_BYTES {
        return Err(at(format!(
            "its metadata is over KV's {MAX_METADATA_BYTES} bytes"
        )));
    }
    let stored = Stored {
        value: item.value.clone(),
        metadata: Some(item.metadata.clone()),
    };
    open(cfg, key.name(), &stored).map_err(|e| at(e.message))?;
    Ok(live)
}

/// A restore chunk from its body, its id checked.
pub fn parse_chunk(body: &[u8]) -> Result<RestoreChunk, ApiError> {
    let chunk: RestoreChunk = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidRequestBody,
            format!("the body is not a restore chunk {{\"restoreId\", \"items\", \"done\"}}: {e}"),
        )
    })?;
    if !valid_id(&chunk.restore_id) {
        return Err(ApiError::new(
            ErrorCode::InvalidRequestBody,
            "restoreId must be 8 to 64 of a-z, 0-9 and '-'",
        )
        .with_target("restoreId"));
    }
    Ok(chunk)
}

/// The restore fence: a chunk may write when it continues the restore
/// under way, or starts one into an empty store (`empty` is asked only then).
pub async fn fence(
    under_way: Option<&str>,
    chunk: &RestoreChunk,
    empty: impl std::future::Future<Output = Result<bool, ApiError>>,
) -> Result<(), ApiError> {
    match under_way {
        Some(id) if id == chunk.restore_id => Ok(()),
        Some(id) => Err(ApiError::new(
            ErrorCode::StoreNotEmpty,
            format!("the restore {id} is under way; send its chunks (restoreId {id}) to finish it"),
        )),
        None if !empty.await? => Err(ApiError::new(
            ErrorCode::StoreNotEmpty,
            "a restore needs an empty store, and this one holds secrets (live, deleted or kept versions); restore into a new deployment",
        )),
        None => Ok(()),
    }
}

/// Checks every record of a chunk (none is written unless all pass) and
/// that its live ones fit the quota beside the `held` ones; answers how
/// many are live.
pub fn check_all(cfg: &Config, chunk: &RestoreChunk, held: u64) -> Result<u64, ApiError> {
    let mut live = 0u64;
    for (i, item) in chunk.items.iter().enumerate() {
        live += u64::from(check(cfg, i, item)?);
    }
    let max = cfg.max_secrets;
    if held + live > max {
        return Err(ApiError::new(
            ErrorCode::QuotaExceeded,
            format!("the backup holds more secrets than the quota of {max}; raise REGCRED_MAX_SECRETS and restore again"),
        ));
    }
    Ok(live)
}

pub fn restored(chunk: &RestoreChunk) -> Response {
    Response::json(
        200,
        &RestoreResult {
            restored: chunk.items.len() as u64,
            done: chunk.done,
        },
    )
}

/// `POST /v2/admin/restore`: one chunk, into one store. Every record is
/// checked before any is written, so a refused chunk changes nothing.
pub async fn restore<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    body: &[u8],
) -> Result<Response, ApiError> {
    let chunk = parse_chunk(body)?;
    let under_way = ctx.store.get(RESTORING_KEY).await?.map(|s| s.value);
    fence(under_way.as_deref(), &chunk, is_empty(ctx.store)).await?;
    let held = ctx.store.count(SECRET_PREFIX, cfg.max_secrets).await?;
    check_all(cfg, &chunk, held)?;
    if under_way.is_none() {
        ctx.store
            .put(RESTORING_KEY, &chunk.restore_id, &serde_json::Value::Null)
            .await?;
    }
    for item in &chunk.items {
        ctx.store
            .put(&item.key, &item.value, &item.metadata)
            .await?;
    }
    if chunk.done {
        ctx.store.delete(RESTORING_KEY).await?;
    }
    Ok(restored(&chunk))
}
