//! A secret's health: each check (scheduled, or run by hand) logs in with
//! what the secret holds (a brokered secret mints first), and what it finds
//! becomes the secret's health, shown in list and get from the record's
//! metadata (`h`, same value, same version: a check is not an edit). The
//! last 20 results are kept in the secret's own object (`checks:`). A
//! change of state sends webhook events (`outbox.rs`), one per change.

use serde_json::Value;
use shared::api::{ApiError, CheckList, CheckRecord, LoginCheckResponse};
use shared::brokered::parse_content;
use shared::health::{after_check, Found, HealthStatus, Watch};
use shared::login::LoginResult;
use shared::requests::Content;
use shared::time::Timestamp;
use shared::webhook::EventType;
use shared::SecretName;

use crate::brokered::{self, Caller};
use crate::config::Config;
use crate::ctx::Ctx;
use crate::http::Response;
use crate::login::probe;
use crate::record::{self, open, SecretMeta};
use crate::store::Store;

/// The secret's last checks, newest first, in its own object
/// (`checks:<name>`).
pub const CHECKS_KEY: &str = "checks:";
/// How many results the history keeps.
pub const KEPT_CHECKS: usize = 20;

/// What one check did.
pub struct Checked {
    /// Each registry's login result (a refused mint: none).
    pub results: LoginCheckResponse,
    pub watch: Watch,
    /// The events the change of state sends.
    pub events: Vec<EventType>,
}

/// Checks `name` now and records what it found.
pub async fn check<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    caller: Caller<'_>,
) -> Result<Checked, ApiError> {
    let stored = record::load(ctx, name).await?;
    let meta = SecretMeta::of(&stored);
    let text = open(cfg, name, &stored)?;
    let content = parse_content(&text).map_err(shared::requests::config_error)?;
    let mut expires = meta
        .expires_at
        .as_deref()
        .and_then(|e| Timestamp::parse(e).ok());
    let (results, found) = match content {
        Content::Static(parsed) => {
            let results = probe(ctx, cfg, &parsed.config).await;
            let found = found_in(&results);
            (results, found)
        }
        Content::Brokered(source) => {
            match brokered::current(ctx, cfg, name, &stored, &source, caller).await {
                Ok(handed) => {
                    let results = probe(ctx, cfg, &handed.config).await;
                    let found = found_in(&results);
                    (results, found)
                }
                Err(e) => {
                    let found = Found {
                        status: HealthStatus::MintFailed,
                        message: e.message,
                    };
                    (
                        LoginCheckResponse {
                            results: Vec::new(),
                        },
                        found,
                    )
                }
            }
        }
    };
    // The mint may have rewritten the record's metadata: read it again.
    let stored = record::load(ctx, name).await?;
    let mut meta = SecretMeta::of(&stored);
    if let Some(until) = meta.source.as_ref().and_then(|s| s.minted_until.as_deref()) {
        // A brokered secret runs out with its credential, if sooner.
        let minted = Timestamp::parse(until).ok();
        expires = match (expires, minted) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let now = ctx.now.timestamp();
    let history_entry = CheckRecord {
        checked_at: now.to_string(),
        status: found.status,
        message: found.message.clone(),
    };
    let (watch, events) = after_check(meta.watch.as_ref(), found, expires, now, &cfg.warn_days);
    meta.watch = Some(watch.clone());
    let value = serde_json::to_value(&meta).unwrap_or(Value::Null);
    ctx.store
        .put(&record::key(name), &stored.value, &value)
        .await?;
    keep_in_history(ctx.store, name, history_entry).await?;
    Ok(Checked {
        results,
        watch,
        events,
    })
}

/// `POST /v2/admin/dockerRegistrySecrets/{name}/check`, in the secret's own
/// object: a brokered secret mints first, and what the check finds is the
/// secret's health, as a scheduled check's is (and sends its events).
pub async fn check_route<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    caller: Caller<'_>,
) -> Result<Response, ApiError> {
    let checked = check(ctx, cfg, name, caller).await?;
    crate::outbox::emit(ctx, name, &checked.events, &checked.watch.health).await;
    Ok(crate::login::answer(checked.results))
}

/// The first registry that did not say ok, or ok.
fn found_in(checked: &LoginCheckResponse) -> Found {
    match checked.results.iter().find(|r| r.result != LoginResult::Ok) {
        Some(r) => Found {
            status: HealthStatus::of_login(r.result.clone()),
            message: format!("{}: {}", r.registry, r.message),
        },
        None => Found {
            status: HealthStatus::Ok,
            message: "the credentials work".into(),
        },
    }
}

async fn keep_in_history<S: Store>(
    store: &S,
    name: &SecretName,
    entry: CheckRecord,
) -> Result<(), ApiError> {
    let mut kept = history(store, name).await;
    kept.insert(0, entry);
    kept.truncate(KEPT_CHECKS);
    let text = serde_json::to_string(&kept).unwrap_or_default();
    store.put(&checks_key(name), &text, &Value::Null).await?;
    Ok(())
}

fn checks_key(name: &SecretName) -> String {
    format!("{CHECKS_KEY}{name}")
}

async fn history<S: Store>(store: &S, name: &SecretName) -> Vec<CheckRecord> {
    match store.get(&checks_key(name)).await {
        Ok(Some(s)) => serde_json::from_slice(s.value.as_bytes()).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// `GET /v2/admin/dockerRegistrySecrets/{name}/checks`: the last checks,
/// newest first.
pub async fn checks<S: Store>(ctx: &Ctx<'_, S>, name: &SecretName) -> Result<Response, ApiError> {
    // A secret that does not exist has no history to show.
    record::load(ctx, name).await?;
    let resources = history(ctx.store, name).await;
    Ok(Response::json(
        200,
        &CheckList {
            count: resources.len() as u64,
            resources,
        },
    ))
}
