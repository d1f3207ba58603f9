//! What a secret's object tells the directory (`directory::NameState`),
//! read from its own records, and whether the directory still needs to be
//! told: the last state it took is kept as `published:`. Comparing the two
//! is the intent: a write that stopped before telling, or a place taken for
//! a create that never committed (`forget_published`), differs, and the
//! object's next request or alarm tells it.

use serde_json::Value;
use shared::{parse_stored_dockerconfigjson, SecretName};

use crate::config::Config;
use crate::directory::{IndexEntry, NameState};
use crate::history::deleted_key;
use crate::record::{key, open, SecretMeta};
use crate::store::{Store, StoreError};

/// The state the directory last took from this object.
pub const PUBLISHED_KEY: &str = "published:";

/// The name's state from its records: live (its registries: the value's
/// whole list, or the metadata's when it does not open), deleted, or gone.
pub async fn of<S: Store>(
    store: &S,
    cfg: &Config,
    name: &SecretName,
) -> Result<NameState, StoreError> {
    if let Some(live) = store.get(&key(name)).await? {
        let opened = open(cfg, name, &live)
            .ok()
            .and_then(|t| parse_stored_dockerconfigjson(&t).ok());
        let registries = match opened {
            Some(p) => p
                .config
                .entries()
                .iter()
                .map(|e| IndexEntry {
                    registry: e.server.clone(),
                })
                .collect(),
            None => SecretMeta::of(&live)
                .registries
                .into_iter()
                .map(|registry| IndexEntry { registry })
                .collect(),
        };
        return Ok(NameState::Live { registries });
    }
    if let Some(gone) = store.get(&deleted_key(name)).await? {
        return Ok(NameState::Deleted {
            meta: gone.metadata.unwrap_or(Value::Null),
        });
    }
    Ok(NameState::Gone)
}

/// The state to tell the directory, if it differs from what it last took.
pub async fn due<S: Store>(
    store: &S,
    cfg: &Config,
    name: &SecretName,
) -> Result<Option<NameState>, StoreError> {
    let now = of(store, cfg, name).await?;
    // Nothing told yet is a name the directory never heard of: gone. An
    // unreadable one (`forget_published`) is unknown, so always due.
    let told: Option<NameState> = match store.get(PUBLISHED_KEY).await? {
        None => Some(NameState::Gone),
        Some(s) => serde_json::from_slice(s.value.as_bytes()).ok(),
    };
    Ok((told.as_ref() != Some(&now)).then_some(now))
}

/// Records that the directory took `state`.
pub async fn told<S: Store>(store: &S, state: &NameState) -> Result<(), StoreError> {
    let text = serde_json::to_string(state).map_err(|e| StoreError(e.to_string()))?;
    store.put(PUBLISHED_KEY, &text, &Value::Null).await
}

/// Before a place is taken for a create or undelete: whatever then happens,
/// the next check tells the directory the truth.
pub async fn forget_published<S: Store>(store: &S) -> Result<(), StoreError> {
    store.put(PUBLISHED_KEY, "unknown", &Value::Null).await
}
