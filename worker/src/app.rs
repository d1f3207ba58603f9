//! Routing: which handler answers which method and path, after the checks
//! every route shares (method, token, role, body size, content type). The
//! checks are separate steps so the fetch handler can run them all before a
//! write reaches the Durable Object (see `edge/fetch.rs`).

use shared::api::{
    ApiError, ErrorCode, HealthResponse, Paging, SessionResponse, SignIn, MAX_BODY_BYTES,
    MAX_RESTORE_BODY_BYTES,
};
use shared::requests::parse_create_named;
use shared::{Action, Role, SecretName};

use crate::audit::{self, Attempt};
use crate::backup;
use crate::config::Config;
use crate::ctx::Ctx;
use crate::guards;
use crate::history;
use crate::http::{finish, pairs, Method, Request, Response};
use crate::keys;
use crate::login;
use crate::managed;
use crate::record;
use crate::resolve;
use crate::secrets;
use crate::store::Store;
use crate::tokens::{bearer, Principal};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
const OPENAPI: &str = include_str!("../openapi.json");

#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Health,
    OpenApi,
    Session,
    Secrets,
    Secret(String),
    Pull(String),
    /// A puller's credentials found by registry, not by secret name.
    RegistryCredentials,
    /// Every registry a puller may read, with usernames, no passwords.
    PullableRegistries,
    Check(String),
    DryRunCheck,
    Audit,
    Quota,
    Tokens,
    Token(String),
    Keys,
    Rewrap,
    Versions(String),
    /// Secret name, version.
    RestoreVersion(String, String),
    Undelete(String),
    Purge(String),
    Backup,
    Restore,
}

fn route(path: &str) -> Option<Route> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    let rest = trimmed.strip_prefix("/v2/")?;
    let parts: Vec<&str> = rest.split('/').collect();
    Some(match parts.as_slice() {
        ["health"] => Route::Health,
        ["openapi.json"] => Route::OpenApi,
        ["session"] => Route::Session,
        ["admin", "dockerRegistrySecrets"] => Route::Secrets,
        ["admin", "dockerRegistrySecrets", name] => Route::Secret((*name).to_owned()),
        ["admin", "dockerRegistrySecrets", name, "dockerconfigjson"] => {
            Route::Pull((*name).to_owned())
        }
        ["admin", "dockerRegistrySecrets", name, "check"] => Route::Check((*name).to_owned()),
        ["admin", "dockerRegistrySecrets", name, "versions"] => Route::Versions((*name).to_owned()),
        ["admin", "dockerRegistrySecrets", name, "versions", v, "restore"] => {
            Route::RestoreVersion((*name).to_owned(), (*v).to_owned())
        }
        ["admin", "dockerRegistrySecrets", name, "undelete"] => Route::Undelete((*name).to_owned()),
        ["admin", "dockerRegistrySecrets", name, "purge"] => Route::Purge((*name).to_owned()),
        ["admin", "backup"] => Route::Backup,
        ["admin", "restore"] => Route::Restore,
        ["admin", "registryLoginChecks"] => Route::DryRunCheck,
        ["admin", "registryCredentials"] => Route::RegistryCredentials,
        ["admin", "pullableRegistries"] => Route::PullableRegistries,
        ["admin", "auditEvents"] => Route::Audit,
        ["admin", "resourceQuota", "dockerRegistrySecrets"] => Route::Quota,
        ["admin", "tokens"] => Route::Tokens,
        ["admin", "tokens", id] => Route::Token((*id).to_owned()),
        ["admin", "encryptionKeys"] => Route::Keys,
        ["admin", "encryptionKeys", "rewrap"] => Route::Rewrap,
        _ => return None,
    })
}

/// The action a method means on a route, or the methods the route takes
/// (the `Allow` of its 405). HEAD is GET without the body wherever GET is
/// served: the same checks, handler and audit record. Every other method
/// (OPTIONS too: CORS is same origin only, so no preflight is granted) is a
/// 405, before any token is read.
fn action(route: &Route, method: Method) -> Result<Option<Action>, &'static str> {
    use Method::*;
    let method = if method == Head { Get } else { method };
    match (route, method) {
        (Route::Health | Route::OpenApi, Get) => Ok(None),
        (Route::Health | Route::OpenApi, _) => Err("GET, HEAD"),
        (Route::Session, Get) => Ok(Some(Action::Session)),
        (Route::Session, _) => Err("GET, HEAD"),
        (Route::Secrets, Get) => Ok(Some(Action::List)),
        (Route::Secrets, Post) => Ok(Some(Action::Create)),
        (Route::Secrets, _) => Err("GET, HEAD, POST"),
        (Route::Secret(_), Get) => Ok(Some(Action::Read)),
        (Route::Secret(_), Patch) => Ok(Some(Action::Modify)),
        (Route::Secret(_), Delete) => Ok(Some(Action::Delete)),
        (Route::Secret(_), _) => Err("GET, HEAD, PATCH, DELETE"),
        (Route::Pull(_) | Route::RegistryCredentials | Route::PullableRegistries, Get) => {
            Ok(Some(Action::Pull))
        }
        (Route::Check(_) | Route::DryRunCheck, Post) => Ok(Some(Action::CheckLogin)),
        (Route::Check(_) | Route::DryRunCheck, _) => Err("POST"),
        (Route::Audit, Get) => Ok(Some(Action::ReadAudit)),
        (Route::Audit, _) => Err("GET, HEAD"),
        (Route::Quota, Get) => Ok(Some(Action::ReadQuota)),
        (Route::Tokens, Get) => Ok(Some(Action::ListTokens)),
        (Route::Tokens, Post) => Ok(Some(Action::CreateToken)),
        (Route::Tokens, _) => Err("GET, HEAD, POST"),
        (Route::Token(_), Delete) => Ok(Some(Action::RevokeToken)),
        (Route::Token(_), _) => Err("DELETE"),
        (Route::Keys, Get) => Ok(Some(Action::ReadKeys)),
        (Route::Keys, _) => Err("GET, HEAD"),
        (Route::Rewrap, Post) => Ok(Some(Action::Rewrap)),
        (Route::Versions(_), Get) => Ok(Some(Action::ReadHistory)),
        (Route::Backup, Get) => Ok(Some(Action::Backup)),
        (Route::Versions(_) | Route::Backup, _) => Err("GET, HEAD"),
        (Route::RestoreVersion(..), Post) => Ok(Some(Action::RestoreVersion)),
        (Route::Undelete(_), Post) => Ok(Some(Action::Undelete)),
        (Route::Purge(_), Post) => Ok(Some(Action::Purge)),
        (Route::Restore, Post) => Ok(Some(Action::Restore)),
        (
            Route::Rewrap
            | Route::RestoreVersion(..)
            | Route::Undelete(_)
            | Route::Purge(_)
            | Route::Restore,
            _,
        ) => Err("POST"),
        (
            Route::Pull(_) | Route::RegistryCredentials | Route::PullableRegistries | Route::Quota,
            _,
        ) => Err("GET, HEAD"),
    }
}

/// What the front door decided about a request from its head alone.
pub enum Gate {
    /// Answered without a token (health, OpenAPI) or refused.
    Answer(Response),
    /// Route, method, token and role are right; the body is still unread.
    Admitted(Admitted),
}

/// A request whose route, method, token and role passed.
pub struct Admitted {
    route: Route,
    action: Action,
    principal: Principal,
    /// A list of deleted secrets (`?deleted=true`), which only the Durable
    /// Object holds.
    deleted: bool,
}

impl Admitted {
    /// What the Durable Object serves: every write (it orders them), pulls
    /// (it is the only place that is never stale), and what only its storage
    /// holds (versions, deleted secrets, key counts over both, backups).
    pub fn for_writer(&self) -> bool {
        use Action::*;
        matches!(
            self.action,
            Create
                | Modify
                | Delete
                | Pull
                | Rewrap
                | ReadKeys
                | ReadHistory
                | RestoreVersion
                | Undelete
                | Purge
                | Backup
                | Restore
        ) || self.deleted
    }

    /// The largest body the route takes.
    pub fn body_cap(&self) -> usize {
        if self.action == Action::Restore {
            MAX_RESTORE_BODY_BYTES
        } else {
            MAX_BODY_BYTES
        }
    }

    /// Whether the route reads the request body (create, modify, checks).
    fn reads_body(&self) -> bool {
        matches!(
            self.action,
            Action::Create | Action::Modify | Action::CreateToken | Action::Restore
        ) || self.route == Route::DryRunCheck
    }
}

/// Every check, then the handler, then the audit record: the whole request
/// in one call (the Durable Object, native tests).
pub async fn handle<S: Store>(req: &Request, ctx: &Ctx<'_, S>) -> Response {
    let mut attempt = Attempt::of(req);
    let resp = match admit(req, ctx, &mut attempt).await {
        Gate::Answer(r) => r,
        Gate::Admitted(a) => match check_body(&a, req) {
            Err(e) => e.into(),
            Ok(()) => serve(&a, req, ctx, &mut attempt).await,
        },
    };
    conclude(resp, &attempt, req, ctx).await
}

/// Records the attempt if it is one the audit trail keeps, and adds the
/// headers every answer carries.
pub async fn conclude<S: Store>(
    resp: Response,
    attempt: &Attempt,
    req: &Request,
    ctx: &Ctx<'_, S>,
) -> Response {
    let ttl = ctx
        .config
        .as_ref()
        .map_or(crate::config::DEFAULT_AUDIT_DAYS, |c| c.audit_days);
    audit::record(ctx.store, attempt, &resp, &ctx.now, &req.request_id, ttl).await;
    finish(resp, &req.request_id)
}

/// The checks the request head decides: route, method, token (failures
/// counted per address) and role. Reads no body and touches no secret.
pub async fn admit<S: Store>(req: &Request, ctx: &Ctx<'_, S>, attempt: &mut Attempt) -> Gate {
    match admit_inner(req, ctx, attempt).await {
        Ok(g) => g,
        Err(r) => Gate::Answer(r),
    }
}

async fn admit_inner<S: Store>(
    req: &Request,
    ctx: &Ctx<'_, S>,
    attempt: &mut Attempt,
) -> Result<Gate, Response> {
    let route = route(&req.path).ok_or_else(|| {
        Response::error(
            ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "there is no API route {}; the API lives under /v2 (see /v2/openapi.json)",
                    req.path
                ),
            )
            .with_target(req.path.clone()),
        )
    })?;
    let action = action(&route, req.method).map_err(|allowed| {
        let mut r = Response::error(
            ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("{} does not take this method; use {allowed}", req.path),
            )
            .with_target(req.path.clone()),
        );
        r.headers.push(("allow".into(), allowed.into()));
        r
    })?;
    let Some(action) = action else {
        return Ok(Gate::Answer(match route {
            Route::OpenApi => Response::bytes(200, "application/json", OPENAPI.as_bytes().to_vec()),
            _ => Response::json(
                200,
                &HealthResponse {
                    status: "ok".into(),
                    version: VERSION.into(),
                },
            ),
        }));
    };
    attempt.action = Some(action);
    if let Route::Secret(n)
    | Route::Pull(n)
    | Route::Check(n)
    | Route::Versions(n)
    | Route::RestoreVersion(n, _)
    | Route::Undelete(n)
    | Route::Purge(n) = &route
    {
        attempt.secret = Some(n.clone());
    }
    if let Route::Token(id) = &route {
        attempt.token = Some(id.clone());
    }
    let config = ctx.config().map_err(Response::error)?;
    let principal = match authenticate(req, ctx, config)
        .await
        .map_err(Response::error)?
    {
        Authn::Found(p) => p,
        // Asking who one is without any credential guesses nothing, and the
        // console asks on every load (behind Access it is signed in by it).
        Authn::Missing if route == Route::Session => {
            attempt.unrecorded = true;
            return Err(unauthorized());
        }
        Authn::Missing | Authn::Refused => {
            return Err(if (ctx.throttle)(&attempt.address).await {
                unauthorized()
            } else {
                too_many_failures()
            })
        }
        Authn::NoRole(email) => {
            let e = ApiError::new(
                ErrorCode::Forbidden,
                format!("the Cloudflare Access identity {email} has no role here; an operator grants one in REGCRED_ACCESS_ROLES"),
            );
            attempt.actor = Some(email);
            return Err(Response::error(e));
        }
    };
    attempt.actor = Some(principal.label.clone());
    authorize(&principal, action).map_err(Response::error)?;
    // The list's own rule; a bad value stays at the edge for its 400.
    let deleted = route == Route::Secrets
        && action == Action::List
        && Paging::from_query(pairs(&req.query)).is_ok_and(|p| p.deleted);
    Ok(Gate::Admitted(Admitted {
        route,
        action,
        principal,
        deleted,
    }))
}

/// What the credentials of a request proved.
enum Authn {
    Found(Principal),
    /// Neither a token nor an Access identity was presented.
    Missing,
    /// A token or Access JWT was presented and is not valid.
    Refused,
    /// A valid Access identity that `REGCRED_ACCESS_ROLES` does not name.
    NoRole(String),
}

/// A bearer token (from `REGCRED_TOKENS`, then the managed ones) if one is
/// sent; otherwise a Cloudflare Access JWT, when Access is configured.
async fn authenticate<S: Store>(
    req: &Request,
    ctx: &Ctx<'_, S>,
    config: &Config,
) -> Result<Authn, ApiError> {
    if let Some(header) = req.header("authorization") {
        let Some(token) = bearer(header) else {
            return Ok(Authn::Refused);
        };
        if let Some(p) = config.tokens.authenticate(token) {
            return Ok(Authn::Found(p));
        }
        return Ok(match managed::authenticate(ctx, token).await? {
            Some(p) => Authn::Found(p),
            None => Authn::Refused,
        });
    }
    let (Some(jwt), Some(access)) = (req.header("cf-access-jwt-assertion"), &config.access) else {
        return Ok(Authn::Missing);
    };
    // Why a JWT was refused is logged where it is checked, not told.
    let Ok(identity) = (ctx.access)(jwt.to_owned()).await else {
        return Ok(Authn::Refused);
    };
    Ok(match access.roles.grant(&identity.email) {
        Some((role, scope)) => Authn::Found(Principal {
            label: identity.email,
            role,
            scope,
            via: SignIn::Access,
        }),
        None => Authn::NoRole(identity.email),
    })
}

/// The body's size (every method: no oversized request is served) and, for
/// routes that read it, its content type.
pub fn check_body(admitted: &Admitted, req: &Request) -> Result<(), ApiError> {
    let cap = admitted.body_cap();
    if req.body_oversize || req.body.len() > cap {
        let why = if cap == MAX_BODY_BYTES {
            "a .dockerconfigjson may be at most 64 KiB"
        } else {
            "send the backup in smaller chunks"
        };
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the request body is larger than {cap} bytes; {why}"),
        )
        .with_target("body"));
    }
    if admitted.reads_body() {
        check_content_type(req)?;
    }
    Ok(())
}

/// Runs the handler of an admitted request whose body passed `check_body`.
pub async fn serve<S: Store>(
    admitted: &Admitted,
    req: &Request,
    ctx: &Ctx<'_, S>,
    attempt: &mut Attempt,
) -> Response {
    match dispatch(admitted, req, ctx, attempt).await {
        Ok(r) => r,
        Err(e) => Response::error(e),
    }
}

async fn dispatch<S: Store>(
    admitted: &Admitted,
    req: &Request,
    ctx: &Ctx<'_, S>,
    attempt: &mut Attempt,
) -> Result<Response, ApiError> {
    let action = admitted.action;
    let who = &admitted.principal;
    let scope = who.scope.as_ref();
    match &admitted.route {
        Route::Session => Ok(Response::json(
            200,
            &SessionResponse {
                label: who.label.clone(),
                role: who.role,
                scope: who.scope.clone(),
                via: who.via,
            },
        )),
        Route::Secrets if action == Action::List => secrets::list(ctx, &req.query, scope).await,
        Route::Secrets => {
            let (asked, valid) = parse_create_named(&req.body);
            // The audit record names the secret a create was for, even a refused one.
            attempt.secret = asked;
            let valid = valid?;
            if !who.sees(valid.name.as_str()) {
                return Err(outside_scope(who, &valid.name));
            }
            secrets::create(ctx, valid, &preconditions(req), &who.label).await
        }
        Route::Quota => secrets::quota(ctx, &req.query, scope).await,
        Route::DryRunCheck => login::check_given(ctx, &req.body).await,
        Route::Audit => audit::list(ctx.store, &req.query, scope).await,
        // The audit record names the secret the registry resolved to.
        Route::PullableRegistries => resolve::every_registry(ctx, scope).await,
        Route::RegistryCredentials => {
            resolve::by_registry(ctx, &req.query, scope, &mut attempt.secret).await
        }
        Route::Tokens if action == Action::ListTokens => managed::list(ctx).await,
        Route::Tokens => {
            let (resp, id) = managed::create(ctx, &req.body, who).await?;
            attempt.token = Some(id);
            Ok(resp)
        }
        Route::Token(id) => managed::revoke(ctx, id).await,
        Route::Keys => keys::list(ctx).await,
        Route::Rewrap => keys::rewrap(ctx, &req.query).await,
        // Only admins reach these, and an admin is never scoped (tokens and
        // Access roles refuse it where they are parsed).
        Route::Backup => backup::export(ctx, &req.query).await,
        Route::Restore => backup::restore(ctx, &req.body).await,
        Route::Versions(raw)
        | Route::RestoreVersion(raw, _)
        | Route::Undelete(raw)
        | Route::Purge(raw) => {
            let name = path_name(raw)?;
            if !who.sees(name.as_str()) {
                return Err(record::not_found(&name));
            }
            match &admitted.route {
                Route::Versions(_) => history::versions(ctx, &name).await,
                Route::RestoreVersion(_, v) => {
                    history::restore_version(ctx, &name, v, &preconditions(req), &who.label).await
                }
                Route::Undelete(_) => history::undelete(ctx, &name).await,
                _ => history::purge(ctx, &name).await,
            }
        }
        Route::Secret(raw) | Route::Pull(raw) | Route::Check(raw) => {
            let name = path_name(raw)?;
            // Outside the scope, a secret does not exist.
            if !who.sees(name.as_str()) {
                return Err(record::not_found(&name));
            }
            match action {
                Action::CheckLogin => login::check_stored(ctx, &name).await,
                Action::Read => secrets::get(ctx, &name).await,
                Action::Modify => {
                    secrets::modify(ctx, &name, &req.body, &preconditions(req), &who.label).await
                }
                Action::Delete => secrets::delete(ctx, &name, &preconditions(req)).await,
                _ => secrets::pull(ctx, &name).await,
            }
        }
        // Answered by `admit` without an action.
        Route::Health | Route::OpenApi => Err(ApiError::new(
            ErrorCode::InternalError,
            "route table mismatch",
        )),
    }
}

/// Seconds a client past its failure budget waits: the limiter's window.
pub const RETRY_AFTER_SECS: u32 = 60;

fn too_many_failures() -> Response {
    let mut r = Response::error(ApiError::new(
        ErrorCode::TooManyFailedAttempts,
        format!("too many requests with a missing or unknown token came from this address; wait {RETRY_AFTER_SECS} s and send a valid token"),
    ));
    r.headers
        .push(("retry-after".into(), RETRY_AFTER_SECS.to_string()));
    r
}

fn unauthorized() -> Response {
    let mut r = Response::error(ApiError::new(
        ErrorCode::Unauthorized,
        "a valid API token is required: send Authorization: Bearer <token>",
    ));
    r.headers
        .push(("www-authenticate".into(), "Bearer realm=\"regcred\"".into()));
    r
}

fn outside_scope(p: &Principal, name: &SecretName) -> ApiError {
    ApiError::new(
        ErrorCode::Forbidden,
        format!(
            "\"{}\" may only create secrets matching its scope ({}); \"{name}\" is outside it",
            p.label,
            p.scope
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        ),
    )
    .with_target("name")
}

fn authorize(p: &Principal, action: Action) -> Result<(), ApiError> {
    if p.role.allows(action) {
        return Ok(());
    }
    let needed: Vec<&str> = Role::allowed_for(action)
        .iter()
        .map(|r| r.as_str())
        .collect();
    Err(ApiError::new(
        ErrorCode::Forbidden,
        format!(
            "\"{}\" has the role {}; this needs the role {}",
            p.label,
            p.role,
            needed.join(" or ")
        ),
    ))
}

fn check_content_type(req: &Request) -> Result<(), ApiError> {
    let ct = req.header("content-type").unwrap_or_default();
    let media = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let json = media == "application/json"
        || (media.starts_with("application/") && media.ends_with("+json"));
    if !json {
        let shown = if media.is_empty() {
            "none".to_string()
        } else {
            media
        };
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("the body must be JSON: send Content-Type: application/json (got {shown})"),
        )
        .with_target("Content-Type"));
    }
    Ok(())
}

fn preconditions(req: &Request) -> guards::Preconditions {
    guards::Preconditions {
        if_match: req.header("if-match").map(str::to_owned),
        if_none_match: req.header("if-none-match").map(str::to_owned),
    }
}

fn path_name(raw: &str) -> Result<SecretName, ApiError> {
    SecretName::parse(raw).map_err(|e| {
        ApiError::new(ErrorCode::InvalidSecretName, e.to_string()).with_target("dockerRegistryName")
    })
}
