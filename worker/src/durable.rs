//! The Durable Object that serializes writes. Workers KV is eventually
//! consistent and has no compare-and-set; every create, modify and delete
//! runs here, one at a time, against the object's own storage (the
//! authority for existence and versions) and writes through to KV, which
//! reads at the edge keep using. See `store::WriteThrough` for what wins
//! when the two disagree.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::{durable_object, DurableObject, Env, ListOptions, Request, Response, Result, State};

use crate::glue::{serve, EdgeStore, KV_BINDING};
use crate::kv::Kv;
use crate::serial::Turnstile;
use crate::store::{ListPage, ListedKey, Store, StoreError, Stored, WriteThrough};

#[durable_object(fetch)]
pub struct SecretWriter {
    state: State,
    env: Env,
    /// Storage calls alone would let requests interleave at each KV await;
    /// one request at a time makes check-then-write atomic.
    turn: Turnstile,
}

impl DurableObject for SecretWriter {
    fn new(state: State, env: Env) -> Self {
        SecretWriter {
            state,
            env,
            turn: Turnstile::default(),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        self.turn
            .run(async {
                let kv = Kv::from_env(&self.env, KV_BINDING).ok_or_else(|| {
                    worker::Error::RustError(format!("no KV binding named {KV_BINDING}"))
                })?;
                let authority = ObjectStorage(self.state.storage());
                let store = EdgeStore::Through(WriteThrough {
                    authority: &authority,
                    kv: &kv,
                });
                serve(req, &self.env, &store).await
            })
            .await
    }
}

/// The Durable Object's storage as a `Store` (values with their metadata).
pub struct ObjectStorage(worker::Storage);

#[derive(Serialize, Deserialize)]
struct Entry {
    value: String,
    metadata: Value,
}

fn err(e: worker::Error) -> StoreError {
    StoreError(format!("Durable Object storage: {e}"))
}

impl Store for ObjectStorage {
    async fn get(&self, key: &str) -> std::result::Result<Option<Stored>, StoreError> {
        // As a JS string through `get_multiple`: the typed `get` converts
        // through serde-wasm-bindgen, which nothing else here needs.
        let found = self.0.get_multiple(vec![key]).await.map_err(err)?;
        let raw = found.get(&JsValue::from_str(key)).as_string();
        Ok(raw
            .and_then(|r| serde_json::from_str::<Entry>(&r).ok())
            .map(|e| Stored {
                value: e.value,
                metadata: Some(e.metadata),
            }))
    }

    async fn put(
        &self,
        key: &str,
        value: &str,
        metadata: &Value,
    ) -> std::result::Result<(), StoreError> {
        let entry = Entry {
            value: value.to_owned(),
            metadata: metadata.clone(),
        };
        let text = serde_json::to_string(&entry).map_err(|e| StoreError(e.to_string()))?;
        self.0
            .put_raw(key, JsValue::from_str(&text))
            .await
            .map_err(err)
    }

    async fn delete(&self, key: &str) -> std::result::Result<(), StoreError> {
        self.0.delete(key).await.map(|_| ()).map_err(err)
    }

    /// Used to count the secrets once (`WriteThrough::count`); reads lists KV.
    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> std::result::Result<ListPage, StoreError> {
        // `start` is inclusive: begin just after the cursor's key.
        let after = cursor.map(|c| format!("{c}\0"));
        let mut options = ListOptions::new().prefix(prefix).limit(limit as usize + 1);
        if let Some(a) = after.as_deref() {
            options = options.start(a);
        }
        let found = self.0.list_with_options(options).await.map_err(err)?;
        let mut keys: Vec<ListedKey> = Vec::new();
        for k in found.keys() {
            let Some(name) = k.ok().and_then(|k| k.as_string()) else {
                continue;
            };
            let metadata = found
                .get(&JsValue::from_str(&name))
                .as_string()
                .and_then(|r| serde_json::from_str::<Entry>(&r).ok())
                .and_then(|e| serde_json::value::to_raw_value(&e.metadata).ok());
            keys.push(ListedKey { name, metadata });
        }
        let more = keys.len() > limit as usize;
        keys.truncate(limit as usize);
        let cursor = if more {
            keys.last().map(|k| k.name.clone())
        } else {
            None
        };
        Ok(ListPage { keys, cursor })
    }
}
