//! Managed API tokens: made at run time by an admin (`/v2/admin/tokens`),
//! kept in KV as `token:<id>` where `id` is the first 16 hex digits of the
//! token's SHA-256. The value holds the whole digest, never the token, so a
//! presented token is found with one read and compared in constant time.
//! The last hour a token was used is a separate key (`tokenused:<id>`):
//! writing it can never bring back a token revoked meanwhile.
//!
//! Tokens live in KV only, not in the Durable Object: nothing about them
//! needs ordering (ids are random), and a revoke is a KV delete, seen at
//! once where it was made and everywhere within KV's propagation time.
//! An isolate keeps what it read for [`CACHE_MS`], so a token in steady use
//! costs one read a second, not one per request, and so does an unknown one
//! sent again and again (a flood, a job retrying a revoked token); a revoke
//! clears the isolate it ran in at once.

use std::cell::RefCell;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use shared::api::{ApiError, ErrorCode, IdMessageResponse, SignIn};
use shared::apitoken::{
    format_token, hex, hour_of, is_token_shaped, parse_create_token, CreatedToken, TokenInfo,
    TokenList, ID_HEX_LEN, TOKEN_RANDOM_BYTES,
};
use shared::time::Timestamp;
use subtle::ConstantTimeEq;

use crate::ctx::Ctx;
use crate::http::Response;
use crate::paging::{walk, Window};
use crate::record::MAX_METADATA_BYTES;
use crate::store::Store;
use crate::tokens::Principal;

pub const PREFIX: &str = "token:";
const USED_PREFIX: &str = "tokenused:";
/// Enough for every runner and person of a team; each is listed on one page.
pub const MAX_TOKENS: u64 = 500;
pub const MSG_REVOKED: &str = "Token has been revoked";
/// How long an isolate trusts a token record it read.
pub const CACHE_MS: i64 = 1_000;
/// More cached records than this and the cache starts over.
const CACHE_ENTRIES: usize = 1_000;

/// What `token:<id>` holds.
#[derive(Serialize, Deserialize)]
struct Record {
    /// SHA-256 of the token, hex.
    digest: String,
    #[serde(flatten)]
    info: TokenInfo,
}

fn digest_hex(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn key(id: &str) -> String {
    format!("{PREFIX}{id}")
}

fn used_key(id: &str) -> String {
    format!("{USED_PREFIX}{id}")
}

fn expired(info: &TokenInfo, now: Timestamp) -> bool {
    match info.expires_at.as_deref().map(Timestamp::parse) {
        None => false,
        Some(Ok(e)) => e <= now,
        // An expiry that cannot be read: refuse.
        Some(Err(_)) => true,
    }
}

/// The managed token `token`, if it exists, matches and has not expired.
/// A token of the wrong shape costs no storage read.
pub async fn authenticate<S: Store>(
    ctx: &Ctx<'_, S>,
    token: &str,
) -> Result<Option<Principal>, ApiError> {
    if !is_token_shaped(token) {
        return Ok(None);
    }
    let digest = digest_hex(token);
    let id = &digest[..ID_HEX_LEN];
    let now_ms = ctx.now.epoch_ms();
    let info = match cached(&digest, now_ms) {
        Some(info) => info,
        // Refused within the last second: a client retrying a revoked or
        // mistyped token in a loop costs no read per request.
        None if refused_lately(&digest, now_ms) => return Ok(None),
        None => {
            let record = ctx
                .store
                .get(&key(id))
                .await?
                .and_then(|stored| serde_json::from_slice::<Record>(stored.value.as_bytes()).ok())
                .filter(|r| bool::from(r.digest.as_bytes().ct_eq(digest.as_bytes())));
            let Some(record) = record else {
                remember_refused(&digest, now_ms);
                return Ok(None);
            };
            remember(&digest, now_ms, &record.info);
            record.info
        }
    };
    let now = ctx.now.timestamp();
    if expired(&info, now) {
        return Ok(None);
    }
    touch(ctx.store, &digest, &hour_of(now)).await;
    Ok(Some(Principal {
        label: info.label,
        role: info.role,
        scope: info.scope,
        via: SignIn::ManagedToken,
        subject: None,
    }))
}

/// What an isolate knows of a token it saw.
struct Seen {
    /// When its record was read (epoch ms).
    read_at: i64,
    info: TokenInfo,
    /// The hour its use was last recorded by this isolate.
    used_hour: Option<String>,
}

thread_local! {
    /// Tokens seen lately, by the token's digest.
    static SEEN: RefCell<HashMap<String, Seen>> = RefCell::new(HashMap::new());
    /// Digests no record matched, and when that was read. Kept apart, so a
    /// flood of made-up tokens never pushes out the tokens in use.
    static REFUSED: RefCell<HashMap<String, i64>> = RefCell::new(HashMap::new());
}

fn cached(digest: &str, now_ms: i64) -> Option<TokenInfo> {
    SEEN.with(|m| {
        let m = m.borrow();
        let seen = m.get(digest)?;
        fresh(seen.read_at, now_ms).then(|| seen.info.clone())
    })
}

fn fresh(read_at: i64, now_ms: i64) -> bool {
    now_ms >= read_at && now_ms - read_at < CACHE_MS
}

/// Whether a read for `digest` found no record within [`CACHE_MS`].
fn refused_lately(digest: &str, now_ms: i64) -> bool {
    REFUSED.with(|m| m.borrow().get(digest).is_some_and(|&at| fresh(at, now_ms)))
}

fn remember_refused(digest: &str, now_ms: i64) {
    REFUSED.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= CACHE_ENTRIES && !m.contains_key(digest) {
            m.clear();
        }
        m.insert(digest.to_owned(), now_ms);
    });
}

fn remember(digest: &str, now_ms: i64, info: &TokenInfo) {
    SEEN.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= CACHE_ENTRIES && !m.contains_key(digest) {
            m.clear();
        }
        let used_hour = m.remove(digest).and_then(|s| s.used_hour);
        m.insert(
            digest.to_owned(),
            Seen {
                read_at: now_ms,
                info: info.clone(),
                used_hour,
            },
        );
    });
}

/// Records the hour a token was used, once per hour per isolate. A failed
/// write only loses that hour's mark; it never fails the request.
async fn touch<S: Store>(store: &S, digest: &str, hour: &str) {
    let fresh = SEEN.with(|m| {
        let mut m = m.borrow_mut();
        let Some(seen) = m.get_mut(digest) else {
            return false;
        };
        if seen.used_hour.as_deref() == Some(hour) {
            return false;
        }
        seen.used_hour = Some(hour.to_owned());
        true
    });
    if fresh {
        let meta = serde_json::json!({ "lastUsed": hour });
        let _ = store
            .put(&used_key(&digest[..ID_HEX_LEN]), hour, &meta)
            .await;
    }
}

/// `POST /v2/admin/tokens`: the token is in this answer and nowhere else.
/// Also answers the new token's id, for the audit record.
pub async fn create<S: Store>(
    ctx: &Ctx<'_, S>,
    body: &[u8],
    creator: &Principal,
) -> Result<(Response, String), ApiError> {
    let now = ctx.now.timestamp();
    let valid = parse_create_token(body, now)?;
    if ctx.store.count(PREFIX, MAX_TOKENS).await? >= MAX_TOKENS {
        return Err(ApiError::new(
            ErrorCode::QuotaExceeded,
            format!("there are already {MAX_TOKENS} managed tokens; revoke unused ones (DELETE /v2/admin/tokens/{{id}}) first"),
        ));
    }
    let mut random = [0u8; TOKEN_RANDOM_BYTES];
    if !(ctx.random)(&mut random) {
        return Err(ApiError::new(
            ErrorCode::InternalError,
            "no secure random bytes were available to make a token; try again",
        ));
    }
    let token = format_token(&random);
    let digest = digest_hex(&token);
    let info = TokenInfo {
        id: digest[..ID_HEX_LEN].to_owned(),
        label: valid.label,
        role: valid.role,
        scope: valid.scope,
        created_at: now.to_string(),
        created_by: creator.label.clone(),
        expires_at: valid.expires_at.map(|t| t.to_string()),
        last_used: None,
    };
    let record = Record {
        digest,
        info: info.clone(),
    };
    let value = serde_json::to_string(&record)
        .map_err(|e| ApiError::new(ErrorCode::InternalError, e.to_string()))?;
    // The list reads the metadata; a record too large for it is read whole.
    let meta = serde_json::to_value(&info).unwrap_or_default();
    let meta = if meta.to_string().len() <= MAX_METADATA_BYTES {
        meta
    } else {
        Value::Null
    };
    ctx.store.put(&key(&info.id), &value, &meta).await?;
    let id = info.id.clone();
    Ok((Response::json(201, &CreatedToken { token, info }), id))
}

/// `GET /v2/admin/tokens`: every managed token, oldest first; never a token.
pub async fn list<S: Store>(ctx: &Ctx<'_, S>) -> Result<Response, ApiError> {
    let (listed, _) = walk(ctx.store, PREFIX, Window::all(), true, |k| {
        let id = k.name.strip_prefix(PREFIX)?.to_owned();
        Some((id, k.read_metadata::<TokenInfo>()))
    })
    .await?;
    let (used, _) = walk(ctx.store, USED_PREFIX, Window::all(), true, |k| {
        let id = k.name.strip_prefix(USED_PREFIX)?.to_owned();
        let hour = k
            .read_metadata::<Value>()?
            .get("lastUsed")?
            .as_str()?
            .to_owned();
        Some((id, hour))
    })
    .await?;
    let used: HashMap<String, String> = used.into_iter().collect();
    let mut resources = Vec::with_capacity(listed.len());
    for (id, meta) in listed {
        let info = match meta {
            Some(info) => info,
            None => match ctx.store.get(&key(&id)).await? {
                Some(s) => match serde_json::from_slice::<Record>(s.value.as_bytes()) {
                    Ok(r) => r.info,
                    Err(_) => continue,
                },
                None => continue,
            },
        };
        resources.push(TokenInfo {
            last_used: used.get(&id).cloned(),
            ..info
        });
    }
    resources.sort_by(|a, b| (&a.created_at, &a.label).cmp(&(&b.created_at, &b.label)));
    Ok(Response::json(
        200,
        &TokenList {
            count: resources.len() as u64,
            resources,
        },
    ))
}

/// `DELETE /v2/admin/tokens/{id}`: the token stops working at once here.
pub async fn revoke<S: Store>(ctx: &Ctx<'_, S>, id: &str) -> Result<Response, ApiError> {
    if !shared::apitoken::is_id(id) || ctx.store.get(&key(id)).await?.is_none() {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("there is no managed token with id \"{id}\"; GET /v2/admin/tokens lists them"),
        )
        .with_target("id"));
    }
    ctx.store.delete(&key(id)).await?;
    let _ = ctx.store.delete(&used_key(id)).await;
    SEEN.with(|m| m.borrow_mut().retain(|digest, _| !digest.starts_with(id)));
    Ok(Response::json(
        202,
        &IdMessageResponse {
            id: id.to_owned(),
            message: MSG_REVOKED.into(),
            warnings: Vec::new(),
        },
    ))
}
