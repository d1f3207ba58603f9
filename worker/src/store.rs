//! The storage the handlers see: a KV-shaped trait (get with metadata, put,
//! delete, paged list) with an in-memory impl for native tests. The Workers
//! KV impl lives in `edge/kv.rs`; the Durable Object's write-through store
//! in `writethrough.rs`.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;
use shared::api::{ApiError, ErrorCode};
use shared::brokered::Current;
use shared::SecretName;

/// Workers KV's largest page.
pub const KV_PAGE: u32 = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub value: String,
    pub metadata: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct ListedKey {
    pub name: String,
    /// JSON text, read only for the keys a page shows (a list page is the
    /// hottest path, and a deep `$skip` passes a thousand keys per call).
    pub metadata: Option<Box<RawValue>>,
}

impl ListedKey {
    /// The metadata as `M`; `None` if there is none or it is not an `M`.
    pub fn read_metadata<M: DeserializeOwned>(&self) -> Option<M> {
        serde_json::from_slice(self.metadata.as_ref()?.get().as_bytes()).ok()
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListPage {
    pub keys: Vec<ListedKey>,
    /// `None` when this is the last page.
    pub cursor: Option<String>,
}

/// A storage failure; its text is for operators and never holds values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::new(
            ErrorCode::InternalError,
            format!("the secret store failed ({}); try again", e.0),
        )
    }
}

#[allow(async_fn_in_trait)] // Workers futures are !Send; no Send bound wanted.
pub trait Store {
    async fn get(&self, key: &str) -> Result<Option<Stored>, StoreError>;
    async fn put(&self, key: &str, value: &str, metadata: &Value) -> Result<(), StoreError>;
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Keys with `prefix` in key order, at most `limit` per page.
    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ListPage, StoreError>;

    /// A put that the store forgets after `ttl_secs` (audit records).
    async fn put_expiring(
        &self,
        key: &str,
        value: &str,
        metadata: &Value,
        ttl_secs: u64,
    ) -> Result<(), StoreError> {
        let _ = ttl_secs;
        self.put(key, value, metadata).await
    }

    /// How many keys start with `prefix`, counted up to `at_most` (listing
    /// stops there).
    async fn count(&self, prefix: &str, at_most: u64) -> Result<u64, StoreError> {
        let mut seen = 0u64;
        let mut pages = self.pages(prefix);
        while seen < at_most {
            let Some(keys) = pages.next().await? else {
                break;
            };
            seen += keys.len() as u64;
        }
        Ok(seen.min(at_most))
    }

    /// Takes a place among at most `max` live secrets for `name` (which
    /// holds none yet, and is about to hold `registries`); false when none
    /// is free. A store that holds every secret counts them; a secret's
    /// object asks the directory, which orders every name's places.
    async fn reserve(
        &self,
        name: &shared::SecretName,
        registries: &[String],
        max: u64,
    ) -> Result<bool, StoreError> {
        let _ = (name, registries);
        Ok(self.count(shared::backup::SECRET_PREFIX, max).await? < max)
    }

    /// The names the registry index lists for a registry host; `None`
    /// when this store keeps no index (the secrets' metadata is walked).
    async fn indexed(&self, host_key: &str) -> Result<Option<Vec<String>>, StoreError> {
        let _ = host_key;
        Ok(None)
    }

    /// The names that hold a registry host, as the directory knows them
    /// now (the index may lag); only asked where `indexed` is kept.
    async fn holders(&self, host_key: &str) -> Result<Vec<String>, StoreError> {
        let _ = host_key;
        Ok(Vec::new())
    }

    /// A brokered secret's current credential, as its own object holds
    /// or mints it (`brokered.rs`): the answer, or the mint's refusal.
    /// `None` when this store is that object's (the caller mints itself).
    /// `actor` and `request_id` are the pull's, for the mint's audit record.
    async fn current(
        &self,
        name: &SecretName,
        actor: &str,
        request_id: &str,
    ) -> Result<Option<Result<Current, ApiError>>, StoreError> {
        let _ = (name, actor, request_id);
        Ok(None)
    }

    /// A record as its authority holds it now: at the edge, from the
    /// secret's object rather than KV.
    async fn fresh(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        self.get(key).await
    }

    /// Every page of the keys with `prefix`, in key order.
    fn pages<'a>(&'a self, prefix: &'a str) -> Pages<'a, Self> {
        Pages::after(self, prefix, None)
    }
}

/// The pages of one prefix, walked with the store's cursor: one `list`
/// call per page, and none once a page said it was the last. The one
/// cursor loop every walk over a prefix uses; a caller that has seen
/// enough just stops asking.
pub struct Pages<'a, S: ?Sized> {
    store: &'a S,
    prefix: &'a str,
    cursor: Option<String>,
    done: bool,
}

impl<'a, S: Store + ?Sized> Pages<'a, S> {
    /// The pages that follow `cursor` (from the start when `None`).
    pub fn after(store: &'a S, prefix: &'a str, cursor: Option<String>) -> Pages<'a, S> {
        Pages {
            store,
            prefix,
            cursor,
            done: false,
        }
    }

    /// The next page of at most [`KV_PAGE`] keys; `None` after the last.
    pub async fn next(&mut self) -> Result<Option<Vec<ListedKey>>, StoreError> {
        self.next_up_to(KV_PAGE).await
    }

    /// The next page of at most `limit` keys; `None` after the last.
    pub async fn next_up_to(&mut self, limit: u32) -> Result<Option<Vec<ListedKey>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let page = self
            .store
            .list(self.prefix, self.cursor.as_deref(), limit)
            .await?;
        self.done = page.cursor.is_none();
        self.cursor = page.cursor;
        Ok(Some(page.keys))
    }
}

/// How many calls of each kind a store has answered.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CallCounts {
    pub get: u32,
    pub put: u32,
    pub delete: u32,
    pub list: u32,
}

/// Metadata is kept as JSON text, as KV keeps it.
struct Entry {
    value: String,
    metadata: Option<Box<RawValue>>,
    /// The TTL it was put with, in seconds (never enforced here).
    ttl: Option<u64>,
}

impl Entry {
    fn new(value: String, metadata: Option<&Value>) -> Entry {
        Entry {
            value,
            metadata: metadata.and_then(|m| serde_json::value::to_raw_value(m).ok()),
            ttl: None,
        }
    }

    fn stored(&self) -> Stored {
        Stored {
            value: self.value.clone(),
            metadata: self
                .metadata
                .as_ref()
                .and_then(|m| serde_json::from_slice(m.get().as_bytes()).ok()),
        }
    }
}

/// In-memory store with KV's list semantics (ordered keys, paged, opaque cursor).
#[derive(Default)]
pub struct MemoryStore {
    data: RefCell<BTreeMap<String, Entry>>,
    calls: Cell<CallCounts>,
}

impl MemoryStore {
    pub fn calls(&self) -> CallCounts {
        self.calls.get()
    }

    pub fn reset_calls(&self) {
        self.calls.set(CallCounts::default());
    }

    /// Raw values, as a KV dump would show them.
    pub fn raw(&self) -> Vec<(String, Stored)> {
        self.data
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.stored()))
            .collect()
    }

    /// The TTL `key` was last put with.
    pub fn ttl(&self, key: &str) -> Option<u64> {
        self.data.borrow().get(key).and_then(|e| e.ttl)
    }

    pub fn insert_raw(&self, key: &str, value: Stored) {
        let entry = Entry::new(value.value, value.metadata.as_ref());
        self.data.borrow_mut().insert(key.to_owned(), entry);
    }

    fn tally(&self, f: impl FnOnce(&mut CallCounts)) {
        let mut c = self.calls.get();
        f(&mut c);
        self.calls.set(c);
    }
}

impl Store for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        self.tally(|c| c.get += 1);
        Ok(self.data.borrow().get(key).map(Entry::stored))
    }

    async fn put(&self, key: &str, value: &str, metadata: &Value) -> Result<(), StoreError> {
        self.tally(|c| c.put += 1);
        self.data
            .borrow_mut()
            .insert(key.to_owned(), Entry::new(value.to_owned(), Some(metadata)));
        Ok(())
    }

    async fn put_expiring(
        &self,
        key: &str,
        value: &str,
        metadata: &Value,
        ttl_secs: u64,
    ) -> Result<(), StoreError> {
        self.put(key, value, metadata).await?;
        if let Some(e) = self.data.borrow_mut().get_mut(key) {
            e.ttl = Some(ttl_secs);
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.tally(|c| c.delete += 1);
        self.data.borrow_mut().remove(key);
        Ok(())
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ListPage, StoreError> {
        self.tally(|c| c.list += 1);
        let data = self.data.borrow();
        // Like KV, start at the prefix (or after the cursor): other keys
        // (audit records) are never walked.
        let start = match cursor {
            Some(after) if after >= prefix => std::ops::Bound::Excluded(after),
            _ => std::ops::Bound::Included(prefix),
        };
        let mut keys = Vec::new();
        let mut more = false;
        for (k, v) in data.range::<str, _>((start, std::ops::Bound::Unbounded)) {
            if !k.starts_with(prefix) {
                break;
            }
            if keys.len() == limit as usize {
                more = true;
                break;
            }
            keys.push(ListedKey {
                name: k.clone(),
                metadata: v.metadata.clone(),
            });
        }
        let cursor = if more {
            keys.last().map(|k| k.name.clone())
        } else {
            None
        };
        Ok(ListPage { keys, cursor })
    }
}
