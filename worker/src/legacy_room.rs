//! The one object of releases before objects per secret, now only read: it
//! answers which names it holds and every record of one name, so the
//! directory and each secret's object move them out (`directory_room.rs`,
//! `secret_room.rs`). Its store is the legacy room of `WriteThrough`, which
//! still adopts secrets only KV held, so those move too. Nothing writes it.

use shared::api::{ApiError, BackupItem, ErrorCode};
use shared::backup::{RecordKey, DELETED_PREFIX, SECRET_PREFIX};
use shared::SecretName;

use crate::directory::names_in;
use crate::history::{deleted_key, earlier};
use crate::http::Response;
use crate::record::key;
use crate::rooms::{op, Named, Window};
use crate::store::{Store, StoreError};

/// Every record of `name`: deleted, live, kept versions.
pub async fn records_of<S: Store>(
    store: &S,
    name: &SecretName,
) -> Result<Vec<BackupItem>, StoreError> {
    let mut keys = vec![deleted_key(name), key(name)];
    keys.extend(earlier(store, name).await?.into_iter().rev().map(|k| k.key));
    let mut items = Vec::new();
    for k in keys {
        if let Some(s) = store.get(&k).await? {
            items.push(BackupItem {
                key: k,
                value: s.value,
                metadata: s.metadata.unwrap_or_default(),
            });
        }
    }
    Ok(items)
}

/// Answers a call of the move.
pub async fn internal<S: Store>(
    store: &S,
    operation: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let bad =
        |e: String| ApiError::new(ErrorCode::InvalidRequestBody, format!("internal call: {e}"));
    match operation {
        op::NAMES => {
            let w: Window = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
            let after = match &w.after {
                Some(a) => Some(SecretName::parse(a).map_err(|e| bad(e.to_string()))?),
                None => None,
            };
            let limit = w.limit.clamp(1, 1000) as u32;
            let names = names_in(
                store,
                &[SECRET_PREFIX, DELETED_PREFIX],
                after.as_ref(),
                limit,
            )
            .await?;
            let names: Vec<String> = names.iter().map(ToString::to_string).collect();
            Ok(Response::json(200, &names))
        }
        op::RECORDS_OF => {
            let n: Named = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
            let name = SecretName::parse(&n.name).map_err(|e| bad(e.to_string()))?;
            let items = records_of(store, &name).await?;
            // Only keys a backup may hold move.
            let items: Vec<BackupItem> = items
                .into_iter()
                .filter(|i| RecordKey::parse(&i.key).is_ok())
                .collect();
            Ok(Response::json(200, &items))
        }
        other => Err(bad(format!("the legacy object has no call {other}"))),
    }
}
