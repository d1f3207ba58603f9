//! The audit trail: every create, modify, delete, puller read, login check,
//! failed authentication and forbidden attempt. KV key
//! `audit:<inverted epoch ms>:<request id>` lists newest first; the event is
//! also the key's metadata, so a page of events is one `list` call. Failed
//! authentications are one record per client address per minute, with a
//! count, so a flood of bad tokens costs the store little. Records expire
//! after `REGCRED_AUDIT_DAYS`.

use std::cell::RefCell;
use std::collections::HashMap;

use shared::api::{ApiError, AuditEvent, AuditList, ErrorCode, Paging};
use shared::{Action, Scope, SecretName};

use crate::ctx::Now;
use crate::http::{pairs, param, Request, Response};
use crate::paging::{walk, Window};
use crate::store::Store;

pub const PREFIX: &str = "audit:";
const MAX_MS: i64 = 9_999_999_999_999;

/// What the router knows about a request, for the record.
#[derive(Default)]
pub struct Attempt {
    pub action: Option<Action>,
    pub actor: Option<String>,
    pub presented_token: bool,
    pub secret: Option<String>,
    /// The managed token a token create or revoke concerns.
    pub token: Option<String>,
    /// A workload identity's `sub`, beside the rule's label.
    pub subject: Option<String>,
    /// The client address (`CF-Connecting-IP`), or `unknown`.
    pub address: String,
    /// Not an attempt the trail keeps (the front door decided: asking who
    /// one is without any credential guesses nothing).
    pub unrecorded: bool,
}

impl Attempt {
    pub fn of(req: &Request) -> Attempt {
        Attempt {
            presented_token: req.header("authorization").is_some()
                || req.header("cf-access-jwt-assertion").is_some(),
            address: client_address(req.header("cf-connecting-ip")),
            ..Attempt::default()
        }
    }
}

/// The address as Cloudflare gives it (IPv4 or IPv6 text); anything else is
/// `unknown`, so a forged header cannot write arbitrary text into keys.
fn client_address(header: Option<&str>) -> String {
    match header.map(str::trim) {
        Some(a)
            if !a.is_empty()
                && a.len() <= 45
                && a.bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':') =>
        {
            a.to_ascii_lowercase()
        }
        _ => "unknown".into(),
    }
}

fn action_word(action: Action) -> Option<&'static str> {
    Some(match action {
        Action::Create => "create",
        Action::Modify => "modify",
        Action::Delete => "delete",
        Action::Pull => "pull",
        Action::CheckLogin => "check",
        Action::CreateToken => "token-create",
        Action::RevokeToken => "token-revoke",
        Action::Rewrap => "rewrap",
        Action::RestoreVersion => "restore-version",
        Action::Undelete => "undelete",
        Action::Purge => "purge",
        Action::Backup => "backup",
        Action::Restore => "restore",
        Action::ManageWebhooks => "webhook",
        Action::ManageIdentities => "identity",
        _ => return None,
    })
}

/// The event for this attempt, if it is one that is recorded.
pub fn event(attempt: &Attempt, resp: &Response, now: Now, request_id: &str) -> Option<AuditEvent> {
    // Failed authentications are aggregated per address (`record_failure`).
    let word = match (resp.status, attempt.action) {
        (403, _) => "authorize",
        (_, Some(a)) => action_word(a)?,
        _ => return None,
    };
    let outcome = outcome_of(resp);
    let actor = match (&attempt.actor, attempt.presented_token) {
        (Some(label), _) => label.clone(),
        (None, true) => "unknown-token".to_owned(),
        (None, false) => "anonymous".to_owned(),
    };
    // Only names that parse are recorded: the path is attacker-controlled.
    let secret = attempt
        .secret
        .as_deref()
        .and_then(|s| SecretName::parse(s).ok())
        .map(|s| s.to_string());
    Some(AuditEvent {
        time: now.to_string(),
        actor,
        action: word.to_owned(),
        secret,
        outcome,
        status: resp.status,
        request_id: request_id.to_owned(),
        address: None,
        count: None,
        // Ids are 16 hex digits; the path is attacker-controlled.
        token: attempt
            .token
            .clone()
            .filter(|t| t.len() <= 16 && t.bytes().all(|b| b.is_ascii_hexdigit())),
        provider: None,
        expires_at: None,
        kept: None,
        subject: attempt.subject.clone(),
    })
}

/// Whether the answer refused a missing or unknown token.
fn failed_authentication(resp: &Response) -> bool {
    matches!(
        resp.error_code(),
        Some(ErrorCode::Unauthorized | ErrorCode::TooManyFailedAttempts)
    )
}

/// `success`, the failure a 2xx reports, or the error code the answer carries.
fn outcome_of(resp: &Response) -> String {
    match resp.error_code() {
        Some(code) => code.to_string(),
        None if resp.status < 400 => resp.outcome.clone().unwrap_or_else(|| "success".into()),
        None => "error".into(),
    }
}

fn key(now: Now, request_id: &str) -> String {
    format!("{PREFIX}{:013}:{request_id}", MAX_MS - now.epoch_ms())
}

/// Records what the attempt was, if the trail keeps it; a failure to record
/// never fails the request itself.
pub async fn record<S: Store>(
    store: &S,
    attempt: &Attempt,
    resp: &Response,
    now: Now,
    request_id: &str,
    ttl_days: u32,
) {
    let ttl = u64::from(ttl_days) * 86_400;
    if attempt.unrecorded {
        return;
    }
    if failed_authentication(resp) {
        record_failure(store, attempt, resp, now, request_id, ttl).await;
        return;
    }
    if let Some(e) = event(attempt, resp, now, request_id) {
        put(store, &key(now, &e.request_id), &e, ttl).await;
    }
}

async fn put<S: Store>(store: &S, key: &str, e: &AuditEvent, ttl: u64) {
    if let Ok(value) = serde_json::to_value(e) {
        let _ = store
            .put_expiring(key, &value.to_string(), &value, ttl)
            .await;
    }
}

/// What one mint did, for its own record beside the request's.
pub struct MintRecord<'a> {
    pub secret: &'a SecretName,
    pub actor: &'a str,
    pub provider: shared::source::SourceType,
    /// `success`, or the cloud's error code.
    pub outcome: String,
    pub expires_at: Option<String>,
    pub kept: bool,
}

/// Records a mint (`action: mint`), never the credential. Its key is the
/// request's with `-mint`, so the pull that caused it keeps its own record.
pub async fn record_mint<S: Store>(
    store: &S,
    m: MintRecord<'_>,
    now: Now,
    request_id: &str,
    ttl_days: u32,
) {
    let e = AuditEvent {
        time: now.to_string(),
        actor: m.actor.to_owned(),
        action: "mint".into(),
        secret: Some(m.secret.to_string()),
        status: if m.outcome == "success" { 200 } else { 502 },
        outcome: m.outcome,
        request_id: request_id.to_owned(),
        address: None,
        count: None,
        token: None,
        provider: Some(m.provider),
        expires_at: m.expires_at,
        kept: Some(m.kept),
        subject: None,
    };
    let ttl = u64::from(ttl_days) * 86_400;
    put(store, &key(now, &format!("{request_id}-mint")), &e, ttl).await;
}

/// Failed sign-ins counted in this isolate, per record key.
struct Tally {
    minute: i64,
    count: u64,
    /// Whether any of the failures presented a token.
    tokens_seen: bool,
    /// What the store held for the key when this isolate first saw it.
    base: u64,
    flushed_ms: i64,
}

thread_local! {
    static TALLIES: RefCell<HashMap<String, Tally>> = RefCell::new(HashMap::new());
}

/// While an address is past its budget, its record is rewritten at most this often.
const FLUSH_EVERY_MS: i64 = 5_000;

/// One record per address and minute: `audit:<inverted minute>:auth-<address>`;
/// its actor is `unknown-token` once any of them presented a token.
/// Within the budget every failure rewrites it (at most the budget's writes
/// a minute); past it, once per `FLUSH_EVERY_MS`. Counts are kept per
/// isolate on top of what the store held, so two isolates writing the same
/// minute can undercount, never overcount.
async fn record_failure<S: Store>(
    store: &S,
    attempt: &Attempt,
    resp: &Response,
    now: Now,
    request_id: &str,
    ttl: u64,
) {
    let ms = now.epoch_ms();
    let minute = ms - ms.rem_euclid(60_000);
    let key = format!("{PREFIX}{:013}:auth-{}", MAX_MS - minute, attempt.address);
    let within_budget = resp.status == 401;
    let (fresh, due) = TALLIES.with(|t| {
        let mut t = t.borrow_mut();
        // Past minutes are never written again.
        t.retain(|_, tally| tally.minute >= minute);
        let tally = t.entry(key.clone()).or_insert(Tally {
            minute,
            count: 0,
            tokens_seen: false,
            base: 0,
            flushed_ms: i64::MIN,
        });
        tally.count += 1;
        tally.tokens_seen |= attempt.presented_token;
        let fresh = tally.flushed_ms == i64::MIN;
        (
            fresh,
            fresh || within_budget || ms - tally.flushed_ms >= FLUSH_EVERY_MS,
        )
    });
    if !due {
        return;
    }
    let base = if fresh {
        match store.get(&key).await {
            Ok(Some(stored)) => serde_json::from_slice::<AuditEvent>(stored.value.as_bytes())
                .ok()
                .and_then(|e| e.count)
                .unwrap_or(0),
            _ => 0,
        }
    } else {
        0
    };
    let Some((count, tokens_seen)) = TALLIES.with(|t| {
        let mut t = t.borrow_mut();
        let tally = t.get_mut(&key)?;
        if fresh {
            tally.base = base;
        }
        tally.flushed_ms = ms;
        Some((tally.base + tally.count, tally.tokens_seen))
    }) else {
        return;
    };
    // Stamped with its minute, as its key sorts, so the trail stays newest
    // first; written like the runtime's clock (millisecond precision).
    let e = AuditEvent {
        time: Now::from_epoch_ms(minute).to_string(),
        actor: if tokens_seen {
            "unknown-token".into()
        } else {
            "anonymous".into()
        },
        action: "authenticate".into(),
        secret: None,
        outcome: outcome_of(resp),
        status: resp.status,
        request_id: request_id.to_owned(),
        address: Some(attempt.address.clone()),
        count: Some(count),
        token: None,
        provider: None,
        expires_at: None,
        kept: None,
        subject: None,
    };
    put(store, &key, &e, ttl).await;
}

/// `GET /v2/admin/auditEvents?$top&$skip&$count&secret=`: newest first.
/// A scoped caller sees only events about secrets inside its scope.
pub async fn list<S: Store>(
    store: &S,
    query: &[(String, String)],
    scope: Option<&Scope>,
) -> Result<Response, ApiError> {
    let paging = Paging::from_query(pairs(query))?;
    let secret = param(query, "secret");
    let window = Window::of(&paging, 100);
    let (out, seen) = walk(store, PREFIX, window, true, |k| {
        k.read_metadata::<AuditEvent>()
            .filter(|e| secret.is_none() || e.secret.as_deref() == secret)
            .filter(|e| scope.is_none_or(|s| e.secret.as_deref().is_some_and(|n| s.allows(n))))
    })
    .await?;
    let count = if paging.count_total {
        seen
    } else {
        out.len() as u64
    };
    Ok(Response::json(
        200,
        &AuditList {
            count,
            resources: out,
        },
    ))
}
