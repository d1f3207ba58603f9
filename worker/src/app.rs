//! Routing: which handler answers which method and path, after the checks
//! every route shares (method, token, role, body size, content type).

use shared::api::{ApiError, ErrorCode, HealthResponse, SessionResponse, MAX_BODY_BYTES};
use shared::{Action, Role, SecretName};

use crate::audit::{self, Attempt};
use crate::config::Config;
use crate::http::{finish, Method, Request, Response};
use crate::login;
use crate::secrets;
use crate::store::Store;
use crate::tokens::Principal;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
const OPENAPI: &str = include_str!("../openapi.json");

/// Sends one outbound request (the registry login check); never panics,
/// reports failures as `ProbeResponse::Failed`.
pub type Fetch<'a> = &'a dyn Fn(
    shared::login::ProbeRequest,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = shared::login::ProbeResponse>>,
>;

/// What a request handler may use besides the request.
pub struct Ctx<'a, S> {
    pub store: &'a S,
    pub config: &'a Result<Config, String>,
    /// RFC 3339 time of this request.
    pub now: String,
    /// Fills the buffer with secure random bytes; false if it cannot.
    pub random: &'a dyn Fn(&mut [u8]) -> bool,
    pub fetch: Fetch<'a>,
}

impl<S> Ctx<'_, S> {
    pub fn config(&self) -> Result<&Config, ApiError> {
        self.config.as_ref().map_err(|e| {
            ApiError::new(
                ErrorCode::InternalError,
                format!("the worker is not configured: {e}"),
            )
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Route<'p> {
    Health,
    OpenApi,
    Session,
    Secrets,
    Secret(&'p str),
    Pull(&'p str),
    Check(&'p str),
    DryRunCheck,
    Audit,
    Quota,
}

fn route(path: &str) -> Option<Route<'_>> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    let rest = trimmed.strip_prefix("/v2/")?;
    let parts: Vec<&str> = rest.split('/').collect();
    Some(match parts.as_slice() {
        ["health"] => Route::Health,
        ["openapi.json"] => Route::OpenApi,
        ["session"] => Route::Session,
        ["admin", "dockerRegistrySecrets"] => Route::Secrets,
        ["admin", "dockerRegistrySecrets", name] => Route::Secret(name),
        ["admin", "dockerRegistrySecrets", name, "dockerconfigjson"] => Route::Pull(name),
        ["admin", "dockerRegistrySecrets", name, "check"] => Route::Check(name),
        ["admin", "registryLoginChecks"] => Route::DryRunCheck,
        ["admin", "auditEvents"] => Route::Audit,
        ["admin", "resourceQuota", "dockerRegistrySecrets"] => Route::Quota,
        _ => return None,
    })
}

/// The action a method means on a route, or the methods the route takes.
fn action(route: &Route, method: Method) -> Result<Option<Action>, &'static str> {
    use Method::*;
    match (route, method) {
        (Route::Health | Route::OpenApi, Get) => Ok(None),
        (Route::Health | Route::OpenApi, _) => Err("GET"),
        (Route::Session, Get) => Ok(Some(Action::Session)),
        (Route::Session, _) => Err("GET"),
        (Route::Secrets, Get) => Ok(Some(Action::List)),
        (Route::Secrets, Post) => Ok(Some(Action::Create)),
        (Route::Secrets, _) => Err("GET, POST"),
        (Route::Secret(_), Get) => Ok(Some(Action::Read)),
        (Route::Secret(_), Patch) => Ok(Some(Action::Modify)),
        (Route::Secret(_), Delete) => Ok(Some(Action::Delete)),
        (Route::Secret(_), _) => Err("GET, PATCH, DELETE"),
        (Route::Pull(_), Get) => Ok(Some(Action::Pull)),
        (Route::Check(_) | Route::DryRunCheck, Post) => Ok(Some(Action::CheckLogin)),
        (Route::Check(_) | Route::DryRunCheck, _) => Err("POST"),
        (Route::Audit, Get) => Ok(Some(Action::ReadAudit)),
        (Route::Audit, _) => Err("GET"),
        (Route::Quota, Get) => Ok(Some(Action::ReadQuota)),
        (Route::Pull(_) | Route::Quota, _) => Err("GET"),
    }
}

/// Whether a request writes a secret (create, modify, delete): the requests
/// the Durable Object orders.
pub fn writes_secret(method: Method, path: &str) -> bool {
    route(path).is_some_and(|r| {
        matches!(
            action(&r, method),
            Ok(Some(Action::Create | Action::Modify | Action::Delete))
        )
    })
}

pub async fn handle<S: Store>(req: &Request, ctx: &Ctx<'_, S>) -> Response {
    let mut attempt = Attempt {
        presented_token: req.header("authorization").is_some(),
        ..Attempt::default()
    };
    let resp = match dispatch(req, ctx, &mut attempt).await {
        Ok(r) => r,
        Err(e) => e,
    };
    if let Some(event) = audit::event(&attempt, &resp, &ctx.now, &req.request_id) {
        audit::record(ctx.store, &event).await;
    }
    finish(resp, &req.request_id)
}

fn fail(e: ApiError) -> Response {
    Response::error(e)
}

async fn dispatch<S: Store>(
    req: &Request,
    ctx: &Ctx<'_, S>,
    attempt: &mut Attempt,
) -> Result<Response, Response> {
    let route = route(&req.path).ok_or_else(|| {
        fail(
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
        let mut r = fail(
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
        return Ok(match route {
            Route::OpenApi => Response {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: OPENAPI.as_bytes().to_vec(),
            },
            _ => Response::json(
                200,
                &HealthResponse {
                    status: "ok".into(),
                    version: VERSION.into(),
                },
            ),
        });
    };
    attempt.action = Some(action);
    if let Route::Secret(n) | Route::Pull(n) | Route::Check(n) = route {
        attempt.secret = Some(n.to_owned());
    } else if action == Action::Create {
        // The audit record names the secret a create was for, even a refused one.
        attempt.secret = serde_json::from_slice::<serde_json::Value>(&req.body)
            .ok()
            .and_then(|v| v.get("name")?.as_str().map(str::to_owned));
    }
    let config = ctx.config().map_err(fail)?;
    let principal = config
        .tokens
        .authenticate(req.header("authorization"))
        .ok_or_else(unauthorized)?;
    attempt.actor = Some(principal.label.clone());
    authorize(&principal, action).map_err(fail)?;
    if matches!(action, Action::Create | Action::Modify) || route == Route::DryRunCheck {
        check_body(req).map_err(fail)?;
    }
    let result = match route {
        Route::Session => Ok(Response::json(
            200,
            &SessionResponse {
                label: principal.label.clone(),
                role: principal.role,
            },
        )),
        Route::Secrets if action == Action::List => secrets::list(ctx, &req.query).await,
        Route::Secrets => secrets::create(ctx, &req.body, &preconditions(req)).await,
        Route::Quota => secrets::quota(ctx).await,
        Route::DryRunCheck => login::check_given(ctx, &req.body).await,
        Route::Audit => audit::list(ctx.store, &req.query).await,
        Route::Check(raw) => match path_name(raw) {
            Ok(name) => login::check_stored(ctx, &name).await,
            Err(e) => Err(e),
        },
        Route::Secret(raw) | Route::Pull(raw) => {
            let name = path_name(raw).map_err(fail)?;
            match action {
                Action::Read => secrets::get(ctx, &name).await,
                Action::Modify => secrets::modify(ctx, &name, &req.body, &preconditions(req)).await,
                Action::Delete => secrets::delete(ctx, &name, &preconditions(req)).await,
                _ => secrets::pull(ctx, &name).await,
            }
        }
        Route::Health | Route::OpenApi => unreachable_route(),
    };
    result.map_err(fail)
}

/// Health and OpenAPI returned above; kept as an error, never a panic.
fn unreachable_route() -> Result<Response, ApiError> {
    Err(ApiError::new(
        ErrorCode::InternalError,
        "route table mismatch",
    ))
}

fn unauthorized() -> Response {
    let mut r = fail(ApiError::new(
        ErrorCode::Unauthorized,
        "a valid API token is required: send Authorization: Bearer <token>",
    ));
    r.headers
        .push(("www-authenticate".into(), "Bearer realm=\"regcred\"".into()));
    r
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
            "the token \"{}\" has the role {}; this needs the role {}",
            p.label,
            p.role,
            needed.join(" or ")
        ),
    ))
}

fn check_body(req: &Request) -> Result<(), ApiError> {
    if req.body_oversize || req.body.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the request body is larger than {MAX_BODY_BYTES} bytes; a .dockerconfigjson may be at most 64 KiB"),
        )
        .with_target("body"));
    }
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

fn preconditions(req: &Request) -> secrets::Preconditions {
    secrets::Preconditions {
        if_match: req.header("if-match").map(str::to_owned),
        if_none_match: req.header("if-none-match").map(str::to_owned),
    }
}

fn path_name(raw: &str) -> Result<SecretName, ApiError> {
    SecretName::parse(raw).map_err(|e| {
        ApiError::new(ErrorCode::InvalidSecretName, e.to_string()).with_target("dockerRegistryName")
    })
}
