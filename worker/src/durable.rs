//! The Durable Object that serializes writes. Workers KV is eventually
//! consistent and has no compare-and-set; every create, modify and delete
//! runs here, one at a time, against the object's own storage (the
//! authority for existence and versions) and writes through to KV, which
//! reads at the edge keep using. See `store::WriteThrough` for what wins
//! when the two disagree.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use crate::glue::{serve, EdgeStore, KV_BINDING};
use crate::kv::Kv;
use crate::serial::Turnstile;
use crate::store::{ListPage, Store, StoreError, Stored, WriteThrough};

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

    /// Never called: `WriteThrough` lists KV.
    async fn list(
        &self,
        _: &str,
        _: Option<&str>,
        _: u32,
    ) -> std::result::Result<ListPage, StoreError> {
        Ok(ListPage::default())
    }
}
