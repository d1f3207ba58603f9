//! Routing: which handler answers which method and path, after the checks
//! every route shares (method, token, role, body size, content type). The
//! checks are separate steps so the fetch handler can run them all before a
//! write reaches the Durable Object (see `edge/fetch.rs`).

use shared::api::{
    ApiError, ErrorCode, HealthResponse, Paging, SessionResponse, SignIn, MAX_BODY_BYTES,
};
use shared::requests::parse_create_named;
use shared::{Action, Role, SecretName};

use crate::audit::{self, Attempt};
use crate::backup;
use crate::brokered::Caller;
use crate::config::Config;
use crate::ctx::Ctx;
use crate::http::{finish, pairs, Request, Response};
use crate::keys;
use crate::login;
use crate::managed;
use crate::ops::{self, Body, Found, Op, Operation, Params, Serves};
use crate::preconditions::Preconditions;
use crate::record;
use crate::resolve;
use crate::secrets;
use crate::store::Store;
use crate::tokens::{bearer, Principal};
use crate::versions;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
const OPENAPI: &str = include_str!("../openapi.json");

/// What the front door decided about a request from its head alone.
pub enum Gate<'a> {
    /// Answered without a token (health, OpenAPI) or refused.
    Answer(Response),
    /// Route, method, token and role are right; the body is still unread.
    Admitted(Admitted<'a>),
}

/// A request whose route, method, token and role passed, and what that
/// proved: the settings are readable (handlers take them as `&Config`, never
/// checking again).
pub struct Admitted<'a> {
    config: &'a Config,
    operation: &'static Operation,
    params: Params,
    principal: Principal,
    /// A list of deleted secrets (`?deleted=true`), which only the Durable
    /// Object holds.
    deleted: bool,
}

impl Admitted<'_> {
    /// Where the request is served: the table says, and the list of
    /// deleted secrets is the directory's.
    pub fn serves(&self) -> Serves {
        if self.deleted {
            return Serves::Directory;
        }
        self.operation.serves
    }

    /// The secret whose object serves the request: the path names it, or
    /// a create's body. `None` when it names no valid one (the handler,
    /// run at the edge, then refuses the request without writing).
    pub fn secret(&self, body: &[u8]) -> Option<SecretName> {
        match self.operation.op {
            Op::Create => parse_create_named(body, self.config.allow_http_loopback)
                .1
                .ok()
                .map(|v| v.name),
            _ => SecretName::parse(self.params.name.as_deref()?).ok(),
        }
    }

    pub fn op(&self) -> Op {
        self.operation.op
    }

    /// The settings `admit` proved readable.
    pub fn config(&self) -> &Config {
        self.config
    }

    /// The largest body the route takes.
    pub fn body_cap(&self) -> usize {
        self.operation.body.cap()
    }

    /// Whether the route reads the request body as JSON.
    fn reads_body(&self) -> bool {
        matches!(self.operation.body, Body::Json(_))
    }
}

/// The secret a request names: its path, or a create's body (as sent,
/// unchecked); `None` for routes that name none.
pub fn secret_named(req: &Request) -> Option<String> {
    match ops::find(req.method, &req.path) {
        // The name as sent; whether the rest is valid does not matter here.
        Found::Operation(o, _) if o.op == Op::Create => parse_create_named(&req.body, false).0,
        Found::Operation(_, params) => params.name,
        _ => None,
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
    audit::record(ctx.store, attempt, &resp, ctx.now, &req.request_id, ttl).await;
    finish(resp, &req.request_id)
}

/// The checks the request head decides: route, method, token (failures
/// counted per address) and role. Reads no body and touches no secret.
pub async fn admit<'a, S: Store>(
    req: &Request,
    ctx: &Ctx<'a, S>,
    attempt: &mut Attempt,
) -> Gate<'a> {
    match admit_inner(req, ctx, attempt).await {
        Ok(g) => g,
        Err(r) => Gate::Answer(r),
    }
}

async fn admit_inner<'a, S: Store>(
    req: &Request,
    ctx: &Ctx<'a, S>,
    attempt: &mut Attempt,
) -> Result<Gate<'a>, Response> {
    let (operation, params) = match ops::find(req.method, &req.path) {
        Found::Operation(o, p) => (o, p),
        Found::NoRoute => {
            return Err(Response::error(
                ApiError::new(
                    ErrorCode::NotFound,
                    format!(
                        "there is no API route {}; the API lives under /v2 (see /v2/openapi.json)",
                        req.path
                    ),
                )
                .with_target(req.path.clone()),
            ))
        }
        Found::NotAllowed(allowed) => {
            let mut r = Response::error(
                ApiError::new(
                    ErrorCode::MethodNotAllowed,
                    format!("{} does not take this method; use {allowed}", req.path),
                )
                .with_target(req.path.clone()),
            );
            r.headers.push(("allow".into(), allowed));
            return Err(r);
        }
    };
    let Some(action) = operation.action else {
        return Ok(Gate::Answer(match operation.op {
            Op::OpenApi => Response::bytes(200, "application/json", OPENAPI.as_bytes().to_vec()),
            _ => Response::json(
                200,
                &HealthResponse {
                    status: "ok".into(),
                    version: VERSION.into(),
                    // A bad setting is reported by the routes that need it;
                    // health stays up and just does not claim Access.
                    access: ctx.config().is_ok_and(|c| c.access.is_some()),
                },
            ),
        }));
    };
    attempt.action = Some(action);
    attempt.secret = params.name.clone();
    attempt.token = params.id.clone();
    let config = ctx.config().map_err(Response::error)?;
    let principal = match authenticate(req, ctx, config)
        .await
        .map_err(Response::error)?
    {
        Authn::Found(p) => p,
        // Asking who one is without any credential guesses nothing, and the
        // console asks on every load (behind Access it is signed in by it).
        Authn::Missing if operation.op == Op::Session => {
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
        // A valid workload token no rule matches: not counted as a failed
        // sign-in, and the rules are not named.
        Authn::NoRule => {
            return Err(Response::error(ApiError::new(
                ErrorCode::Forbidden,
                "this workload identity token is valid, but no trust rule matches its claims; an admin adds one (POST /v2/admin/workloadIdentities)",
            )))
        }
    };
    attempt.subject = principal.subject.clone();
    attempt.actor = Some(principal.label.clone());
    authorize(&principal, action).map_err(Response::error)?;
    // The list's own rule; a bad value stays at the edge for its 400.
    let deleted =
        operation.op == Op::List && Paging::from_query(pairs(&req.query)).is_ok_and(|p| p.deleted);
    Ok(Gate::Admitted(Admitted {
        config,
        operation,
        params,
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
    /// A valid workload token that no trust rule matches.
    NoRule,
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
        // A JWT of an issuer a trust rule names: a workload's own identity.
        if token.split('.').count() == 3 && shared::workload::issuer_of(token).is_some() {
            return Ok(match crate::identities::authenticate(ctx, token).await? {
                crate::identities::Verdict::Found(p) => Authn::Found(p),
                crate::identities::Verdict::NoRule => Authn::NoRule,
                crate::identities::Verdict::Refused => Authn::Refused,
            });
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
            subject: None,
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
    admitted: &Admitted<'_>,
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
    admitted: &Admitted<'_>,
    req: &Request,
    ctx: &Ctx<'_, S>,
    attempt: &mut Attempt,
) -> Result<Response, ApiError> {
    let who = &admitted.principal;
    let cfg = admitted.config;
    let scope = who.scope.as_ref();
    let op = admitted.operation.op;
    match op {
        Op::Session => Ok(Response::json(
            200,
            &SessionResponse {
                label: who.label.clone(),
                role: who.role,
                scope: who.scope.clone(),
                via: who.via,
                subject: who.subject.clone(),
            },
        )),
        Op::List => secrets::list(ctx, cfg, &req.query, scope).await,
        Op::Create => {
            let (asked, valid) = parse_create_named(&req.body, cfg.allow_http_loopback);
            // The audit record names the secret a create was for, even a refused one.
            attempt.secret = asked;
            let valid = valid?;
            if !who.sees(valid.name.as_str()) {
                return Err(outside_scope(who, &valid.name));
            }
            secrets::create(ctx, cfg, valid, &preconditions(req), &who.label).await
        }
        Op::Quota => secrets::quota(ctx, cfg, &req.query, scope).await,
        Op::HealthCounts => secrets::health_counts(ctx, scope).await,
        Op::CreateWebhook => crate::webhooks::create(ctx, cfg, &req.body).await,
        Op::CreateIdentity => crate::identities::create(ctx, cfg, &req.body).await,
        Op::ListIdentities => crate::identities::list(ctx).await,
        Op::RemoveIdentity => {
            crate::identities::remove(ctx, admitted.params.id.as_deref().unwrap_or_default()).await
        }
        Op::ListWebhooks => crate::webhooks::list(ctx).await,
        Op::RemoveWebhook => {
            crate::webhooks::remove(ctx, admitted.params.id.as_deref().unwrap_or_default()).await
        }
        Op::Deliveries => {
            crate::webhooks::deliveries(ctx, admitted.params.id.as_deref().unwrap_or_default())
                .await
        }
        Op::TestWebhook => {
            let raw = admitted.params.id.as_deref().unwrap_or_default();
            let id = crate::webhooks::existing(ctx.store, raw).await?;
            let data = shared::webhook::EventData {
                name: String::new(),
                registries: Vec::new(),
                status: "ok".into(),
                message: "a test event sent from regcred".into(),
                failing_since: None,
                expires_at: None,
            };
            crate::outbox::queue(ctx, shared::webhook::EventType::Test, &data, Some(&id)).await;
            Ok(Response::json(
                202,
                &shared::api::IdMessageResponse {
                    id,
                    message: "A webhook.test event is on its way".into(),
                    warnings: Vec::new(),
                },
            ))
        }
        Op::DryRunCheck => login::check_given(ctx, cfg, &req.body).await,
        Op::Audit => audit::list(ctx.store, &req.query, scope).await,
        // The audit record names the secret the registry resolved to.
        Op::PullableRegistries => resolve::every_registry(ctx, cfg, scope).await,
        Op::RegistryCredentials => {
            let caller = Caller {
                actor: &who.label,
                request_id: &req.request_id,
            };
            resolve::by_registry(ctx, cfg, &req.query, scope, &mut attempt.secret, caller).await
        }
        Op::ListTokens => managed::list(ctx).await,
        Op::CreateToken => {
            let (resp, id) = managed::create(ctx, &req.body, who).await?;
            attempt.token = Some(id);
            Ok(resp)
        }
        Op::RevokeToken => {
            managed::revoke(ctx, admitted.params.id.as_deref().unwrap_or_default()).await
        }
        Op::Keys => keys::list(ctx, cfg).await,
        Op::Rewrap => keys::rewrap(ctx, cfg, &req.query).await,
        // Only admins reach these, and an admin is never scoped (tokens and
        // Access roles refuse it where they are parsed).
        Op::Backup => backup::export(ctx, &req.query).await,
        Op::Restore => backup::restore(ctx, cfg, &req.body).await,
        Op::Get
        | Op::Modify
        | Op::Delete
        | Op::Pull
        | Op::Check
        | Op::Checks
        | Op::Versions
        | Op::RestoreVersion
        | Op::Undelete
        | Op::Purge => {
            let name = path_name(admitted.params.name.as_deref().unwrap_or_default())?;
            // Outside the scope, a secret does not exist.
            if !who.sees(name.as_str()) {
                return Err(record::not_found(&name));
            }
            let pre = preconditions(req);
            match op {
                Op::Get => secrets::get(ctx, cfg, &name).await,
                Op::Modify => secrets::modify(ctx, cfg, &name, &req.body, &pre, &who.label).await,
                Op::Delete => secrets::delete(ctx, cfg, &name, &pre).await,
                Op::Pull => {
                    let caller = Caller {
                        actor: &who.label,
                        request_id: &req.request_id,
                    };
                    secrets::pull(ctx, cfg, &name, caller).await
                }
                Op::Check => {
                    let caller = Caller {
                        actor: &who.label,
                        request_id: &req.request_id,
                    };
                    crate::watch::check_route(ctx, cfg, &name, caller).await
                }
                Op::Checks => crate::watch::checks(ctx, &name).await,
                Op::Versions => versions::versions(ctx, cfg, &name).await,
                Op::RestoreVersion => {
                    let v = admitted.params.version.as_deref().unwrap_or_default();
                    versions::restore_version(ctx, cfg, &name, v, &pre, &who.label).await
                }
                Op::Undelete => versions::undelete(ctx, cfg, &name).await,
                _ => versions::purge(ctx, &name).await,
            }
        }
        // Answered by `admit`, which needs no token for them.
        Op::Health | Op::OpenApi => Err(ApiError::new(
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

fn preconditions(req: &Request) -> Preconditions {
    Preconditions {
        if_match: req.header("if-match").map(str::to_owned),
        if_none_match: req.header("if-none-match").map(str::to_owned),
    }
}

fn path_name(raw: &str) -> Result<SecretName, ApiError> {
    SecretName::parse(raw).map_err(|e| {
        ApiError::new(ErrorCode::InvalidSecretName, e.to_string()).with_target("dockerRegistryName")
    })
}
