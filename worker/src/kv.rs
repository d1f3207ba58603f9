//! The `Store` trait over Workers KV.

use serde_json::Value;
use worker::kv::KvStore;

use crate::store::{ListPage, ListedKey, Store, StoreError, Stored};

pub struct Kv(pub KvStore);

fn err(e: worker::kv::KvError) -> StoreError {
    StoreError(format!("KV: {e}"))
}

impl Store for Kv {
    async fn get(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        let (value, metadata) = self
            .0
            .get(key)
            .text_with_metadata::<Value>()
            .await
            .map_err(err)?;
        Ok(value.map(|value| Stored { value, metadata }))
    }

    async fn put(&self, key: &str, value: &str, metadata: &Value) -> Result<(), StoreError> {
        self.0
            // As bytes: the generic `put` goes through serde and a float
            // formatter, which a string value never needs.
            .put_bytes(key, value.as_bytes())
            .map_err(err)?
            .metadata(metadata)
            .map_err(err)?
            .execute()
            .await
            .map_err(err)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key).await.map_err(err)
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ListPage, StoreError> {
        let mut q = self
            .0
            .list()
            .prefix(prefix.to_owned())
            .limit(u64::from(limit));
        if let Some(c) = cursor {
            q = q.cursor(c.to_owned());
        }
        let page = q.execute().await.map_err(err)?;
        Ok(ListPage {
            keys: page
                .keys
                .into_iter()
                .map(|k| ListedKey {
                    name: k.name,
                    metadata: k.metadata.map(std::rc::Rc::new),
                })
                .collect(),
            cursor: if page.list_complete {
                None
            } else {
                page.cursor
            },
        })
    }
}
