//! The `Store` trait over Workers KV, bound directly to the runtime's KV
//! namespace object. Answers cross from JS to wasm as one JSON text each
//! (`JSON.stringify`, then serde_json): workers-rs's typed KV walks every
//! metadata object field by field across the boundary, which made a 50-item
//! list page the slowest read.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use worker::js_sys::futures::JsFuture;
use worker::js_sys::{JsString, Promise, Reflect, JSON};

use crate::store::{ListPage, ListedKey, Store, StoreError, Stored};

#[wasm_bindgen]
extern "C" {
    /// The KV namespace binding (`env.SECRETS`).
    pub type KvNamespace;

    #[wasm_bindgen(method, catch, js_name = getWithMetadata)]
    fn get_with_metadata(this: &KvNamespace, key: &str, kind: &str) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn put(
        this: &KvNamespace,
        key: &str,
        value: &str,
        options: &JsValue,
    ) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn delete(this: &KvNamespace, key: &str) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn list(this: &KvNamespace, options: &JsValue) -> Result<Promise, JsValue>;

    /// The runtime's UTF-8 encoder, bound to take a JS string as it is:
    /// web-sys's takes a Rust `&str`, the other direction.
    #[wasm_bindgen(js_name = TextEncoder)]
    type Utf8Encoder;

    #[wasm_bindgen(constructor, js_class = "TextEncoder")]
    fn new() -> Utf8Encoder;

    #[wasm_bindgen(method, js_name = encode)]
    fn encode_text(this: &Utf8Encoder, text: &JsString) -> worker::js_sys::Uint8Array;
}

thread_local! {
    static UTF8: Utf8Encoder = Utf8Encoder::new();
}

pub struct Kv(KvNamespace);

impl Kv {
    /// The binding `name` of `env`, if it is there.
    pub fn from_env(env: &worker::Env, name: &str) -> Option<Kv> {
        let binding = Reflect::get(env, &JsValue::from_str(name)).ok()?;
        if binding.is_undefined() || binding.is_null() {
            return None;
        }
        Some(Kv(binding.unchecked_into()))
    }
}

/// What the runtime said, without values: a KV failure names no secret.
fn err(what: &str, e: JsValue) -> StoreError {
    let why = e
        .dyn_ref::<worker::js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| "unknown error".into());
    StoreError(format!("KV {what}: {why}"))
}

async fn settle(what: &str, call: Result<Promise, JsValue>) -> Result<JsValue, StoreError> {
    let promise = call.map_err(|e| err(what, e))?;
    JsFuture::from(promise).await.map_err(|e| err(what, e))
}

fn json_text(what: &str, v: &JsValue) -> Result<JsString, StoreError> {
    JSON::stringify(v)
        .ok()
        .filter(|t| t.is_string())
        .ok_or_else(|| StoreError(format!("KV {what}: the answer is not JSON")))
}

/// A JS value as serde type, through one JSON string (a get's answer is
/// short: wasm-bindgen's own string passing is the cheaper way in).
fn decode<T: serde::de::DeserializeOwned>(what: &str, v: &JsValue) -> Result<T, StoreError> {
    let text = String::from(json_text(what, v)?);
    serde_json::from_slice(text.as_bytes()).map_err(|e| StoreError(format!("KV {what}: {e}")))
}

/// A list page as JSON bytes, encoded by the runtime and copied in once:
/// wasm-bindgen's string passing copies a long ASCII text one character at
/// a time in JS (3.5% of a 50-item list's samples in the V8 profile; a
/// 7.7 KB page: 17-36 us by that loop, 4.5 us encoded, in Node).
fn list_bytes(v: &JsValue) -> Result<Vec<u8>, StoreError> {
    let text = json_text("list", v)?;
    Ok(UTF8.with(|e| e.encode_text(&text).to_vec()))
}

fn encode(what: &str, v: &Value) -> Result<JsValue, StoreError> {
    JSON::parse(&v.to_string()).map_err(|e| err(what, e))
}

#[derive(Deserialize)]
struct GetAnswer {
    value: Option<String>,
    metadata: Option<Value>,
}

#[derive(Deserialize)]
struct ListAnswer<'a> {
    #[serde(borrow)]
    keys: Vec<ListAnswerKey<'a>>,
    list_complete: bool,
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct ListAnswerKey<'a> {
    name: String,
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
}

impl Kv {
    async fn put_with(&self, key: &str, value: &str, options: Value) -> Result<(), StoreError> {
        let options = encode("put", &options)?;
        settle("put", self.0.put(key, value, &options))
            .await
            .map(|_| ())
    }
}

impl Store for Kv {
    async fn get(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        let answer = settle("get", self.0.get_with_metadata(key, "text")).await?;
        let got: GetAnswer = decode("get", &answer)?;
        Ok(got.value.map(|value| Stored {
            value,
            metadata: got.metadata,
        }))
    }

    async fn put(&self, key: &str, value: &str, metadata: &Value) -> Result<(), StoreError> {
        self.put_with(key, value, json!({ "metadata": metadata }))
            .await
    }

    async fn put_expiring(
        &self,
        key: &str,
        value: &str,
        metadata: &Value,
        ttl_secs: u64,
    ) -> Result<(), StoreError> {
        // KV refuses a TTL under 60 s.
        let options = json!({ "metadata": metadata, "expirationTtl": ttl_secs.max(60) });
        self.put_with(key, value, options).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        settle("delete", self.0.delete(key)).await.map(|_| ())
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ListPage, StoreError> {
        let mut options = json!({ "prefix": prefix, "limit": limit });
        if let (Some(c), Some(o)) = (cursor, options.as_object_mut()) {
            o.insert("cursor".into(), Value::from(c));
        }
        let options = encode("list", &options)?;
        let answer = settle("list", self.0.list(&options)).await?;
        let bytes = list_bytes(&answer)?;
        let page: ListAnswer =
            serde_json::from_slice(&bytes).map_err(|e| StoreError(format!("KV list: {e}")))?;
        Ok(ListPage {
            keys: page
                .keys
                .into_iter()
                .map(|k| ListedKey {
                    name: k.name,
                    metadata: k.metadata.map(RawValue::to_owned),
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
