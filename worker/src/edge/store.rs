//! The stores of the two entry points as one type, so the app (generic over
//! its store) is compiled into the wasm once rather than twice.

use crate::edge::kv::Kv;
use crate::edge::storage::ObjectStorage;
use crate::record::PREFIX;
use crate::store::{ListPage, Store, StoreError, Stored};
use crate::writethrough::{Repaired, WriteThrough};

pub enum EdgeStore<'a> {
    /// Reads, in the worker.
    Kv(&'a Kv),
    /// Writes, inside the Durable Object.
    Through(WriteThrough<'a, ObjectStorage, Kv>),
}

impl Store for EdgeStore<'_> {
    async fn get(&self, key: &str) -> std::result::Result<Option<Stored>, StoreError> {
        match self {
            EdgeStore::Kv(s) => s.get(key).await,
            EdgeStore::Through(s) => s.get(key).await,
        }
    }

    async fn put(
        &self,
        key: &str,
        value: &str,
        metadata: &serde_json::Value,
    ) -> std::result::Result<(), StoreError> {
        match self {
            EdgeStore::Kv(_) if is_secret(key) => Err(bypass()),
            EdgeStore::Kv(s) => s.put(key, value, metadata).await,
            EdgeStore::Through(s) => s.put(key, value, metadata).await,
        }
    }

    async fn put_expiring(
        &self,
        key: &str,
        value: &str,
        metadata: &serde_json::Value,
        ttl_secs: u64,
    ) -> std::result::Result<(), StoreError> {
        match self {
            EdgeStore::Kv(_) if is_secret(key) => Err(bypass()),
            EdgeStore::Kv(s) => s.put_expiring(key, value, metadata, ttl_secs).await,
            EdgeStore::Through(s) => s.put_expiring(key, value, metadata, ttl_secs).await,
        }
    }

    async fn delete(&self, key: &str) -> std::result::Result<(), StoreError> {
        match self {
            EdgeStore::Kv(_) if is_secret(key) => Err(bypass()),
            EdgeStore::Kv(s) => s.delete(key).await,
            EdgeStore::Through(s) => s.delete(key).await,
        }
    }

    async fn count(&self, prefix: &str, at_most: u64) -> std::result::Result<u64, StoreError> {
        match self {
            EdgeStore::Kv(s) => s.count(prefix, at_most).await,
            EdgeStore::Through(s) => s.count(prefix, at_most).await,
        }
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> std::result::Result<ListPage, StoreError> {
        match self {
            EdgeStore::Kv(s) => s.list(prefix, cursor, limit).await,
            EdgeStore::Through(s) => s.list(prefix, cursor, limit).await,
        }
    }
}

impl EdgeStore<'_> {
    /// Whether a KV write failed in this request (see `WriteThrough`).
    pub fn repair_pending(&self) -> bool {
        matches!(self, EdgeStore::Through(t) if t.repair_pending())
    }

    /// Makes KV match the Durable Object (`WriteThrough::repair`).
    pub async fn repair(&self) -> std::result::Result<Repaired, StoreError> {
        match self {
            EdgeStore::Kv(_) => Ok(Repaired::default()),
            EdgeStore::Through(t) => t.repair().await,
        }
    }
}

fn is_secret(key: &str) -> bool {
    key.starts_with(PREFIX) || crate::writethrough::private(key)
}

/// The edge path never writes a secret: only the Durable Object does.
fn bypass() -> StoreError {
    StoreError("a secret is written only through the Durable Object".into())
}
