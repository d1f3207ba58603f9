//! The Docker Registry HTTP API v2 login, as a state machine with no I/O:
//! it says which request to send next and reads each answer, so the worker
//! only executes fetches and the logic is tested natively.
//!
//! `GET <registry>/v2/` → 200: ok. 401 + `WWW-Authenticate: Basic`: retry
//! with the credentials. 401 + `Bearer realm=…,service=…`: ask the realm for
//! a token with the credentials, then retry `/v2/` with it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::auth::{self, Credentials};
use crate::registry::{Registry, Scheme};

/// A request the caller must send. Headers are (name, value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
}

impl ProbeRequest {
    /// The URL without any credentials, safe to show (it never holds any).
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// What came back, or why nothing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeResponse {
    Answer {
        status: u16,
        /// Lowercase header names.
        headers: Vec<(String, String)>,
        body: String,
    },
    /// DNS, connection, TLS or timeout, in the runtime's words.
    Failed(String),
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
    credentials: Credentials,
    phase: Phase,
}

/// Whether a plain-http registry may be probed: only on loopback, and only
/// when the deployment allows it (local development).
pub fn http_allowed(registry: &Registry, allow_http_loopback: bool) -> bool {
    match registry {
        Registry::DockerHub => true,
        Registry::Private(p) if p.scheme() == Some(Scheme::Http) => {
            let host = p.host();
            allow_http_loopback
                && (host == "localhost" || host == "[::1]" || host.starts_with("127."))
        }
        Registry::Private(_) => true,
    }
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
    pub fn start(
        registry: &Registry,
        credentials: Credentials,
        allow_http_loopback: bool,
    ) -> (Probe, Step) {
        let server = registry.server_key();
        let probe = Probe {
            base: registry.api_base(),
            server: server.clone(),
            credentials,
            phase: Phase::Ping,
        };
        if !http_allowed(registry, allow_http_loopback) {
            let outcome = probe.outcome(
                LoginResult::NotAllowed,
                "plain http is allowed only for a loopback registry in local development; use https".into(),
            );
            return (probe, Step::Done(outcome));
        }
        let first = probe.ping(Vec::new());
        (probe, Step::Send(first))
    }

    fn ping(&self, headers: Vec<(String, String)>) -> ProbeRequest {
        ProbeRequest {
            url: format!("{}/v2/", self.base),
            headers,
        }
    }

    fn outcome(&self, result: LoginResult, message: String) -> LoginOutcome {
        LoginOutcome {
            registry: self.server.clone(),
            result,
            message,
        }
    }

    fn done(&self, result: LoginResult, message: impl Into<String>) -> Step {
        Step::Done(self.outcome(result, message.into()))
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

    /// Reads an answer and says what to do next.
    pub fn next(&mut self, response: ProbeResponse) -> Step {
        let (status, headers, body) = match response {
            ProbeResponse::Failed(why) => {
                let target = match self.phase {
                    Phase::Token => "the registry's token service",
                    _ => "the registry",
                };
                return self.done(
                    LoginResult::Unreachable,
                    format!("{target} could not be reached: {why}"),
                );
            }
            ProbeResponse::Answer {
                status,
                headers,
                body,
            } => (status, headers, body),
        };
        let is_registry = header(&headers, "docker-distribution-api-version").is_some();
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
            (Phase::Token, 200) => {
                let token = serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|v| {
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

    fn token_request(&mut self, params: &[(String, String)]) -> Step {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let Some(realm) =
            get("realm").filter(|r| r.starts_with("https://") || r.starts_with("http://"))
        else {
            return self.done(
                LoginResult::Unexpected,
                "the registry's Bearer challenge names no usable token realm",
            );
        };
        let mut url = format!(
            "{realm}?account={}",
            query_escape(&self.credentials.username)
        );
        if let Some(service) = get("service") {
            url.push_str(&format!("&service={}", query_escape(service)));
        }
        self.phase = Phase::Token;
        Step::Send(ProbeRequest {
            url,
            headers: vec![("authorization".into(), basic(&self.credentials))],
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
                    headers: vec![]
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
            &[("www-authenticate", r#"Bearer realm="https://a/t""#)],
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
}
