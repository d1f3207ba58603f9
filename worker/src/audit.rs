//! The audit trail: every create, modify, delete, puller read, login check,
//! failed authentication and forbidden attempt. KV key
//! `audit:<inverted epoch ms>:<request id>` lists newest first; the event is
//! also the key's metadata, so a page of events is one `list` call.

use shared::api::{ApiError, AuditEvent, AuditList, ErrorBody, Paging};
use shared::time::Timestamp;
use shared::{Action, SecretName};

use crate::http::Response;
use crate::store::{Store, KV_PAGE};

pub const PREFIX: &str = "audit:";
const MAX_MS: i64 = 9_999_999_999_999;

/// What the router knows about a request, for the record.
#[derive(Default)]
pub struct Attempt {
    pub action: Option<Action>,
    pub actor: Option<String>,
    pub presented_token: bool,
    pub secret: Option<String>,
}

fn action_word(action: Action) -> Option<&'static str> {
    Some(match action {
        Action::Create => "create",
        Action::Modify => "modify",
        Action::Delete => "delete",
        Action::Pull => "pull",
        Action::CheckLogin => "check",
        _ => return None,
    })
}

/// The event for this attempt, if it is one that is recorded.
pub fn event(
    attempt: &Attempt,
    resp: &Response,
    now: &str,
    request_id: &str,
) -> Option<AuditEvent> {
    let word = match (resp.status, attempt.action) {
        (401, _) => "authenticate",
        (403, _) => "authorize",
        (_, Some(a)) => action_word(a)?,
        _ => return None,
    };
    let outcome = if resp.status < 400 {
        "success".to_string()
    } else {
        serde_json::from_slice::<ErrorBody>(&resp.body)
            .map(|b| b.error.code.to_string())
            .unwrap_or_else(|_| "error".into())
    };
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
        time: now.to_owned(),
        actor,
        action: word.to_owned(),
        secret,
        outcome,
        status: resp.status,
        request_id: request_id.to_owned(),
    })
}

fn key(now: &str, request_id: &str) -> String {
    let secs = Timestamp::parse(now).map(|t| t.unix_seconds()).unwrap_or(0);
    let millis = now
        .split('.')
        .nth(1)
        .and_then(|f| f.get(..3))
        .and_then(|m| m.parse::<i64>().ok())
        .unwrap_or(0);
    format!(
        "{PREFIX}{:013}:{request_id}",
        MAX_MS - (secs * 1000 + millis)
    )
}

/// Writes the event; a failure to record never fails the request itself.
pub async fn record<S: Store>(store: &S, e: &AuditEvent) {
    if let Ok(value) = serde_json::to_value(e) {
        let _ = store
            .put(&key(&e.time, &e.request_id), &value.to_string(), &value)
            .await;
    }
}

/// `GET /v2/admin/auditEvents?$top&$skip&$count&secret=`: newest first.
pub async fn list<S: Store>(store: &S, query: &[(String, String)]) -> Result<Response, ApiError> {
    let paging = Paging::from_query(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let secret = query
        .iter()
        .find(|(k, _)| k == "secret")
        .map(|(_, v)| v.as_str());
    let top = paging.top.unwrap_or(100);
    let mut out = Vec::new();
    let mut seen = 0u64;
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .list(PREFIX, cursor.as_deref(), KV_PAGE)
            .await
            .map_err(crate::secrets::storage_error)?;
        for k in page.keys {
            let Some(e) = k.read_metadata::<AuditEvent>() else {
                continue;
            };
            if secret.is_some() && e.secret.as_deref() != secret {
                continue;
            }
            seen += 1;
            if seen > paging.skip && (out.len() as u64) < top {
                out.push(e);
            }
        }
        match page.cursor {
            Some(c) if paging.count_total || (out.len() as u64) < top => cursor = Some(c),
            _ => break,
        }
    }
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
