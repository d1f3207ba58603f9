//! The Docker Registry HTTP API v2 login, as a state machine with no I/O:
//! it says which request to send next and reads each answer, so the worker
//! only executes fetches and the logic is tested natively.
//!
//! `GET <registry>/v2/` → 200: ok. 401 + `WWW-Authenticate: Basic`: retry
//! with the credentials. 401 + `Bearer realm=…,service=…`: ask the realm for
//! a token with the credentials, then retry `/v2/` with it.
//!
//! The rails (`address` has the address rules): every URL it asks for has
//! passed [`address::vet`] (no private, link-local, metadata or reserved
//! address; loopback and plain http only in local development); redirects
//! are answers, never followed; a Bearer realm gets the credentials only
//! when [`address::realm_allowed`] says so. A loopback registry written
//! without a scheme (as `docker login` writes `127.0.0.1:5000`) is tried
//! over https and then plain http, as Docker treats 127.0.0.0/8 as an
//! insecure registry. The caller bounds the rest: [`MAX_REGISTRIES_PER_CHECK`],
//! [`CHECK_BUDGET_MS`] (each request carries the deadline), and answers read
//! up to [`MAX_ANSWER_BYTES`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::address::{self, Scheme as UrlScheme, Target};
use crate::auth::{self, Credentials};
use crate::registry::Registry;

/// Registries one check logs in to; the others are `notChecked`.
pub const MAX_REGISTRIES_PER_CHECK: usize = 20;
/// All the requests of one check, together, get this long.
pub const CHECK_BUDGET_MS: i64 = 15_000;
/// One request gets at most this long.
pub const REQUEST_TIMEOUT_MS: i64 = 10_000;
/// The runtime reads at most this many bytes of an answer plus one, so a
/// body longer than this was cut.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// A request the caller must send through the outbound rails. Headers are
/// (name, value). A GET, or a POST of `body` (a mint's form or JSON).
#[derive(Clone, PartialEq, Eq)]
pub struct ProbeRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// `None`: a GET. `Some`: a POST of this body.
    pub body: Option<String>,
    /// Epoch milliseconds after which the request must not be sent, or
    /// must be given up (the check's overall budget); `None`: only the
    /// per-request timeout.
    pub deadline_ms: Option<i64>,
}

// Headers carry Basic credentials and bodies carry cloud secrets: only
// what is safe to log is shown.
impl fmt::Debug for ProbeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method = if self.body.is_some() { "POST" } else { "GET" };
        write!(f, "ProbeRequest({method} {})", self.url)
    }
}

impl ProbeRequest {
    /// The URL without any credentials, safe to show (it never holds any).
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Why no answer came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Connection refused or lost, and whatever else the runtime says.
    Other,
    /// The host name does not resolve (see `fetch_failure`).
    Dns,
    /// The TLS handshake failed: plain http on the port, or a certificate
    /// that is not trusted.
    Tls,
    /// No (whole) answer in time.
    Timeout,
    /// Not sent: the check's deadline had passed.
    OutOfTime,
}

/// A failed request: its kind and the runtime's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub detail: String,
}

impl Failure {
    pub fn new(kind: FailureKind, detail: impl Into<String>) -> Failure {
        Failure {
            kind,
            detail: detail.into(),
        }
    }
}

impl From<&str> for Failure {
    fn from(detail: &str) -> Failure {
        Failure::new(FailureKind::Other, detail)
    }
}

impl From<String> for Failure {
    fn from(detail: String) -> Failure {
        Failure::new(FailureKind::Other, detail)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

/// What came back, or why nothing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeResponse {
    Answer {
        status: u16,
        /// Lowercase header names.
        headers: Vec<(String, String)>,
        /// At most [`MAX_ANSWER_BYTES`] + 1 bytes of it.
        body: String,
    },
    /// DNS, connection, TLS or timeout, in the runtime's words.
    Failed(Failure),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum LoginResult {
    Ok,
    CredentialsRejected,
    Unreachable,
    NotARegistry,
    Unexpected,
    NotAllowed,
    /// The TLS handshake failed (plain http on an https port, or a
    /// certificate that is not trusted).
    TlsFailed,
    /// Not tried: past the registries or the time one check allows.
    NotChecked,
}

/// The verdict for one registry, in words a person can act on. Never holds
/// the credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginOutcome {
    pub registry: String,
    pub result: LoginResult,
    pub message: String,
}

impl fmt::Display for LoginOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.registry, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Send(ProbeRequest),
    Done(LoginOutcome),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Ping,
    Basic,
    Token,
    BearerPing,
}

#[derive(Debug, Clone)]
pub struct Probe {
    server: String,
    base: String,
    /// Where `base` points; `None` only when `start` refused it.
    target: Option<Target>,
    /// The token service asked, once a Bearer challenge named one.
    realm: Option<Target>,
    /// `http://host:port` of a loopback registry written without a scheme,
    /// tried when https fails.
    fallback: Option<String>,
    /// How https failed, once the probe fell back to http.
    https_failure: Option<Failure>,
    credentials: Credentials,
    allow_loopback: bool,
    phase: Phase,
}

/// The deadline of a check that started at `now_ms` (epoch milliseconds):
/// [`CHECK_BUDGET_MS`] later.
pub fn deadline_ms(now_ms: i64) -> i64 {
    now_ms.saturating_add(CHECK_BUDGET_MS)
}

fn basic(c: &Credentials) -> String {
    format!("Basic {}", auth::encode(&c.username, &c.password))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// `Bearer realm="https://auth/token",service="registry",scope="…"` → pairs.
pub fn parse_challenge(value: &str) -> Option<(String, Vec<(String, String)>)> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let mut params = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let (val, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        params.push((key.trim().to_ascii_lowercase(), val.to_owned()));
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    Some((scheme.to_ascii_lowercase(), params))
}

/// Percent-encodes a URL query value (RFC 3986 unreserved characters kept).
pub fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Probe {
    /// The first step: the registry's `/v2/` endpoint, or a refusal.
    /// `allow_http_loopback` is `REGCRED_ALLOW_HTTP_LOOPBACK`.
    pub fn start(
        registry: &Registry,
        credentials: Credentials,
        allow_http_loopback: bool,
    ) -> (Probe, Step) {
        let base = registry.api_base();
        let mut probe = Probe {
            server: registry.server_key(),
            base,
            target: None,
            realm: None,
            fallback: None,
            https_failure: None,
            credentials,
            allow_loopback: allow_http_loopback,
            phase: Phase::Ping,
        };
        let target = match address::parse_url(&probe.base) {
            Ok((t, _)) => t,
            Err(why) => {
                let step = probe.done(
                    LoginResult::NotAllowed,
                    format!("the registry address cannot be checked: {why}"),
                );
                return (probe, step);
            }
        };
        if let Err(why) = address::vet(&target, allow_http_loopback) {
            let step = probe.done(LoginResult::NotAllowed, why.message);
            return (probe, step);
        }
        let loopback = address::classify(&target.host).kind == address::Kind::Loopback;
        if let Registry::Private(p) = registry {
            if p.scheme().is_none() && loopback && allow_http_loopback {
                probe.fallback = probe
                    .base
                    .strip_prefix("https://")
                    .map(|authority| format!("http://{authority}"));
            }
        }
        probe.target = Some(target);
        let first = probe.ping(Vec::new());
        (probe, Step::Send(first))
    }

    fn ping(&self, headers: Vec<(String, String)>) -> ProbeRequest {
        ProbeRequest {
            url: format!("{}/v2/", self.base),
            headers,
            body: None,
            deadline_ms: None,
        }
    }

    fn outcome(&self, result: LoginResult, message: String) -> LoginOutcome {
        LoginOutcome {
            registry: self.server.clone(),
            result,
            message,
        }
    }

    /// The verdict; after a fall back to http, it says so.
    fn done(&self, result: LoginResult, message: impl Into<String>) -> Step {
        let mut message = message.into();
        if let Some(https) = &self.https_failure {
            let why = match https.kind {
                FailureKind::Tls => "its TLS handshake failed",
                FailureKind::Dns => "its host name did not resolve",
                FailureKind::Timeout => "it did not answer in time",
                _ => "it could not be reached",
            };
            message.push_str(&format!(
                " (over plain http: https was tried first and {why}; Docker treats a loopback registry as insecure the same way)"
            ));
        }
        Step::Done(self.outcome(result, message))
    }

    fn rejected(&self) -> Step {
        self.done(
            LoginResult::CredentialsRejected,
            format!(
                "the registry rejected the username \"{}\" and password: check the username and password in the secret (a deployment using it would fail to pull, as in DEP_E153)",
                self.credentials.username
            ),
        )
    }

    /// Who answered the last request, for messages.
    fn whom(&self) -> String {
        let (who, target) = match self.phase {
            Phase::Token => ("the registry's token service", self.realm.as_ref()),
            _ => ("the registry", self.target.as_ref()),
        };
        match target {
            Some(t) => format!("{who} ({})", t.origin()),
            None => who.to_owned(),
        }
    }

    /// Where the last request went: the token service or the registry.
    fn target_now(&self) -> Option<&Target> {
        match self.phase {
            Phase::Token => self.realm.as_ref(),
            _ => self.target.as_ref(),
        }
    }

    fn last_was_https(&self) -> bool {
        self.target_now()
            .is_some_and(|t| t.scheme == UrlScheme::Https)
    }

    /// Reads an answer and says what to do next.
    pub fn next(&mut self, response: ProbeResponse) -> Step {
        let (status, headers, body) = match response {
            ProbeResponse::Failed(why) => return self.failed(why),
            ProbeResponse::Answer {
                status,
                headers,
                body,
            } => (status, headers, body),
        };
        let is_registry = header(&headers, "docker-distribution-api-version").is_some();
        // Cloudflare's edge answers a subrequest whose TLS handshake failed
        // with 525 (handshake) or 526 (certificate).
        // ... and one whose host name does not resolve with 530, error 1016.
        if status == 530 && !is_registry && body.contains("1016") {
            let host = self
                .target_now()
                .map(|t| format!(" {}", t.host))
                .unwrap_or_default();
            return self.failed(Failure::new(
                FailureKind::Dns,
                format!("the host name{host} does not resolve (HTTP 530 from Cloudflare: error 1016, origin DNS error)"),
            ));
        }
        if matches!(status, 525 | 526) && !is_registry && self.last_was_https() {
            let why = if status == 525 {
                "HTTP 525 from Cloudflare: SSL handshake failed"
            } else {
                "HTTP 526 from Cloudflare: invalid SSL certificate"
            };
            return self.failed(Failure::new(FailureKind::Tls, why));
        }
        if (300..400).contains(&status) {
            return self.redirected(status, &headers);
        }
        match (&self.phase, status) {
            (Phase::Ping, 200) if is_registry => self.done(
                LoginResult::Ok,
                "the registry answers without a login; the credentials were not needed to reach it",
            ),
            (Phase::Basic | Phase::BearerPing, 200) => {
                self.done(LoginResult::Ok, "login succeeded: the credentials work")
            }
            (Phase::Ping, 401) => {
                let challenge = header(&headers, "www-authenticate").and_then(parse_challenge);
                match challenge {
                    Some((scheme, _)) if scheme == "basic" => {
                        self.phase = Phase::Basic;
                        Step::Send(self.ping(vec![("authorization".into(), basic(&self.credentials))]))
                    }
                    Some((scheme, params)) if scheme == "bearer" => self.token_request(&params),
                    _ => self.done(
                        LoginResult::NotARegistry,
                        "the server asks for a login but not the way a Docker registry does (no Basic or Bearer challenge)",
                    ),
                }
            }
            (Phase::Basic | Phase::BearerPing, 401 | 403) => self.rejected(),
            (Phase::Token, 401 | 403) => self.rejected(),
            (Phase::Token, 200) if body.len() > MAX_ANSWER_BYTES => self.done(
                LoginResult::Unexpected,
                format!(
                    "{} answered with more than {} KiB; a token answer is a few KiB, so it is not a Docker token service",
                    self.whom(),
                    MAX_ANSWER_BYTES / 1024
                ),
            ),
            (Phase::Token, 200) => {
                let token = serde_json::from_slice::<serde_json::Value>(body.as_bytes()).ok().and_then(|v| {
                    v.get("token")
                        .or_else(|| v.get("access_token"))
                        .and_then(|t| t.as_str())
                        .map(str::to_owned)
                });
                match token {
                    Some(t) => {
                        self.phase = Phase::BearerPing;
                        Step::Send(self.ping(vec![("authorization".into(), format!("Bearer {t}"))]))
                    }
                    None => self.done(
                        LoginResult::Unexpected,
                        "the registry's token service answered without a token",
                    ),
                }
            }
            (Phase::Ping, 200 | 404) if !is_registry => self.done(
                LoginResult::NotARegistry,
                format!("the server answered /v2/ with HTTP {status} and no Docker-Distribution-API-Version header: it is not a Docker registry (check the address)"),
            ),
            (_, s) => self.done(
                LoginResult::Unexpected,
                format!("the registry answered HTTP {s} where a login answer was expected"),
            ),
        }
    }

    /// No answer: fall back to http once for a loopback registry written
    /// without a scheme, else say why.
    fn failed(&mut self, why: Failure) -> Step {
        if why.kind == FailureKind::OutOfTime {
            let message = if self.phase == Phase::Ping && self.https_failure.is_none() {
                format!(
                    "not checked: the login check's {} s were used up before this registry's turn",
                    CHECK_BUDGET_MS / 1000
                )
            } else {
                format!(
                    "not finished: the login check's {} s ran out between two of this registry's requests",
                    CHECK_BUDGET_MS / 1000
                )
            };
            return self.done(LoginResult::NotChecked, message);
        }
        if self.phase == Phase::Ping {
            if let Some(http) = self.fallback.take() {
                self.https_failure = Some(why);
                self.base = http;
                self.target = address::parse_url(&self.base).ok().map(|(t, _)| t);
                return Step::Send(self.ping(Vec::new()));
            }
            if let Some(https) = self.https_failure.take() {
                let result = if https.kind == FailureKind::Tls {
                    LoginResult::TlsFailed
                } else {
                    LoginResult::Unreachable
                };
                let host = self
                    .target
                    .as_ref()
                    .map(|t| format!(" {}", t.host))
                    .unwrap_or_default();
                return self.done(
                    result,
                    format!(
                        "the registry{host} could be reached neither over https ({https}) nor over plain http ({why})"
                    ),
                );
            }
        }
        let whom = self.whom();
        match why.kind {
            FailureKind::Tls => {
                let hint = match self.target.as_ref().map(|t| address::classify(&t.host).kind) {
                    Some(address::Kind::Loopback) if self.phase != Phase::Token => {
                        "; a plain-http registry on loopback is written http://… or without a scheme (then https is tried first, then http)"
                    }
                    _ => "",
                };
                self.done(
                    LoginResult::TlsFailed,
                    format!(
                        "the TLS handshake with {whom} failed ({why}): the server may speak plain http rather than https, or its certificate is not trusted (self-signed, expired, or for another name); fix the certificate{hint}"
                    ),
                )
            }
            FailureKind::Timeout => self.done(
                LoginResult::Unreachable,
                format!("{whom} did not answer in time: {why}"),
            ),
            // Not a certificate problem: the address is wrong (or not yet in DNS).
            FailureKind::Dns => self.done(
                LoginResult::Unreachable,
                format!(
                    "{whom} could not be reached: {why}; check the address for a typo (a registry not yet in DNS answers once it is)"
                ),
            ),
            _ => self.done(
                LoginResult::Unreachable,
                format!("{whom} could not be reached: {why}"),
            ),
        }
    }

    /// A redirect is an answer: the check follows none (a registry's `/v2/`
    /// and its token service answer where they are asked), so credentials
    /// never travel further than the host they were meant for.
    fn redirected(&self, status: u16, headers: &[(String, String)]) -> Step {
        let to = match header(headers, "location") {
            Some(l) if l.starts_with('/') && !l.starts_with("//") => {
                " to another path on the same server".to_owned()
            }
            Some(l) => match address::parse_url(l) {
                Ok((t, _)) => format!(" to {}", t.origin()),
                Err(_) => String::new(),
            },
            None => String::new(),
        };
        self.done(
            LoginResult::Unexpected,
            format!(
                "{} answered HTTP {status}, a redirect{to}; the login check follows no redirects. If the registry has moved, check its new address",
                self.whom()
            ),
        )
    }

    fn token_request(&mut self, params: &[(String, String)]) -> Step {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let Some(realm) = get("realm") else {
            return self.done(
                LoginResult::Unexpected,
                "the registry's Bearer challenge names no token realm",
            );
        };
        let realm_target = match address::parse_url(realm) {
            Ok((t, _)) => t,
            Err(why) => {
                return self.done(
                    LoginResult::NotAllowed,
                    format!("the registry's token service gets no credentials: {why}"),
                )
            }
        };
        let Some(registry) = &self.target else {
            return self.done(LoginResult::Unexpected, "the registry's address was lost");
        };
        if let Err(why) = address::realm_allowed(registry, &realm_target, self.allow_loopback) {
            return self.done(LoginResult::NotAllowed, why.message);
        }
        let join = if realm.contains('?') { '&' } else { '?' };
        let mut url = format!(
            "{realm}{join}account={}",
            query_escape(&self.credentials.username)
        );
        if let Some(service) = get("service") {
            url.push_str(&format!("&service={}", query_escape(service)));
        }
        self.realm = Some(realm_target);
        self.phase = Phase::Token;
        Step::Send(ProbeRequest {
            url,
            headers: vec![("authorization".into(), basic(&self.credentials))],
            body: None,
            deadline_ms: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            username: "alice".into(),
            password: "pw".into(),
        }
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> ProbeResponse {
        ProbeResponse::Answer {
            status,
            headers: headers
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            body: body.into(),
        }
    }

    const API: (&str, &str) = ("docker-distribution-api-version", "registry/2.0");

    fn result(step: Step) -> LoginResult {
        match step {
            Step::Done(o) => o.result,
            Step::Send(r) => panic!("wanted an outcome, got a request to {}", r.url),
        }
    }

    #[test]
    fn basic_challenge_then_ok_or_rejected() {
        let reg = Registry::parse("https://r.example.com:5000").unwrap();
        for (status, want) in [
            (200, LoginResult::Ok),
            (401, LoginResult::CredentialsRejected),
        ] {
            let (mut p, first) = Probe::start(&reg, creds(), false);
            assert_eq!(
                first,
                Step::Send(ProbeRequest {
                    url: "https://r.example.com:5000/v2/".into(),
                    headers: vec![],
                    body: None,
                    deadline_ms: None
                })
            );
            let step = p.next(answer(
                401,
                &[API, ("www-authenticate", "Basic realm=\"x\"")],
                "",
            ));
            let Step::Send(retry) = step else { panic!() };
            assert_eq!(retry.headers[0].1, "Basic YWxpY2U6cHc=");
            assert_eq!(result(p.next(answer(status, &[API], ""))), want);
        }
    }

    #[test]
    fn bearer_challenge_asks_the_realm_for_a_token() {
        let (mut p, _) = Probe::start(&Registry::DockerHub, creds(), false);
        let step = p.next(answer(
            401,
            &[
                API,
                (
                    "www-authenticate",
                    r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io""#,
                ),
            ],
            "",
        ));
        let Step::Send(token_req) = step else {
            panic!()
        };
        assert_eq!(
            token_req.url,
            "https://auth.docker.io/token?account=alice&service=registry.docker.io"
        );
        let Step::Send(ping) = p.next(answer(200, &[], r#"{"token":"abc"}"#)) else {
            panic!()
        };
        assert_eq!(ping.url, "https://registry-1.docker.io/v2/");
        assert_eq!(ping.headers[0].1, "Bearer abc");
        assert_eq!(result(p.next(answer(200, &[API], "{}"))), LoginResult::Ok);

        let (mut p, _) = Probe::start(&Registry::DockerHub, creds(), false);
        p.next(answer(
            401,
            &[(
                "www-authenticate",
                r#"Bearer realm="https://auth.docker.io/t""#,
            )],
            "",
        ));
        let out = p.next(answer(401, &[], ""));
        match out {
            Step::Done(o) => {
                assert_eq!(o.result, LoginResult::CredentialsRejected);
                assert!(
                    o.message.contains("check the username and password")
                        && !o.message.contains("pw\"")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unreachable_and_not_a_registry() {
        let reg = Registry::parse("r.example.com").unwrap();
        let (mut p, _) = Probe::start(&reg, creds(), false);
        assert_eq!(
            result(p.next(ProbeResponse::Failed("connection refused".into()))),
            LoginResult::Unreachable
        );
        let (mut p, _) = Probe::start(&reg, creds(), false);
        assert_eq!(
            result(p.next(answer(404, &[], "<html>"))),
            LoginResult::NotARegistry
        );
        let (mut p, _) = Probe::start(&reg, creds(), false);
        assert_eq!(
            result(p.next(answer(500, &[API], ""))),
            LoginResult::Unexpected
        );
    }

    #[test]
    fn plain_http_only_on_loopback_when_allowed() {
        let local = Registry::parse("http://127.0.0.1:5000").unwrap();
        let remote = Registry::parse("http://r.example.com").unwrap();
        assert!(matches!(
            Probe::start(&local, creds(), true).1,
            Step::Send(_)
        ));
        assert_eq!(
            result(Probe::start(&local, creds(), false).1),
            LoginResult::NotAllowed
        );
        assert_eq!(
            result(Probe::start(&remote, creds(), true).1),
            LoginResult::NotAllowed
        );
    }

    #[test]
    fn challenges_parse() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://x/token",service="reg", scope="repository:a:pull""#,
        )
        .unwrap();
        assert_eq!(s, "bearer");
        assert_eq!(p[2], ("scope".into(), "repository:a:pull".into()));
        assert_eq!(parse_challenge("Basic realm=\"r\"").unwrap().0, "basic");
    }
    fn outcome_of(step: Step) -> LoginOutcome {
        match step {
            Step::Done(o) => o,
            Step::Send(r) => panic!("wanted an outcome, got a request to {}", r.url),
        }
    }

    fn sent(step: Step) -> ProbeRequest {
        match step {
            Step::Send(r) => r,
            Step::Done(o) => panic!("wanted a request, got {o:?}"),
        }
    }

    fn failed(kind: FailureKind, detail: &str) -> ProbeResponse {
        ProbeResponse::Failed(Failure::new(kind, detail))
    }

    #[test]
    fn refused_registries_get_no_request() {
        for (reg, allow, want) in [
            ("http://127.evil.example:5000", true, "begins with a number"),
            ("127.evil.example", true, "begins with a number"),
            ("10.0.0.5:5000", true, "private"),
            ("https://169.254.169.254", true, "metadata"),
            ("[fd00::1]:5000", true, "private"),
            ("http://localhost:5000", true, "127.0.0.1"),
            ("127.0.0.1:5000", false, "REGCRED_ALLOW_HTTP_LOOPBACK"),
            ("*.gcr.io", true, "wildcard"),
            ("registry.local", true, "local network"),
        ] {
            let registry = Registry::parse(reg).unwrap();
            let o = outcome_of(Probe::start(&registry, creds(), allow).1);
            assert_eq!(o.result, LoginResult::NotAllowed, "{reg}");
            assert!(o.message.contains(want), "{reg}: {}", o.message);
        }
    }

    #[test]
    fn redirects_are_not_followed() {
        let reg = Registry::parse("https://r.example.com").unwrap();
        let (mut p, _) = Probe::start(&reg, creds(), false);
        let o = outcome_of(p.next(answer(
            302,
            &[("location", "https://elsewhere.example.net/v2/?token=s3cr3t")],
            "",
        )));
        assert_eq!(o.result, LoginResult::Unexpected);
        assert!(o.message.contains("follows no redirects"), "{}", o.message);
        assert!(
            o.message.contains("https://elsewhere.example.net"),
            "{}",
            o.message
        );
        assert!(!o.message.contains("s3cr3t"), "{}", o.message);

        // Nor the token service's.
        let (mut p, _) = Probe::start(&Registry::DockerHub, creds(), false);
        let bearer = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io""#;
        sent(p.next(answer(401, &[API, ("www-authenticate", bearer)], "")));
        let o = outcome_of(p.next(answer(307, &[("location", "/elsewhere")], "")));
        assert_eq!(o.result, LoginResult::Unexpected);
        assert!(o.message.contains("token service"), "{}", o.message);
    }

    #[test]
    fn realms_get_credentials_only_on_the_registrys_site() {
        let cases = [
            (
                "https://r.example.com",
                r#"Bearer realm="https://tokens.example.net/t""#,
                "not on the registry's site",
            ),
            (
                "https://r.example.com",
                r#"Bearer realm="http://r.example.com/t""#,
                "plain http",
            ),
            (
                "https://r.example.com",
                r#"Bearer realm="https://10.0.0.1/t""#,
                "private",
            ),
            (
                "https://127.0.0.1:5000",
                r#"Bearer realm="https://127.0.0.2:5001/t""#,
                "not on the registry's site",
            ),
            (
                "https://127.0.0.1:5000",
                r#"Bearer realm="http://127.0.0.1:5001/t""#,
                "speaks https",
            ),
        ];
        for (reg, challenge, want) in cases {
            let (mut p, _) = Probe::start(&Registry::parse(reg).unwrap(), creds(), true);
            let o = outcome_of(p.next(answer(401, &[API, ("www-authenticate", challenge)], "")));
            assert_eq!(o.result, LoginResult::NotAllowed, "{challenge}");
            assert!(o.message.contains(want), "{challenge}: {}", o.message);
            assert!(!o.message.contains("pw"), "{}", o.message);
        }
        // The same site, any port; a query in the realm is kept.
        let (mut p, _) = Probe::start(
            &Registry::parse("http://127.0.0.1:5000").unwrap(),
            creds(),
            true,
        );
        let req = sent(p.next(answer(
            401,
            &[
                API,
                (
                    "www-authenticate",
                    r#"Bearer realm="http://127.0.0.1:5001/t?x=1",service="s""#,
                ),
            ],
            "",
        )));
        assert_eq!(
            req.url,
            "http://127.0.0.1:5001/t?x=1&account=alice&service=s"
        );
    }

    #[test]
    fn a_loopback_registry_without_a_scheme_falls_back_to_http() {
        let reg = Registry::parse("127.0.0.1:5000").unwrap();
        let (mut p, first) = Probe::start(&reg, creds(), true);
        assert_eq!(sent(first).url, "https://127.0.0.1:5000/v2/");
        let again = sent(p.next(failed(FailureKind::Tls, "internal error; reference = x")));
        assert_eq!(again.url, "http://127.0.0.1:5000/v2/");
        let basic = sent(p.next(answer(
            401,
            &[API, ("www-authenticate", "Basic realm=\"r\"")],
            "",
        )));
        assert_eq!(basic.url, "http://127.0.0.1:5000/v2/");
        let o = outcome_of(p.next(answer(200, &[API], "{}")));
        assert_eq!(o.result, LoginResult::Ok);
        assert!(o.message.contains("over plain http"), "{}", o.message);

        // Both fail: the TLS failure is the verdict, with both reasons.
        let (mut p, _) = Probe::start(&reg, creds(), true);
        sent(p.next(failed(FailureKind::Tls, "handshake")));
        let o = outcome_of(p.next(failed(FailureKind::Other, "Network connection lost.")));
        assert_eq!(o.result, LoginResult::TlsFailed);
        assert!(
            o.message.contains("handshake") && o.message.contains("connection lost"),
            "{}",
            o.message
        );

        // No fallback when the scheme is written, or the host is not loopback.
        for reg in ["https://127.0.0.1:5000", "r.example.com"] {
            let (mut p, _) = Probe::start(&Registry::parse(reg).unwrap(), creds(), true);
            let o = outcome_of(p.next(failed(FailureKind::Tls, "internal error; reference = x")));
            assert_eq!(o.result, LoginResult::TlsFailed, "{reg}");
            assert!(
                o.message.contains("plain http rather than https"),
                "{}",
                o.message
            );
            assert!(o.message.contains("certificate"), "{}", o.message);
        }
    }

    #[test]
    fn a_host_that_does_not_resolve_is_unreachable_not_a_certificate() {
        let reg = Registry::parse("regsitry.example.com").unwrap();
        let (mut p, _) = Probe::start(&reg, creds(), false);
        let o = outcome_of(p.next(failed(
            FailureKind::Dns,
            "the host name regsitry.example.com does not resolve",
        )));
        assert_eq!(o.result, LoginResult::Unreachable);
        assert!(o.message.contains("does not resolve"), "{}", o.message);
        assert!(!o.message.contains("certificate"), "{}", o.message);
        // Cloudflare's edge says so with an answer.
        let (mut p, _) = Probe::start(&reg, creds(), false);
        let o = outcome_of(p.next(answer(530, &[], "error code: 1016")));
        assert_eq!(o.result, LoginResult::Unreachable);
        assert!(
            o.message
                .contains("the host name regsitry.example.com does not resolve"),
            "{}",
            o.message
        );
    }

    #[test]
    fn cloudflares_tls_answers_are_tls_failures() {
        let reg = Registry::parse("r.example.com").unwrap();
        for status in [525, 526] {
            let (mut p, _) = Probe::start(&reg, creds(), false);
            let o = outcome_of(p.next(answer(status, &[], "<html>")));
            assert_eq!(o.result, LoginResult::TlsFailed, "{status}");
            assert!(o.message.contains(&status.to_string()), "{}", o.message);
        }
    }

    #[test]
    fn time_and_size_limits() {
        let reg = Registry::parse("r.example.com").unwrap();
        let (mut p, _) = Probe::start(&reg, creds(), false);
        let o = outcome_of(p.next(failed(FailureKind::OutOfTime, "")));
        assert_eq!(o.result, LoginResult::NotChecked);
        assert!(o.message.contains("15 s"), "{}", o.message);

        let (mut p, _) = Probe::start(&reg, creds(), false);
        let o = outcome_of(p.next(failed(FailureKind::Timeout, "no answer within 10 s")));
        assert_eq!(o.result, LoginResult::Unreachable);
        assert!(o.message.contains("10 s"), "{}", o.message);

        let (mut p, _) = Probe::start(&reg, creds(), false);
        sent(p.next(answer(
            401,
            &[
                API,
                (
                    "www-authenticate",
                    r#"Bearer realm="https://r.example.com/token""#,
                ),
            ],
            "",
        )));
        let endless = "x".repeat(MAX_ANSWER_BYTES + 1);
        let o = outcome_of(p.next(answer(200, &[], &endless)));
        assert_eq!(o.result, LoginResult::Unexpected);
        assert!(o.message.contains("64 KiB"), "{}", o.message);

        assert_eq!(
            deadline_ms(1_795_392_000_250),
            1_795_392_000_250 + CHECK_BUDGET_MS
        );
        assert_eq!(deadline_ms(i64::MAX), i64::MAX);
    }
}
