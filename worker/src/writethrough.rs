//! A Durable Object's store: the object's own storage is the authority for
//! the keys its room publishes (a secret's `secret:<name>`, the directory's
//! registry index `reg:`), and every write of one goes there first, then to
//! KV, which reads at the edge use. It cannot drift:
//!
//! - Before a secret changes, an intent (`repair:<key>`) is stored; it is
//!   removed once KV took the write. A KV write that fails leaves it, the
//!   caller still gets the answer its committed write earned, and the
//!   object's alarm (`repair`) copies the authority's state to KV until it
//!   sticks. A crash between the two writes leaves the intent too.
//! - A delete leaves a tombstone (`tomb:<key>`), so a secret whose KV delete
//!   failed is deleted again, never adopted back from KV.
//! - A secret only KV has (written before the object existed, or its storage
//!   was lost) and no tombstone is adopted into the authority on first touch,
//!   or all at once by the recount that makes the count; after that a miss in
//!   the authority is final and costs no KV read.
//!
//! Which keys a store publishes, keeps to itself or leaves to KV is its
//! [`Room`]. The legacy room (the one object of releases before objects per
//! secret) also keeps the number of secrets (`COUNT_KEY`) and adopts KV-only
//! secrets when it counts; it is only read now, by the move
//! (`migration.rs`). Everything else (audit records, managed tokens) lives
//! in KV only.

use std::cell::Cell;

use serde_json::Value;

use crate::store::{ListPage, Store, StoreError, Stored};

/// The keys the authority counts and lists.
pub const COUNTED_PREFIX: &str = "secret:";
/// Where the authority keeps their number.
pub const COUNT_KEY: &str = "count:secret:";
/// A write of `<key>` that KV may not have yet.
pub const INTENT_PREFIX: &str = "repair:";
/// A deleted `<key>`.
pub const TOMB_PREFIX: &str = "tomb:";

/// Which object a store serves, and so which keys it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    /// One secret's object: its live record (published to KV), deleted
    /// record and kept versions (its own). A miss is final: it adopted
    /// what the legacy object held on its first touch.
    Secret,
    /// The directory: the registry index (published to KV as `reg:`), the
    /// names it counts, the deleted list and the restore fence (its own).
    Directory,
    /// The one object of earlier releases, keeping the count and adopting
    /// KV-only secrets as it did.
    Legacy,
}

impl Room {
    /// The keys written to the authority, then KV.
    fn published(self, key: &str) -> bool {
        match self {
            Room::Secret | Room::Legacy => key.starts_with(COUNTED_PREFIX),
            Room::Directory => key.starts_with(crate::directory::INDEX_PREFIX),
        }
    }

    /// The keys only the authority holds (KV never sees them).
    pub fn own(self, key: &str) -> bool {
        match self {
            Room::Secret | Room::Legacy => private(key),
            Room::Directory => crate::directory::OWN_PREFIXES
                .iter()
                .any(|p| key.starts_with(p)),
        }
    }
}

pub struct WriteThrough<'a, D, K> {
    pub room: Room,
    pub authority: &'a D,
    pub kv: &'a K,
    /// Set when a KV write failed: the caller schedules `repair`.
    pending: Cell<bool>,
    /// A crash between the commit and the KV write, for the fault tests.
    crash_after_commit: bool,
}

/// A secret's records that only its object holds.
pub fn private(key: &str) -> bool {
    key.starts_with(crate::name_state::PUBLISHED_KEY)
        || key.starts_with(crate::brokered::CURRENT_KEY)
        || key.starts_with(crate::watch::CHECKS_KEY)
        || key.starts_with(crate::outbox::OUTBOX_PREFIX)
        || key.starts_with(crate::secret_room::READY_KEY)
        || key.starts_with(shared::backup::VERSION_PREFIX)
        || key.starts_with(shared::backup::DELETED_PREFIX)
        || key.starts_with(shared::backup::RESTORING_KEY)
}

fn intent(key: &str) -> String {
    format!("{INTENT_PREFIX}{key}")
}

fn tomb(key: &str) -> String {
    format!("{TOMB_PREFIX}{key}")
}

/// What a repair pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Repaired {
    /// Keys whose KV copy now matches the authority.
    pub fixed: u32,
    /// Keys KV still refused; try again later.
    pub left: u32,
}

impl<'a, D: Store, K: Store> WriteThrough<'a, D, K> {
    /// The store of a legacy-shaped object (every secret in one), as the
    /// native tests and the move out of the legacy object use it.
    pub fn new(authority: &'a D, kv: &'a K) -> Self {
        Self::of(Room::Legacy, authority, kv)
    }

    pub fn of(room: Room, authority: &'a D, kv: &'a K) -> Self {
        WriteThrough {
            room,
            authority,
            kv,
            pending: Cell::new(false),
            crash_after_commit: false,
        }
    }

    /// Stops every secret write after the authority committed it and before
    /// KV sees it, as a crash there would (`REGCRED_FAILPOINT=after-commit`).
    pub fn crashing_after_commit(mut self) -> Self {
        self.crash_after_commit = true;
        self
    }

    /// Whether a KV write failed in this request and awaits `repair`.
    pub fn repair_pending(&self) -> bool {
        self.pending.get()
    }

    /// Makes KV match the authority for every key with an intent.
    pub async fn repair(&self) -> Result<Repaired, StoreError> {
        let mut done = Repaired::default();
        let mut pages = self.authority.pages(INTENT_PREFIX);
        while let Some(keys) = pages.next().await? {
            for k in &keys {
                let key = &k.name[INTENT_PREFIX.len()..];
                if self.sync(key).await.is_ok() {
                    self.authority.delete(&k.name).await?;
                    done.fixed += 1;
                } else {
                    done.left += 1;
                }
            }
        }
        Ok(done)
    }

    /// Copies the authority's state of `key` to KV.
    async fn sync(&self, key: &str) -> Result<(), StoreError> {
        match self.authority.get(key).await? {
            Some(s) => {
                let meta = s.metadata.unwrap_or(Value::Null);
                self.kv.put(key, &s.value, &meta).await
            }
            None => self.kv.delete(key).await,
        }
    }

    /// The KV half of a committed write: on success the intent goes; on
    /// failure it stays for `repair`, and the write still succeeded.
    async fn finish_in_kv(
        &self,
        key: &str,
        kv_write: impl std::future::Future<Output = Result<(), StoreError>>,
    ) -> Result<(), StoreError> {
        if self.crash_after_commit {
            return Err(StoreError(
                "failpoint after-commit: stopped before the KV write".into(),
            ));
        }
        match kv_write.await {
            Ok(()) => self.authority.delete(&intent(key)).await,
            Err(_) => {
                self.pending.set(true);
                Ok(())
            }
        }
    }

    /// The legacy room's count; the other rooms keep none (their misses
    /// are final, and the directory counts secrets).
    async fn stored_count(&self) -> Result<Option<u64>, StoreError> {
        if self.room != Room::Legacy {
            return Ok(Some(0));
        }
        Ok(self
            .authority
            .get(COUNT_KEY)
            .await?
            .and_then(|s| s.value.parse().ok()))
    }

    /// Moves the stored count by `delta`, if one is kept yet.
    async fn bump(&self, delta: i64) -> Result<(), StoreError> {
        if self.room != Room::Legacy {
            return Ok(());
        }
        if let Some(n) = self.stored_count().await? {
            let n = n.saturating_add_signed(delta);
            self.authority
                .put(COUNT_KEY, &n.to_string(), &Value::Null)
                .await?;
        }
        Ok(())
    }

    /// Adopts every KV-only secret that was never deleted, then counts the
    /// authority's once.
    async fn recount(&self) -> Result<u64, StoreError> {
        let mut pages = self.kv.pages(COUNTED_PREFIX);
        while let Some(keys) = pages.next().await? {
            for k in &keys {
                if self.authority.get(&k.name).await?.is_none() {
                    self.adopt(&k.name).await?;
                }
            }
        }
        let n = self.authority.count(COUNTED_PREFIX, u64::MAX).await?;
        self.authority
            .put(COUNT_KEY, &n.to_string(), &Value::Null)
            .await?;
        Ok(n)
    }

    /// KV's copy of a `key` the authority lacks, adopted into the authority
    /// unless the authority holds its tombstone.
    async fn adopt(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        if self.authority.get(&tomb(key)).await?.is_some() {
            return Ok(None);
        }
        let Some(legacy) = self.kv.get(key).await? else {
            return Ok(None);
        };
        let meta = legacy.metadata.clone().unwrap_or(Value::Null);
        self.authority.put(key, &legacy.value, &meta).await?;
        Ok(Some(legacy))
    }
}

impl<D: Store, K: Store> Store for WriteThrough<'_, D, K> {
    async fn get(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        if self.room.own(key) {
            return self.authority.get(key).await;
        }
        if !self.room.published(key) {
            return self.kv.get(key).await;
        }
        if let Some(found) = self.authority.get(key).await? {
            return Ok(Some(found));
        }
        // Once the count is kept, the recount that made it adopted every
        // KV-only secret: a miss here is a miss, with no KV read.
        if self.stored_count().await?.is_some() {
            return Ok(None);
        }
        let adopted = self.adopt(key).await?;
        if adopted.is_some() {
            self.bump(1).await?;
        }
        Ok(adopted)
    }

    async fn put(&self, key: &str, value: &str, metadata: &Value) -> Result<(), StoreError> {
        if self.room.own(key) {
            return self.authority.put(key, value, metadata).await;
        }
        if !self.room.published(key) {
            return self.kv.put(key, value, metadata).await;
        }
        let new = self.authority.get(key).await?.is_none();
        // The intent first: a crash after it is repaired to whatever the
        // authority then holds.
        self.authority.put(&intent(key), "", &Value::Null).await?;
        self.authority.put(key, value, metadata).await?;
        if new {
            self.authority.delete(&tomb(key)).await?;
            self.bump(1).await?;
        }
        self.finish_in_kv(key, self.kv.put(key, value, metadata))
            .await
    }

    async fn put_expiring(
        &self,
        key: &str,
        value: &str,
        metadata: &Value,
        ttl_secs: u64,
    ) -> Result<(), StoreError> {
        if self.room.published(key) || self.room.own(key) {
            return self.put(key, value, metadata).await;
        }
        self.kv.put_expiring(key, value, metadata, ttl_secs).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        if self.room.own(key) {
            return self.authority.delete(key).await;
        }
        if !self.room.published(key) {
            return self.kv.delete(key).await;
        }
        let existed = self.authority.get(key).await?.is_some();
        self.authority.put(&intent(key), "", &Value::Null).await?;
        self.authority.delete(key).await?;
        self.authority.put(&tomb(key), "", &Value::Null).await?;
        if existed {
            self.bump(-1).await?;
        }
        self.finish_in_kv(key, self.kv.delete(key)).await
    }

    /// Secrets are listed from the authority once it holds all of them (its
    /// count exists): a puller served here must never see KV's lag.
    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ListPage, StoreError> {
        if self.room == Room::Legacy
            && prefix == COUNTED_PREFIX
            && self.stored_count().await?.is_none()
        {
            self.recount().await?;
        }
        if self.room.own(prefix) || self.room.published(prefix) {
            return self.authority.list(prefix, cursor, limit).await;
        }
        self.kv.list(prefix, cursor, limit).await
    }

    async fn count(&self, prefix: &str, at_most: u64) -> Result<u64, StoreError> {
        let legacy_count = self.room == Room::Legacy && prefix == COUNTED_PREFIX;
        if !legacy_count && (self.room.own(prefix) || self.room.published(prefix)) {
            return self.authority.count(prefix, at_most).await;
        }
        if !legacy_count {
            return self.kv.count(prefix, at_most).await;
        }
        let n = match self.stored_count().await? {
            Some(n) => n,
            None => self.recount().await?,
        };
        Ok(n.min(at_most))
    }
}
