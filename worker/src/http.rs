//! Plain request and response values: the handlers never see workers-rs
//! types, so they run natively in tests.

use serde::Serialize;
use shared::api::{ApiError, ErrorBody, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
    Other,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    /// Percent-decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// Header names in lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than the API accepts and was not read.
    pub body_oversize: bool,
    pub request_id: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Response {
        match serde_json::to_vec(value) {
            Ok(body) => Response {
                status,
                headers: vec![("content-type".into(), "application/json".into())],
                body,
            },
            Err(_) => Response::error(ApiError::new(
                ErrorCode::InternalError,
                "the answer could not be serialized",
            )),
        }
    }

    /// The CONTRACT error body; the request id is added by [`finish`].
    pub fn error(error: ApiError) -> Response {
        let status = error.status();
        let body = ErrorBody { error };
        Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(&body).unwrap_or_default(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Headers every API answer carries, and the request id in error bodies.
pub fn finish(mut resp: Response, request_id: &str) -> Response {
    if resp.status >= 400 {
        if let Ok(mut body) = serde_json::from_slice::<ErrorBody>(&resp.body) {
            body.error.request_id = Some(request_id.to_owned());
            resp.body = serde_json::to_vec(&body).unwrap_or(resp.body);
        }
    }
    resp.headers.extend([
        ("x-request-id".into(), request_id.to_owned()),
        ("cache-control".into(), "no-store".into()),
        ("x-content-type-options".into(), "nosniff".into()),
    ]);
    resp
}
