//! Key rotation you can finish: which keys seal how many secrets and kept
//! versions (`GET /v2/admin/encryptionKeys`), and the rewrap that seals
//! them again under the first key, one bounded batch per call, resumable
//! from the record it stopped after (`POST .../rewrap?after=&limit=`). Both
//! run in the Durable Object, whose storage holds every record. A key whose
//! counts reach 0 can be removed from `REGCRED_KEYS`.

use std::collections::BTreeMap;

use shared::api::{ApiError, EncryptionKeys, ErrorDetail, KeyUsage, RewrapBatch};
use shared::backup::RecordKey;

use crate::config::Config;
use crate::crypto::{envelope_key, is_current};
use crate::ctx::Ctx;
use crate::every_record;
use crate::http::{bounded, Response};
use crate::record::{fit, open, registries_of, seal_text, SecretMeta, PREFIX};
use crate::store::{Store, KV_PAGE};

pub const DEFAULT_BATCH: u64 = 100;
pub const MAX_BATCH: u64 = 500;

/// What a record's metadata says of its key; `None` for records written
/// before it was kept (their value says).
fn listed_key(meta: Option<SecretMeta>) -> Option<String> {
    meta.and_then(|m| m.key_id)
}

/// Counts every record by the key that seals it: live secrets, and kept
/// versions with deleted secrets (both must be rewrapped before a key goes).
pub async fn list<S: Store>(ctx: &Ctx<'_, S>, cfg: &Config) -> Result<Response, ApiError> {
    let keyring = &cfg.keyring;
    let primary = keyring.primary().to_owned();
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut to_rewrap = 0;
    let mut after: Option<String> = None;
    loop {
        let (keys, next) =
            every_record::page(ctx.store, after.as_deref(), KV_PAGE as usize).await?;
        for k in keys {
            // Metadata names the key only since envelopes bind the version,
            // so a named key is a version-2 envelope; only older records are read.
            let (kid, current) = match listed_key(k.read_metadata::<SecretMeta>()) {
                Some(kid) => {
                    let current = kid == primary;
                    (kid, current)
                }
                None => match ctx.store.get(&k.name).await? {
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
            let entry = counts.entry(kid).or_default();
            if k.name.starts_with(PREFIX) {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    Ok(Response::json(200, &usage(cfg, counts, to_rewrap)))
}

/// The key counts as the API shows them: the configured keys in
/// `REGCRED_KEYS` order, then ids records name that are not configured.
/// `counts` is (live secrets, other records) per key id.
pub fn usage(
    cfg: &Config,
    mut counts: BTreeMap<String, (u64, u64)>,
    to_rewrap: u64,
) -> EncryptionKeys {
    let mut keys: Vec<KeyUsage> = cfg
        .keyring
        .ids()
        .into_iter()
        .map(|id| {
            let (secrets, versions) = counts.remove(id).unwrap_or_default();
            KeyUsage {
                id: id.to_owned(),
                configured: true,
                secrets,
                versions,
            }
        })
        .collect();
    keys.extend(
        counts
            .into_iter()
            .map(|(id, (secrets, versions))| KeyUsage {
                id,
                configured: false,
                secrets,
                versions,
            }),
    );
    EncryptionKeys {
        primary: cfg.keyring.primary().to_owned(),
        keys,
        to_rewrap,
    }
}

/// One batch: up to `limit` records after `after`, each sealed again under
/// the primary key at its own version (content, version and ETag stay).
pub async fn rewrap<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    params: &[(String, String)],
) -> Result<Response, ApiError> {
    let limit = bounded(params, "limit", DEFAULT_BATCH, MAX_BATCH)?;
    let after = every_record::cursor(params)?;
    let primary = cfg.keyring.primary().to_owned();
    let (keys, next) = every_record::page(ctx.store, after.as_deref(), limit as usize).await?;
    let mut batch = RewrapBatch {
        examined: 0,
        rewrapped: 0,
        failed: Vec::new(),
        next,
    };
    for k in &keys {
        let Ok(record) = RecordKey::parse(&k.name) else {
            continue;
        };
        let name = record.name();
        batch.examined += 1;
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
        let text = match open(cfg, name, &stored) {
            Ok(t) => t,
            Err(e) => {
                batch.failed.push(ErrorDetail {
                    code: e.code.to_string(),
                    message: e.message,
                });
                continue;
            }
        };
        let mut meta = SecretMeta::of(&stored);
        let (value, kid) = seal_text(ctx, cfg, name, meta.version, text.as_bytes())?;
        meta.key_id = Some(kid);
        // A list cut to fit the metadata is read whole from the value.
        let registries = registries_of(&meta, &text);
        ctx.store
            .put(&k.name, &value, &fit(&meta, &registries))
            .await?;
        batch.rewrapped += 1;
    }
    Ok(Response::json(200, &batch))
}
