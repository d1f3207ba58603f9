//! Routing: which handler answers which method and path.

use shared::api::{ApiError, ErrorCode, HealthResponse};

use crate::http::{finish, Method, Request, Response};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn handle(req: &Request) -> Response {
    let resp = route(req);
    finish(resp, &req.request_id)
}

fn route(req: &Request) -> Response {
    let segments: Vec<&str> = req.path.trim_end_matches('/').split('/').collect();
    match (req.method, segments.as_slice()) {
        (Method::Get, ["", "v2", "health"]) => Response::json(
            200,
            &HealthResponse {
                status: "ok".into(),
                version: VERSION.into(),
            },
        ),
        (_, ["", "v2", "health"]) => method_not_allowed(req, "GET"),
        _ => Response::error(
            ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "there is no API route {}; the API lives under /v2 (see /v2/health)",
                    req.path
                ),
            )
            .with_target(req.path.clone()),
        ),
    }
}

fn method_not_allowed(req: &Request, allowed: &str) -> Response {
    let mut resp = Response::error(
        ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!("{} does not take this method; use {allowed}", req.path),
        )
        .with_target(req.path.clone()),
    );
    resp.headers.push(("allow".into(), allowed.into()));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::ErrorBody;

    fn get(path: &str) -> Request {
        Request {
            method: Method::Get,
            path: path.into(),
            query: vec![],
            headers: vec![],
            body: vec![],
            request_id: "req-1".into(),
        }
    }

    #[test]
    fn health_answers_ok() {
        let resp = handle(&get("/v2/health"));
        assert_eq!(resp.status, 200);
        let body: HealthResponse = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(body.status, "ok");
        assert_eq!(resp.header("cache-control"), Some("no-store"));
        assert_eq!(resp.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(resp.header("x-request-id"), Some("req-1"));
    }

    #[test]
    fn unknown_routes_get_a_json_404() {
        let resp = handle(&get("/v2/nope"));
        assert_eq!(resp.status, 404);
        let body: ErrorBody = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(body.error.code, ErrorCode::NotFound);
        assert_eq!(body.error.request_id.as_deref(), Some("req-1"));
        assert_eq!(body.error.target.as_deref(), Some("/v2/nope"));
    }

    #[test]
    fn wrong_method_is_405() {
        let mut req = get("/v2/health");
        req.method = Method::Post;
        let resp = handle(&req);
        assert_eq!(resp.status, 405);
        assert_eq!(resp.header("allow"), Some("GET"));
    }
}
