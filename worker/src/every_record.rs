//! Every record of every secret, in one key order: deleted, live, kept
//! versions (`shared::backup::RecordKey`). The backup, the key counts and
//! the rewrap page through it; only the Durable Object holds all of it.

use shared::api::ApiError;
use shared::backup::{RecordKey, DELETED_PREFIX, SECRET_PREFIX, VERSION_PREFIX};
use shared::SecretName;

use crate::http::{bad_query, param};
use crate::store::{ListedKey, Pages, Store, StoreError};

pub const ORDER: [&str; 3] = [DELETED_PREFIX, SECRET_PREFIX, VERSION_PREFIX];

/// Up to `limit` record keys after `after` (a record key), and where the
/// next page starts; `None` once this page reached the end. `limit` is
/// at least 1.
pub async fn page<S: Store>(
    store: &S,
    after: Option<&str>,
    limit: usize,
) -> Result<(Vec<ListedKey>, Option<String>), StoreError> {
    let start = after
        .and_then(|a| ORDER.iter().position(|p| a.starts_with(p)))
        .unwrap_or(0);
    let mut out: Vec<ListedKey> = Vec::new();
    for (i, prefix) in ORDER.iter().enumerate().skip(start) {
        let from = if i == start {
            after.map(str::to_owned)
        } else {
            None
        };
        let mut pages = Pages::after(store, prefix, from);
        while let Some(keys) = pages.next_up_to((limit - out.len()) as u32).await? {
            out.extend(keys);
            if out.len() >= limit {
                // The next page may turn out empty; it then has no `next`.
                let next = out.last().map(|k| k.name.clone());
                return Ok((out, next));
            }
        }
    }
    Ok((out, None))
}

/// `after`: the `next` of the page before (a record key); a bare secret
/// name stands for its live record. Absent or empty: from the start.
pub fn cursor(query: &[(String, String)]) -> Result<Option<String>, ApiError> {
    let Some(v) = param(query, "after").filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if RecordKey::parse(v).is_ok() {
        return Ok(Some(v.to_owned()));
    }
    SecretName::parse(v)
        .map(|n| Some(RecordKey::Secret(n).to_string()))
        .map_err(|e| {
            bad_query(
                "after",
                format!("after must be the `next` of the page before: {e}"),
            )
        })
}
