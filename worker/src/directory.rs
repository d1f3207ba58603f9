//! The directory: the one object that holds what spans names, and only
//! that. Which names are live (so the quota is exact), the deleted list,
//! which secrets hold which registry (published to KV as the registry
//! index, `reg:<host>/<name>`, so pulls by registry find a secret at the
//! edge), and the restore fence. A secret's object tells it the name's
//! state after a change (`NameState`); a create or an undelete asks it for
//! a place first. No pull, get or credential-only modify touches it.
//!
//! These are its rules over its own store (`WriteThrough` in the
//! directory's room); the object around them is `edge/durable.rs`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::backup::{DELETED_PREFIX, RESTORING_KEY};
use shared::SecretName;

use crate::store::{Store, StoreError};

/// The registry index: `reg:<host key>/<name>`, in the directory and KV.
pub const INDEX_PREFIX: &str = "reg:";
/// `live:<name>`: a name the quota counts.
pub const LIVE_PREFIX: &str = "live:";
/// How many `live:` names there are.
pub const COUNT_KEY: &str = "count:live";
/// `held:<name>`: the index keys a live name holds, to drop them later.
pub const HELD_PREFIX: &str = "held:";
/// Set once every name of the legacy object is moved (`migration.rs`).
pub const MIGRATED_KEY: &str = "migrated:";
/// The last legacy name moved, while the move is under way.
pub const MIGRATION_CURSOR: &str = "migrating:";
/// In KV, once the move is done: a secret's object need not ask the
/// legacy object on its first touch (`secret_room::move_in`).
pub const MOVED_KEY: &str = "moved:";

/// The keys only the directory holds (`deleted:<name>` rows hold a deleted
/// secret's metadata, which the deleted list shows).
pub const OWN_PREFIXES: [&str; 8] = [
    crate::outbox::OUTBOX_PREFIX,
    LIVE_PREFIX,
    COUNT_KEY,
    HELD_PREFIX,
    DELETED_PREFIX,
    RESTORING_KEY,
    MIGRATED_KEY,
    MIGRATION_CURSOR,
];

/// One registry of a live secret, as the index holds it: the server key
/// alone (no username: nothing at rest but the sealed value says who logs
/// in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// The server key as stored.
    #[serde(rename = "r")]
    pub registry: String,
}

/// What a secret's object tells the directory about its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NameState {
    /// Neither live nor deleted.
    Gone,
    Live {
        registries: Vec<IndexEntry>,
    },
    /// Deleted and kept for undelete: its record's metadata.
    Deleted {
        meta: Value,
    },
}

fn live_key(name: &str) -> String {
    format!("{LIVE_PREFIX}{name}")
}

fn held_key(name: &str) -> String {
    format!("{HELD_PREFIX}{name}")
}

/// The index key of `name` holding `registry` (a server key), if the
/// server key parses.
pub fn index_key(registry: &str, name: &str) -> Option<String> {
    let host = shared::Registry::parse(registry).ok()?.host_key();
    Some(format!("{INDEX_PREFIX}{host}/{name}"))
}

/// The prefix of every index key of one registry host.
pub fn index_prefix(host_key: &str) -> String {
    format!("{INDEX_PREFIX}{host_key}/")
}

/// How many names are live.
pub async fn count<S: Store>(store: &S) -> Result<u64, StoreError> {
    Ok(store
        .get(COUNT_KEY)
        .await?
        .and_then(|s| s.value.parse().ok())
        .unwrap_or(0))
}

async fn set_count<S: Store>(store: &S, n: u64) -> Result<(), StoreError> {
    store.put(COUNT_KEY, &n.to_string(), &Value::Null).await
}

/// A place for `name` among at most `max` live names: granted when it has
/// one already or one is free. The caller runs one at a time (the
/// directory's turnstile), so two names never take the last place.
pub async fn reserve<S: Store>(store: &S, name: &SecretName, max: u64) -> Result<bool, StoreError> {
    if store.get(&live_key(name.as_str())).await?.is_some() {
        return Ok(true);
    }
    let n = count(store).await?;
    if n >= max {
        return Ok(false);
    }
    store
        .put(&live_key(name.as_str()), "", &Value::Null)
        .await?;
    set_count(store, n + 1).await?;
    Ok(true)
}

/// Makes the directory say what `state` says of `name`: counted or not,
/// in the deleted list or not, and the index keys it holds. Setting the
/// same state twice changes nothing.
pub async fn publish<S: Store>(
    store: &S,
    name: &SecretName,
    state: &NameState,
) -> Result<(), StoreError> {
    let name = name.as_str();
    let live = matches!(state, NameState::Live { .. });
    let was_live = store.get(&live_key(name)).await?.is_some();
    if live && !was_live {
        store.put(&live_key(name), "", &Value::Null).await?;
        set_count(store, count(store).await? + 1).await?;
    } else if !live && was_live {
        store.delete(&live_key(name)).await?;
        set_count(store, count(store).await?.saturating_sub(1)).await?;
    }
    let deleted = format!("{DELETED_PREFIX}{name}");
    match state {
        NameState::Deleted { meta } => store.put(&deleted, "", meta).await?,
        _ => {
            if store.get(&deleted).await?.is_some() {
                store.delete(&deleted).await?;
            }
        }
    }
    let wanted: Vec<(String, Value)> = match state {
        NameState::Live { registries } => registries
            .iter()
            .filter_map(|l| {
                let key = index_key(&l.registry, name)?;
                Some((key, serde_json::to_value(l).unwrap_or_default()))
            })
            .collect(),
        _ => Vec::new(),
    };
    let held: Vec<String> = store
        .get(&held_key(name))
        .await?
        .and_then(|s| serde_json::from_slice(s.value.as_bytes()).ok())
        .unwrap_or_default();
    for old in &held {
        if !wanted.iter().any(|(k, _)| k == old) {
            store.delete(old).await?;
        }
    }
    for (key, meta) in &wanted {
        store.put(key, "", meta).await?;
    }
    if wanted.is_empty() {
        if !held.is_empty() {
            store.delete(&held_key(name)).await?;
        }
    } else {
        let keys: Vec<&String> = wanted.iter().map(|(k, _)| k).collect();
        let text = serde_json::to_string(&keys).unwrap_or_default();
        store.put(&held_key(name), &text, &Value::Null).await?;
    }
    Ok(())
}

/// The names whose index keys say they hold `host_key`.
pub async fn holders<S: Store>(store: &S, host_key: &str) -> Result<Vec<String>, StoreError> {
    let prefix = index_prefix(host_key);
    let mut names = Vec::new();
    let mut pages = store.pages(&prefix);
    while let Some(keys) = pages.next().await? {
        names.extend(keys.iter().map(|k| k.name[prefix.len()..].to_owned()));
    }
    Ok(names)
}

/// Up to `limit` names, live or deleted, after `after`, in name order.
pub async fn names<S: Store>(
    store: &S,
    after: Option<&SecretName>,
    limit: u32,
) -> Result<Vec<SecretName>, StoreError> {
    names_in(store, &[LIVE_PREFIX, DELETED_PREFIX], after, limit).await
}

/// Up to `limit` names after `after` that have a key under one of
/// `prefixes` (`<prefix><name>`), in name order, each once.
pub async fn names_in<S: Store>(
    store: &S,
    prefixes: &[&str],
    after: Option<&SecretName>,
    limit: u32,
) -> Result<Vec<SecretName>, StoreError> {
    let mut out: Vec<SecretName> = Vec::new();
    for prefix in prefixes {
        let cursor = after.map(|a| format!("{prefix}{a}"));
        let page = store.list(prefix, cursor.as_deref(), limit).await?;
        out.extend(
            page.keys
                .iter()
                .filter_map(|k| SecretName::parse(&k.name[prefix.len()..]).ok()),
        );
    }
    out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    out.dedup_by(|a, b| a.as_str() == b.as_str());
    out.truncate(limit as usize);
    Ok(out)
}

/// Whether no name is live or deleted (a restore needs that).
pub async fn is_empty<S: Store>(store: &S) -> Result<bool, StoreError> {
    Ok(names(store, None, 1).await?.is_empty())
}
