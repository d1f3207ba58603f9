//! What every cloud's mint has in common, without I/O: the requests it
//! sends (built by `ecr`, `gcp`, `azure`), the credential it yields, the
//! refusal it may meet, and when a kept credential is minted again.

use std::fmt;

use crate::api::{ApiError, ErrorCode};
use crate::login::{query_escape, ProbeRequest};
use crate::source::SourceType;
use crate::time::Timestamp;

/// One request of a mint. The worker sends it through the login check's
/// rails (vetted URL, no redirects, capped body, a timeout).
#[derive(Clone, PartialEq, Eq)]
pub struct MintRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

// Bodies and headers carry secrets (a client secret, an assertion, a
// signature): only the method and URL are shown.
impl fmt::Debug for MintRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MintRequest({} {})", self.method, self.url)
    }
}

impl From<MintRequest> for ProbeRequest {
    /// Sent through the login check's fetch and rails, as a POST.
    fn from(m: MintRequest) -> ProbeRequest {
        ProbeRequest {
            url: m.url,
            headers: m.headers,
            body: Some(m.body),
            deadline_ms: None,
        }
    }
}

/// A registry credential minted from a source.
#[derive(Clone, PartialEq, Eq)]
pub struct Minted {
    pub username: String,
    pub password: String,
    /// When the cloud says it runs out.
    pub expires_at: Timestamp,
}

impl fmt::Debug for Minted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Minted")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Minted {
    /// Whether a pull at `now` mints again: once less than half of the
    /// credential's life is left (the kubelet's ECR provider's rule), or
    /// when it has run out.
    pub fn needs_renewal(&self, minted_at: Timestamp, now: Timestamp) -> bool {
        let life = self.expires_at.unix_seconds() - minted_at.unix_seconds();
        let left = self.expires_at.unix_seconds() - now.unix_seconds();
        left <= 0 || 2 * left < life
    }

    /// Whether it may be kept at all: a credential already past its stated
    /// expiry is handed out once, not stored (moto states 2015).
    pub fn keepable(&self, now: Timestamp) -> bool {
        self.expires_at > now
    }

    /// How long a client may cache it: half of what is left, never negative.
    pub fn cache_seconds(&self, now: Timestamp) -> i64 {
        ((self.expires_at.unix_seconds() - now.unix_seconds()) / 2).max(0)
    }
}

/// A cloud refused or garbled a mint. Its message names the provider and
/// its error code, never a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintError {
    pub provider: SourceType,
    /// The cloud's own code (`SignatureDoesNotMatch`, `invalid_grant`, ...),
    /// or what went wrong on the way (`unreadableAnswer`).
    pub code: String,
    pub message: String,
}

impl fmt::Display for MintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} refused the mint: {} ({})",
            self.provider.provider(),
            self.code,
            self.message
        )
    }
}

impl MintError {
    pub fn new(provider: SourceType, code: impl Into<String>, message: impl Into<String>) -> Self {
        // A cloud's message is text from outside: one line, bounded.
        let message: String = message
            .into()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(300)
            .collect();
        MintError {
            provider,
            code: code.into(),
            message,
        }
    }

    /// The API's 502 `MintFailed`.
    pub fn to_api(&self) -> ApiError {
        ApiError::new(ErrorCode::MintFailed, self.to_string()).with_target("source")
    }
}

/// `application/x-www-form-urlencoded` of `pairs`.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn renewal_starts_past_half_the_life() {
        let m = Minted {
            username: "AWS".into(),
            password: "secret-token".into(),
            expires_at: at("2026-12-06T12:00:00Z"),
        };
        let minted = at("2026-12-06T00:00:00Z");
        assert!(!m.needs_renewal(minted, at("2026-12-06T05:59:59Z")));
        assert!(!m.needs_renewal(minted, at("2026-12-06T06:00:00Z")));
        assert!(m.needs_renewal(minted, at("2026-12-06T06:00:01Z")));
        assert!(m.needs_renewal(minted, at("2026-12-06T13:00:00Z")));
        assert_eq!(m.cache_seconds(at("2026-12-06T10:00:00Z")), 3600);
        assert_eq!(m.cache_seconds(at("2026-12-07T00:00:00Z")), 0);
        assert!(!m.keepable(at("2026-12-06T12:00:00Z")));
        assert!(!format!("{m:?}").contains("secret-token"));
    }

    #[test]
    fn forms_escape_every_reserved_character() {
        assert_eq!(
            form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("a", "x y&z")
            ]),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&a=x%20y%26z"
        );
        let e = MintError::new(
            SourceType::AwsEcr,
            "AccessDenied",
            "User is\nnot authorized",
        );
        assert_eq!(
            e.to_string(),
            "Amazon ECR refused the mint: AccessDenied (User is not authorized)"
        );
        assert_eq!(e.to_api().status(), 502);
    }
}
