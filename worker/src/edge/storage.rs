//! The Durable Object's storage as a `Store` (values with their metadata,
//! each entry one JSON string).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::ListOptions;

use crate::store::{ListPage, ListedKey, Store, StoreError, Stored};

pub struct ObjectStorage(pub worker::Storage);

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
            .and_then(|r| serde_json::from_slice::<Entry>(r.as_bytes()).ok())
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
                .and_then(|r| serde_json::from_slice::<Entry>(r.as_bytes()).ok())
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
