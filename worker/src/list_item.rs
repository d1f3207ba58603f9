//! A list page's item, written straight from a key's KV metadata. The
//! metadata is JSON that the worker itself wrote from [`SecretMeta`], so its
//! strings, registries, source and health are copied into the answer as
//! they are, not parsed into owned strings and escaped again, and the
//! item's keys are written as literals. The list is the hottest read, and
//! that parse and write was most of its wasm time.
//!
//! For every metadata the worker writes (a serialized `SecretMeta`) the item
//! equals `SecretMeta::status`: the test `list_items` holds them together
//! over the vectors in `worker/tests/vectors/list-item/` and over generated
//! `SecretMeta`s with escapes and non-ASCII text. Metadata it did not write
//! is checked less deeply: a copied value of the wrong kind makes the whole
//! metadata read as empty, as it does for `SecretMeta`, but what is inside a
//! copied value, and the fields that are not shown, are not checked. Get and
//! the deleted list still go through `SecretMeta`.
//!
//! [`SecretMeta`]: crate::record::SecretMeta

use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use serde_json::value::RawValue;
use shared::health::{Health, HealthStatus};
use shared::time::Timestamp;

/// The metadata fields an item shows, borrowed from the metadata's text.
/// The short names are `SecretMeta`'s; other fields are skipped unread.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Shown<'a> {
    #[serde(rename = "r", borrow)]
    registries: Option<Json<'a, '['>>,
    #[serde(rename = "c", borrow)]
    created_at: Option<Json<'a, '"'>>,
    #[serde(rename = "m", borrow)]
    modified_at: Option<Json<'a, '"'>>,
    #[serde(rename = "e", borrow)]
    expires_at: Option<Json<'a, '"'>>,
    #[serde(rename = "k", borrow)]
    key_id: Option<Json<'a, '"'>>,
    #[serde(rename = "s", borrow)]
    source: Option<Json<'a, '{'>>,
    #[serde(rename = "h", borrow)]
    watch: Option<Watched<'a>>,
}

#[derive(Deserialize)]
struct Watched<'a> {
    #[serde(borrow)]
    health: Json<'a, '{'>,
}

/// A JSON value copied as it is, of the kind its first character names (a
/// string, an array, an object). Another kind makes the metadata unreadable,
/// as it makes `SecretMeta` unreadable.
#[derive(Clone, Copy)]
struct Json<'a, const FIRST: char>(&'a RawValue);

impl<'de: 'a, 'a, const FIRST: char> Deserialize<'de> for Json<'a, FIRST> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'a RawValue>::deserialize(d)?;
        if raw.get().starts_with(FIRST) {
            Ok(Json(raw))
        } else {
            Err(D::Error::custom("another kind of value"))
        }
    }
}

/// What every item of one page shares: `now`, and the JSON of the health
/// that an unchecked secret shows, written once.
pub struct Items {
    now: Timestamp,
    unchecked: Vec<u8>,
}

/// One key's item, before it is written: what the list's filters ask.
pub struct Entry<'a> {
    name: &'a str,
    shown: Shown<'a>,
    expires: Option<Timestamp>,
}

impl Items {
    /// `None` only if the unchecked health could not be serialized.
    pub fn new(now: Timestamp) -> Option<Items> {
        Some(Items {
            now,
            unchecked: serde_json::to_vec(&Health::unchecked()).ok()?,
        })
    }

    /// The item of `name`; metadata that is absent or unreadable reads as
    /// empty, like `SecretMeta::of`.
    pub fn entry<'a>(&self, name: &'a str, metadata: Option<&'a RawValue>) -> Entry<'a> {
        let shown: Shown<'a> = metadata
            .and_then(|m| serde_json::from_slice(m.get().as_bytes()).ok())
            .unwrap_or_default();
        let expires = shown.expires_at.and_then(|e| {
            let raw = e.0.get().as_bytes();
            // Borrowed unless it has escapes (ours never do; a string with
            // them is read whole, as `SecretMeta` reads it).
            match serde_json::from_slice::<&str>(raw) {
                Ok(text) => Timestamp::parse(text).ok(),
                Err(_) => serde_json::from_slice::<String>(raw)
                    .ok()
                    .and_then(|text| Timestamp::parse(&text).ok()),
            }
        });
        Entry {
            name,
            shown,
            expires,
        }
    }
}

impl Entry<'_> {
    pub fn expires(&self) -> Option<Timestamp> {
        self.expires
    }

    /// Whether its last check found it failing (never while unchecked).
    pub fn failing(&self) -> bool {
        #[derive(Deserialize)]
        struct Status {
            status: HealthStatus,
        }
        self.shown.watch.as_ref().is_some_and(|w| {
            serde_json::from_slice::<Status>(w.health.0.get().as_bytes())
                .is_ok_and(|h| h.status.failing())
        })
    }

    /// The item's JSON: `SecretStatus`'s fields, in its order, with its
    /// empty values skipped.
    pub fn write(&self, items: &Items) -> Vec<u8> {
        let s = &self.shown;
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(br#"{"name":"#);
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, self.name);
        out.extend_from_slice(br#","registries":"#);
        out.extend_from_slice(s.registries.map_or("[]", |r| r.0.get()).as_bytes());
        out.extend_from_slice(br#","createdAt":"#);
        out.extend_from_slice(s.created_at.map_or(r#""""#, |c| c.0.get()).as_bytes());
        out.extend_from_slice(br#","modifiedAt":"#);
        out.extend_from_slice(s.modified_at.map_or(r#""""#, |m| m.0.get()).as_bytes());
        // An empty expiry is no expiry, as in `SecretMeta::status`.
        if let Some(e) = s.expires_at.filter(|e| e.0.get() != r#""""#) {
            out.extend_from_slice(br#","expiresAt":"#);
            out.extend_from_slice(e.0.get().as_bytes());
        }
        if let Some(t) = self.expires {
            out.extend_from_slice(br#","expiry":"#);
            // Writing an enum's name into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut out, &t.expiry_state(items.now));
        }
        if let Some(k) = s.key_id {
            out.extend_from_slice(br#","keyId":"#);
            out.extend_from_slice(k.0.get().as_bytes());
        }
        if let Some(source) = s.source {
            out.extend_from_slice(br#","source":"#);
            out.extend_from_slice(source.0.get().as_bytes());
        }
        out.extend_from_slice(br#","health":"#);
        match &s.watch {
            Some(w) => out.extend_from_slice(w.health.0.get().as_bytes()),
            None => out.extend_from_slice(&items.unchecked),
        }
        out.push(b'}');
        out
    }
}
