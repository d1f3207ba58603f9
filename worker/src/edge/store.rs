//! The stores of the two entry points as one type, so the app (generic over
//! its store) is compiled into the wasm once rather than twice.

use shared::SecretName;

use crate::directory::index_prefix;
use crate::edge::kv::Kv;
use crate::edge::rooms::EdgeRooms;
use crate::edge::storage::ObjectStorage;
use crate::record::PREFIX;
use crate::rooms::{call, op, CurrentWire, Host, Puller, RecordWire, Target};
use crate::store::{ListPage, Store, StoreError, Stored};
use crate::writethrough::{Repaired, Room, WriteThrough};

pub enum EdgeStore<'a> {
    /// Reads, in the worker; the registry index is read here, and a
    /// record that must not be stale is asked of its object.
    Kv(&'a Kv, &'a EdgeRooms),
    /// Inside a Durable Object: its storage first, then KV; a secret's
    /// object asks the directory for a place under the quota.
    Through(WriteThrough<'a, ObjectStorage, Kv>, &'a EdgeRooms),
}

impl Store for EdgeStore<'_> {
    async fn get(&self, key: &str) -> std::result::Result<Option<Stored>, StoreError> {
        match self {
            EdgeStore::Kv(s, _) => s.get(key).await,
            EdgeStore::Through(s, _) => s.get(key).await,
        }
    }

    async fn put(
        &self,
        key: &str,
        value: &str,
        metadata: &serde_json::Value,
    ) -> std::result::Result<(), StoreError> {
        match self {
            EdgeStore::Kv(..) if is_secret(key) => Err(bypass()),
            EdgeStore::Kv(s, _) => s.put(key, value, metadata).await,
            EdgeStore::Through(s, _) => s.put(key, value, metadata).await,
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
            EdgeStore::Kv(..) if is_secret(key) => Err(bypass()),
            EdgeStore::Kv(s, _) => s.put_expiring(key, value, metadata, ttl_secs).await,
            EdgeStore::Through(s, _) => s.put_expiring(key, value, metadata, ttl_secs).await,
        }
    }

    async fn delete(&self, key: &str) -> std::result::Result<(), StoreError> {
        match self {
            EdgeStore::Kv(..) if is_secret(key) => Err(bypass()),
            EdgeStore::Kv(s, _) => s.delete(key).await,
            EdgeStore::Through(s, _) => s.delete(key).await,
        }
    }

    async fn count(&self, prefix: &str, at_most: u64) -> std::result::Result<u64, StoreError> {
        match self {
            EdgeStore::Kv(s, _) => s.count(prefix, at_most).await,
            EdgeStore::Through(s, _) => s.count(prefix, at_most).await,
        }
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> std::result::Result<ListPage, StoreError> {
        match self {
            EdgeStore::Kv(s, _) => s.list(prefix, cursor, limit).await,
            EdgeStore::Through(s, _) => s.list(prefix, cursor, limit).await,
        }
    }

    async fn reserve(
        &self,
        name: &SecretName,
        registries: &[String],
        max: u64,
    ) -> std::result::Result<bool, StoreError> {
        match self {
            EdgeStore::Through(t, rooms) if t.room == Room::Secret => {
                crate::secret_room::reserve(t, *rooms, name, registries, max).await
            }
            _ => Ok(self.count(PREFIX, max).await? < max),
        }
    }

    async fn indexed(
        &self,
        host_key: &str,
    ) -> std::result::Result<Option<Vec<String>>, StoreError> {
        let EdgeStore::Kv(kv, _) = self else {
            return Ok(None);
        };
        let prefix = index_prefix(host_key);
        let mut names = Vec::new();
        let mut pages = kv.pages(&prefix);
        while let Some(keys) = pages.next().await? {
            names.extend(keys.iter().map(|k| k.name[prefix.len()..].to_owned()));
        }
        Ok(Some(names))
    }

    async fn holders(&self, host_key: &str) -> std::result::Result<Vec<String>, StoreError> {
        let (EdgeStore::Kv(_, rooms) | EdgeStore::Through(_, rooms)) = self;
        let body = Host {
            host: host_key.to_owned(),
        };
        call(*rooms, Target::Directory, op::HOLDERS, &body).await
    }

    async fn current(
        &self,
        name: &SecretName,
        actor: &str,
        request_id: &str,
    ) -> std::result::Result<Option<CurrentWire>, StoreError> {
        let EdgeStore::Kv(_, rooms) = self else {
            return Ok(None);
        };
        let body = Puller {
            actor: actor.to_owned(),
            request_id: request_id.to_owned(),
        };
        let answer: CurrentWire = call(*rooms, Target::Secret(name), op::CURRENT, &body).await?;
        Ok(Some(answer))
    }

    async fn fresh(&self, key: &str) -> std::result::Result<Option<Stored>, StoreError> {
        let name = key
            .strip_prefix(PREFIX)
            .and_then(|n| SecretName::parse(n).ok());
        let (EdgeStore::Kv(_, rooms), Some(name)) = (self, name) else {
            return self.get(key).await;
        };
        let found: Option<RecordWire> =
            call(*rooms, Target::Secret(&name), op::RECORD, &()).await?;
        Ok(found.map(|r| Stored {
            value: r.value,
            metadata: Some(r.metadata),
        }))
    }
}

impl EdgeStore<'_> {
    /// Whether a KV write failed in this request (see `WriteThrough`).
    pub fn repair_pending(&self) -> bool {
        matches!(self, EdgeStore::Through(t, _) if t.repair_pending())
    }

    /// Makes KV match the Durable Object (`WriteThrough::repair`).
    pub async fn repair(&self) -> std::result::Result<Repaired, StoreError> {
        match self {
            EdgeStore::Kv(..) => Ok(Repaired::default()),
            EdgeStore::Through(t, _) => t.repair().await,
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
