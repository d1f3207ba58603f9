//! Workload identity: trust rules (admin-managed, in KV as
//! `identity:<created ms>-<id>`, so a list is creation order) and the
//! check of a workload's bearer JWT against them. Its header and claims
//! are `shared::workload`'s; its signature is the edge's (`ctx.workload`:
//! WebCrypto over the issuer's keys, found and cached there). A rule
//! removed stops matching within a second (the isolate keeps the rules
//! that long).

use std::cell::RefCell;

use serde_json::Value;
use shared::api::{ApiError, ErrorCode, IdMessageResponse};
use shared::apitoken::hex;
use shared::workload::{
    check_for, first_match, issuer_of, parse_rule, TrustRule, WorkloadIdentity,
    WorkloadIdentityList,
};

use crate::config::Config;
use crate::ctx::{Ctx, WorkloadAsk};
use crate::http::Response;
use crate::store::Store;
use crate::tokens::Principal;

pub const PREFIX: &str = "identity:";
/// Rules a deployment may have.
pub const MAX_RULES: u64 = 100;
/// How long an isolate trusts the rules it read.
const RULES_TTL_MS: i64 = 1_000;

/// The rules with their ids, and when this isolate read them (epoch ms).
type Cached = Option<(i64, Vec<(String, TrustRule)>)>;

thread_local! {
    static RULES: RefCell<Cached> = const { RefCell::new(None) };
}

/// What a workload's token is worth.
pub enum Verdict {
    /// Not a token of an issuer any rule names, or refused: as an unknown token.
    Refused,
    /// Valid, but no rule matches its claims: a 403 naming no rule.
    NoRule,
    /// The caller (its `subject` the token's `sub`).
    Found(Principal),
}

/// Every rule, in creation order, with its id.
pub async fn rules<S: Store>(store: &S, now_ms: i64) -> Result<Vec<(String, TrustRule)>, ApiError> {
    let cached = RULES.with(|r| {
        r.borrow()
            .as_ref()
            .filter(|(at, _)| now_ms - at < RULES_TTL_MS)
            .map(|(_, rules)| rules.clone())
    });
    if let Some(rules) = cached {
        return Ok(rules);
    }
    let mut out = Vec::new();
    let mut pages = store.pages(PREFIX);
    while let Some(keys) = pages.next().await? {
        for k in keys {
            if let Some(rule) = k.read_metadata::<TrustRule>() {
                let id = k.name[PREFIX.len()..]
                    .rsplit('-')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                out.push((id, rule));
            }
        }
    }
    RULES.with(|r| *r.borrow_mut() = Some((now_ms, out.clone())));
    Ok(out)
}

fn forget() {
    RULES.with(|r| *r.borrow_mut() = None);
}

/// Checks a bearer JWT against the rules of its issuer.
pub async fn authenticate<S: Store>(ctx: &Ctx<'_, S>, jwt: &str) -> Result<Verdict, ApiError> {
    let Some(issuer) = issuer_of(jwt) else {
        return Ok(Verdict::Refused);
    };
    let all = rules(ctx.store, ctx.now.epoch_ms()).await?;
    let of_issuer: Vec<TrustRule> = all
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| r.issuer == issuer)
        .collect();
    // Nothing is fetched for an issuer no rule names.
    if of_issuer.is_empty() {
        return Ok(Verdict::Refused);
    }
    let now = ctx.now.timestamp().unix_seconds();
    // The header and standard claims, for each audience the rules name;
    // the first that holds is the token to verify.
    let token = of_issuer.iter().find_map(|r| check_for(jwt, r, now).ok());
    let Some(token) = token else {
        return Ok(Verdict::Refused);
    };
    let ask = WorkloadAsk {
        issuer: issuer.clone(),
        jwks_uri: of_issuer.iter().find_map(|r| r.jwks_uri.clone()),
        kid: token.kid.clone(),
        alg: token.alg.clone(),
        signing_input: token.signing_input.clone(),
        signature: token.signature.clone(),
        allow_loopback: ctx.config().is_ok_and(|c| c.allow_http_loopback),
    };
    if (ctx.workload)(ask).await.is_err() {
        return Ok(Verdict::Refused);
    }
    let Some(rule) = first_match(&of_issuer, &token, &issuer) else {
        return Ok(Verdict::NoRule);
    };
    let subject = token
        .claims
        .get("sub")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(Verdict::Found(Principal {
        label: rule.label.clone(),
        role: rule.role,
        scope: rule.scope.clone(),
        via: shared::api::SignIn::WorkloadIdentity,
        subject,
    }))
}

fn not_found(raw: &str) -> ApiError {
    let shown: String = raw.chars().take(40).collect();
    ApiError::new(
        ErrorCode::NotFound,
        format!(
            "there is no workload identity {shown:?}; GET /v2/admin/workloadIdentities lists them"
        ),
    )
    .with_target("id")
}

/// `POST /v2/admin/workloadIdentities`.
pub async fn create<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    body: &[u8],
) -> Result<Response, ApiError> {
    let rule = parse_rule(body, cfg.allow_http_loopback)?;
    if ctx.store.count(PREFIX, MAX_RULES).await? >= MAX_RULES {
        return Err(ApiError::new(
            ErrorCode::QuotaExceeded,
            format!("there are already {MAX_RULES} workload identities; remove one first"),
        ));
    }
    let mut random = [0u8; 8];
    if !(ctx.random)(&mut random) {
        return Err(ApiError::new(
            ErrorCode::InternalError,
            "no secure random bytes were available; try again",
        ));
    }
    let id = hex(&random);
    let key = format!("{PREFIX}{:013}-{id}", ctx.now.epoch_ms());
    let meta = serde_json::to_value(&rule).unwrap_or(Value::Null);
    ctx.store.put(&key, "", &meta).await?;
    forget();
    Ok(Response::json(201, &WorkloadIdentity { id, rule }))
}

/// `GET /v2/admin/workloadIdentities`.
pub async fn list<S: Store>(ctx: &Ctx<'_, S>) -> Result<Response, ApiError> {
    forget();
    let resources: Vec<WorkloadIdentity> = rules(ctx.store, ctx.now.epoch_ms())
        .await?
        .into_iter()
        .map(|(id, rule)| WorkloadIdentity { id, rule })
        .collect();
    Ok(Response::json(
        200,
        &WorkloadIdentityList {
            count: resources.len() as u64,
            resources,
        },
    ))
}

/// `DELETE /v2/admin/workloadIdentities/{id}`: tokens it matched are
/// refused within a second.
pub async fn remove<S: Store>(ctx: &Ctx<'_, S>, raw: &str) -> Result<Response, ApiError> {
    if !shared::apitoken::is_id(raw) {
        return Err(not_found(raw));
    }
    let suffix = format!("-{raw}");
    let mut found = None;
    let mut pages = ctx.store.pages(PREFIX);
    while let Some(keys) = pages.next().await? {
        if let Some(k) = keys.iter().find(|k| k.name.ends_with(&suffix)) {
            found = Some(k.name.clone());
            break;
        }
    }
    let Some(key) = found else {
        return Err(not_found(raw));
    };
    ctx.store.delete(&key).await?;
    forget();
    Ok(Response::json(
        202,
        &IdMessageResponse {
            id: raw.to_owned(),
            message: "Workload identity has been removed".into(),
            warnings: Vec::new(),
        },
    ))
}
