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
//! are invisible. The records live in the Durable Object's storage only.
//!
//! This file holds the store operations; the routes over them (versions,
//! restore, undelete, purge, the deleted list) are in `versions.rs`.

use shared::backup::{RecordKey, DELETED_PREFIX};
use shared::retention::{expired, restorable};
use shared::time::Timestamp;
use shared::SecretName;

use crate::config::Config;
use crate::ctx::Now;
use crate::record::{key, SecretMeta};
use crate::store::{Store, StoreError, Stored};

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

    pub fn ended(&self, deleted_at: &str) -> bool {
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

pub struct Kept {
    pub key: String,
    pub meta: SecretMeta,
}

/// A name's kept earlier versions, newest first, restorable or not.
pub async fn earlier<S: Store>(store: &S, name: &SecretName) -> Result<Vec<Kept>, StoreError> {
    let prefix = RecordKey::versions_of(name);
    let mut out = Vec::new();
    let mut pages = store.pages(&prefix);
    while let Some(keys) = pages.next().await? {
        out.extend(keys.iter().map(|k| Kept {
            key: k.name.clone(),
            meta: k.read_metadata().unwrap_or_default(),
        }));
    }
    out.reverse();
    Ok(out)
}

/// How many of `kept` stay restorable under `head`.
pub fn restorable_below(head: Head<'_>, kept: &[Kept], policy: &Policy) -> usize {
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
pub async fn purge_all<S: Store>(store: &S, name: &SecretName) -> Result<u64, StoreError> {
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
pub async fn deleted<S: Store>(
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

/// Drops deleted secrets whose retention ended, with their history (the
/// Durable Object's alarm). Answers how many names went.
pub async fn sweep<S: Store>(store: &S, policy: &Policy) -> Result<u64, StoreError> {
    let mut ended = Vec::new();
    let mut pages = store.pages(DELETED_PREFIX);
    while let Some(keys) = pages.next().await? {
        for k in &keys {
            let meta: SecretMeta = k.read_metadata().unwrap_or_default();
            if meta.deleted_at.as_deref().is_some_and(|d| policy.ended(d)) {
                if let Ok(RecordKey::Deleted(name)) = RecordKey::parse(&k.name) {
                    ended.push(name);
                }
            }
        }
    }
    for name in &ended {
        purge_all(store, name).await?;
    }
    Ok(ended.len() as u64)
}
