//! Plain request and response values: the handlers never see workers-rs
//! types, so they run natively in tests.

use serde::Serialize;
use shared::api::{ApiError, ErrorBody, ErrorCode};

/// The methods the API serves. HEAD is GET without the body, wherever GET
/// is served; anything else (OPTIONS, PUT, QUERY, a lowercase `get`: method
/// names are case-sensitive) is `Other`, answered 405 with `Allow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Patch,
    Delete,
    Other,
}

impl Method {
    /// The method of a request line, exactly as sent. (workers-rs's own
    /// `Method` reads every name it does not know as GET.)
    pub fn parse(name: &str) -> Method {
        match name {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => Method::Other,
        }
    }

    /// The name on the wire (`Allow`, the OpenAPI document).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Other => "OTHER",
        }
    }
}

/// The request headers a route reads; the adapter copies only these into
/// [`Request::headers`]. A handler that reads a new header adds it here.
pub const READ_HEADERS: [&str; 7] = [
    "authorization",
    "cf-access-jwt-assertion",
    "cf-connecting-ip",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
];

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    /// Percent-decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// Header names in lowercase; from the runtime, only [`READ_HEADERS`].
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than the API accepts and was not read.
    pub body_oversize: bool,
    pub request_id: String,
}

/// The value of the first `name` in decoded query pairs.
pub fn param<'q>(query: &'q [(String, String)], name: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A refused query parameter, named.
pub fn bad_query(target: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidQueryParameter, message).with_target(target)
}

/// A batch or page size `name` from 1 to `max`; `default` when absent.
pub fn bounded(
    query: &[(String, String)],
    name: &str,
    default: u64,
    max: u64,
) -> Result<u64, ApiError> {
    match param(query, name) {
        None => Ok(default),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                bad_query(
                    name,
                    format!("{name} must be a whole number from 1 to {max} (got {v})"),
                )
            }),
    }
}

/// Decoded query pairs as the `(&str, &str)` that `shared`'s parsers take.
pub fn pairs(query: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    query.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

/// The path and the decoded query pairs of an absolute request URL, the way
/// `application/x-www-form-urlencoded` reads them ('+' is a space, `%XX` a
/// byte). Done here rather than with the `url` crate, whose IDNA tables
/// would double the worker's size for an answer the runtime already gives.
pub fn split_url(url: &str) -> (String, Vec<(String, String)>) {
    let url = url.split('#').next().unwrap_or_default();
    let (before, query) = url.split_once('?').unwrap_or((url, ""));
    let path = match before.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => before,
    };
    let pairs = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect();
    (path.to_owned(), pairs)
}

fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
    /// Empty for an error until [`finish`] writes it.
    pub body: Vec<u8>,
    /// The error this answers with, kept typed until [`finish`] serializes
    /// it once (with the request id); the audit trail reads its code.
    pub error: Option<ApiError>,
    /// What the audit trail records when a 2xx reports a failure of its own
    /// (a login check the registry refused): `None` is `success`.
    pub outcome: Option<String>,
}

impl Response {
    /// `body` as it is, with its content type.
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
            error: None,
            outcome: None,
        }
    }

    pub fn json<T: Serialize>(status: u16, value: &T) -> Response {
        // Sized for a 50-item list page: growing from serde_json's default
        // costs several reallocations on the hottest read.
        let mut body = Vec::with_capacity(8 * 1024);
        match serde_json::to_writer(&mut body, value) {
            Ok(()) => Response::bytes(status, "application/json", body),
            Err(_) => Response::error(unserializable()),
        }
    }

    /// The CONTRACT error body, written by [`finish`].
    pub fn error(error: ApiError) -> Response {
        Response {
            status: error.status(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: Vec::new(),
            error: Some(error),
            outcome: None,
        }
    }

    pub fn error_code(&self) -> Option<ErrorCode> {
        self.error.as_ref().map(|e| e.code)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl From<ApiError> for Response {
    fn from(e: ApiError) -> Response {
        Response::error(e)
    }
}

/// Headers every API answer carries; an error body is serialized here, once,
/// with the request id.
pub fn finish(mut resp: Response, request_id: &str) -> Response {
    if let Some(mut error) = resp.error.take() {
        error.request_id = Some(request_id.to_owned());
        resp.body = serde_json::to_vec(&ErrorBody { error }).unwrap_or_default();
    }
    resp.headers.extend([
        ("x-request-id".into(), request_id.to_owned()),
        ("cache-control".into(), "no-store".into()),
        ("x-content-type-options".into(), "nosniff".into()),
    ]);
    resp
}

/// An answer that could not be written (never expected: our types serialize).
pub fn unserializable() -> ApiError {
    ApiError::new(
        ErrorCode::InternalError,
        "the answer could not be serialized",
    )
}

#[cfg(test)]
mod tests {
    use super::{split_url, Method};

    #[test]
    fn methods_are_read_exactly() {
        let cases = [
            ("GET", Method::Get),
            ("HEAD", Method::Head),
            ("POST", Method::Post),
            ("PATCH", Method::Patch),
            ("DELETE", Method::Delete),
            ("QUERY", Method::Other),
            ("OPTIONS", Method::Other),
            ("PUT", Method::Other),
            ("get", Method::Other),
            ("patch", Method::Other),
            ("", Method::Other),
        ];
        for (name, method) in cases {
            assert_eq!(Method::parse(name), method, "{name}");
        }
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn splits_path_and_decodes_query_like_a_form() {
        let cases = [
            ("https://h/v2/health", "/v2/health", pairs(&[])),
            ("https://h", "/", pairs(&[])),
            ("https://h:8787?x=1", "/", pairs(&[("x", "1")])),
            (
                "http://127.0.0.1:8787/v2/admin/dockerRegistrySecrets?$top=5&$skip=10#frag",
                "/v2/admin/dockerRegistrySecrets",
                pairs(&[("$top", "5"), ("$skip", "10")]),
            ),
            (
                "https://h/a?%24top=a+b%2Bc&&flag&bad=%zz%4",
                "/a",
                pairs(&[("$top", "a b+c"), ("flag", ""), ("bad", "%zz%4")]),
            ),
            (
                "https://h/p?k=%E2%82%AC%FF",
                "/p",
                pairs(&[("k", "€\u{fffd}")]),
            ),
        ];
        for (url, path, query) in cases {
            assert_eq!(split_url(url), (path.to_string(), query), "{url}");
        }
    }
}
