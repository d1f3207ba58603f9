//! Key rotation you can finish: which keys seal how many secrets
//! (`GET /v2/admin/encryptionKeys`, at the edge), and the rewrap that seals
//! them again under the first key, one bounded batch per call, resumable
//! from the name it stopped after (`POST .../rewrap?after=&limit=`, in the
//! Durable Object, whose storage lists every secret). A key whose count
//! reaches 0 can be removed from `REGCRED_KEYS`.

use std::collections::BTreeMap;

use shared::api::{ApiError, EncryptionKeys, ErrorCode, ErrorDetail, KeyUsage, RewrapBatch};
use shared::{parse_dockerconfigjson, SecretName};

use crate::crypto::{envelope_key, is_current};
use crate::ctx::Ctx;
use crate::http::{param, Response};
use crate::paging::{walk, Window};
use crate::record::{key, metadata, open, seal_text, SecretMeta, PREFIX};
use crate::store::Store;

pub const DEFAULT_BATCH: u64 = 100;
pub const MAX_BATCH: u64 = 500;

/// What the list metadata says of a secret's key; `None` for records
/// written before it was kept (their value says).
fn listed_key(meta: Option<SecretMeta>) -> Option<String> {
    meta.and_then(|m| m.key_id)
}

pub async fn list<S: Store>(ctx: &Ctx<'_, S>) -> Result<Response, ApiError> {
    let keyring = &ctx.config()?.keyring;
    let primary = keyring.primary().to_owned();
    let (listed, _) = walk(ctx.store, PREFIX, Window::all(), true, |k| {
        Some((k.name.clone(), listed_key(k.read_metadata::<SecretMeta>())))
    })
    .await?;
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut to_rewrap = 0;
    for (k, kid) in listed {
        // Metadata names the key only since envelopes bind the version, so a
        // named key is a version-2 envelope; only older records are read.
        let (kid, current) = match kid {
            Some(kid) => {
                let current = kid == primary;
                (kid, current)
            }
            None => match ctx.store.get(&k).await? {
                Some(s) => (
                    envelope_key(&s.value).unwrap_or_default(),
                    is_current(&s.value, &primary),
                ),
                None => continue,
            },
        };
        if !current {
            to_rewrap += 1;
        }
        *counts.entry(kid).or_default() += 1;
    }
    let mut keys: Vec<KeyUsage> = keyring
        .ids()
        .into_iter()
        .map(|id| KeyUsage {
            id: id.to_owned(),
            configured: true,
            secrets: counts.remove(id).unwrap_or(0),
        })
        .collect();
    keys.extend(counts.into_iter().map(|(id, secrets)| KeyUsage {
        id,
        configured: false,
        secrets,
    }));
    Ok(Response::json(
        200,
        &EncryptionKeys {
            primary,
            keys,
            to_rewrap,
        },
    ))
}

fn bad_query(target: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidQueryParameter, message).with_target(target)
}

/// One batch: up to `limit` secrets after `after`, each sealed again under
/// the primary key at its own version (content, version and ETag stay).
pub async fn rewrap<S: Store>(
    ctx: &Ctx<'_, S>,
    params: &[(String, String)],
) -> Result<Response, ApiError> {
    let limit = match param(params, "limit") {
        None => DEFAULT_BATCH,
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=MAX_BATCH).contains(n))
            .ok_or_else(|| {
                bad_query(
                    "limit",
                    format!("limit must be a whole number from 1 to {MAX_BATCH} (got {v})"),
                )
            })?,
    };
    let after = match param(params, "after") {
        None | Some("") => None,
        Some(v) => Some(SecretName::parse(v).map_err(|e| {
            bad_query(
                "after",
                format!("after must be the secret name a batch stopped at: {e}"),
            )
        })?),
    };
    let primary = ctx.config()?.keyring.primary().to_owned();
    let cursor = after.as_ref().map(key);
    let page = ctx
        .store
        .list(PREFIX, cursor.as_deref(), limit as u32)
        .await?;
    let mut batch = RewrapBatch {
        examined: 0,
        rewrapped: 0,
        failed: Vec::new(),
        next: None,
    };
    let mut last = None;
    for k in &page.keys {
        let Some(name) = k
            .name
            .strip_prefix(PREFIX)
            .and_then(|n| SecretName::parse(n).ok())
        else {
            continue;
        };
        batch.examined += 1;
        last = Some(name.to_string());
        // Sealed under the primary key already (see `list`): nothing to read.
        if listed_key(k.read_metadata::<SecretMeta>()).as_deref() == Some(primary.as_str()) {
            continue;
        }
        let Some(stored) = ctx.store.get(&k.name).await? else {
            continue;
        };
        if is_current(&stored.value, &primary) {
            continue;
        }
        let text = match open(ctx, &name, &stored) {
            Ok(t) => t,
            Err(e) => {
                batch.failed.push(ErrorDetail {
                    code: e.code.to_string(),
                    message: e.message,
                });
                continue;
            }
        };
        let old = SecretMeta::of(&stored);
        let (value, kid) = seal_text(ctx, &name, old.version, text.as_bytes())?;
        // A list cut to fit the metadata is read whole from the value.
        let registries = match parse_dockerconfigjson(&text) {
            Ok(p) if old.omitted > 0 => p.config.registries(),
            _ => old.registries.clone(),
        };
        let meta = metadata(
            &registries,
            &old.created_at,
            &old.modified_at,
            old.expires_at.as_deref(),
            old.version,
            &kid,
        );
        ctx.store.put(&k.name, &value, &meta).await?;
        batch.rewrapped += 1;
    }
    if page.cursor.is_some() {
        batch.next = last;
    }
    Ok(Response::json(200, &batch))
}
