//! The one walk over KV list pages that lists and counts (secrets, the
//! quota, the audit trail): `$skip` keys are passed, `$top` kept, the rest
//! only counted when the total is wanted, and listing stops as soon as the
//! answer is known.

use shared::api::{Paging, SecretStatus};

use crate::http::{unserializable, Response};
use crate::store::{ListedKey, Store, StoreError};

#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub skip: u64,
    pub top: u64,
    /// Count every matching key, not only the kept ones.
    pub count_all: bool,
}

impl Window {
    /// What `$top`, `$skip` and `$count` ask for; `top` when `$top` is absent.
    pub fn of(paging: &Paging, top: u64) -> Window {
        Window {
            skip: paging.skip,
            top: paging.top.unwrap_or(top),
            count_all: paging.count_total,
        }
    }

    /// Every key, kept.
    pub fn all() -> Window {
        Window {
            skip: 0,
            top: u64::MAX,
            count_all: false,
        }
    }

    /// No key kept, every one counted.
    pub fn count_only() -> Window {
        Window {
            skip: 0,
            top: 0,
            count_all: true,
        }
    }
}

/// Walks the keys under `prefix` in key order. `read` turns a key into an
/// item, or `None` when it does not match. With `filtered` false every key
/// matches, and keys that are only passed or counted are never read: a deep
/// `$skip` stays a walk over names. Answers the kept items and how many
/// matching keys were seen.
pub async fn walk<S: Store, T>(
    store: &S,
    prefix: &str,
    window: Window,
    filtered: bool,
    mut read: impl FnMut(&ListedKey) -> Option<T>,
) -> Result<(Vec<T>, u64), StoreError> {
    let mut seen = 0u64;
    let mut out = Vec::new();
    let mut pages = store.pages(prefix);
    while let Some(keys) = pages.next().await? {
        for k in &keys {
            let full = out.len() as u64 >= window.top;
            if full && !window.count_all {
                break;
            }
            let shown = seen >= window.skip && !full;
            if !shown && !filtered {
                seen += 1;
                continue;
            }
            let Some(item) = read(k) else { continue };
            seen += 1;
            if shown {
                out.push(item);
            }
        }
        let full = out.len() as u64 >= window.top;
        if full && !window.count_all {
            break;
        }
    }
    Ok((out, seen))
}

/// A list page in `shared::api::SecretList`'s shape, around items already
/// written as JSON (the secrets list writes its own, `list_item.rs`);
/// `count` is the total with `$count=true`, else the page's.
pub fn list_page(paging: &Paging, items: Vec<Vec<u8>>, total: u64) -> Response {
    let count = if paging.count_total {
        total
    } else {
        items.len() as u64
    };
    let mut body = Vec::with_capacity(64 + items.iter().map(|i| i.len() + 1).sum::<usize>());
    body.extend_from_slice(br#"{"count":"#);
    body.extend_from_slice(count.to_string().as_bytes());
    body.extend_from_slice(br#","resources":["#);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item);
    }
    body.extend_from_slice(b"]}");
    Response::bytes(200, "application/json", body)
}

/// The same page of typed items (the deleted list).
pub fn list_answer(paging: &Paging, resources: Vec<SecretStatus>, total: u64) -> Response {
    match resources.iter().map(serde_json::to_vec).collect() {
        Ok(items) => list_page(paging, items, total),
        Err(_) => Response::error(unserializable()),
    }
}
