//! What a request handler may use besides the request: the store, the
//! settings, the time, randomness, the outbound fetch of the login check and
//! the failure throttle. The platform fills it in (`edge/`), tests build
//! their own; handlers never see which.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use shared::api::{ApiError, ErrorCode};
use shared::login::{ProbeRequest, ProbeResponse};
use shared::time::Timestamp;

use crate::config::Config;

/// Sends one outbound request (the registry login check); never panics,
/// reports failures as `ProbeResponse::Failed`.
pub type Fetch<'a> = &'a dyn Fn(ProbeRequest) -> Pin<Box<dyn Future<Output = ProbeResponse>>>;

/// Signs `data` with RSASSA-PKCS1-v1_5 and SHA-256 under a PKCS #8 DER key
/// (WebCrypto at the edge): a Google service account's assertion. The
/// error says why, never the key.
pub type SignRs256<'a> =
    &'a dyn Fn(Vec<u8>, Vec<u8>) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, String>>>>;

/// What a workload token's signature check needs: the issuer (whose keys
/// the edge finds and caches), the rule's `jwksUri` if it names one, and
/// the token's parts.
#[derive(Debug, Clone)]
pub struct WorkloadAsk {
    pub issuer: String,
    pub jwks_uri: Option<String>,
    pub kid: String,
    pub alg: String,
    pub signing_input: String,
    pub signature: Vec<u8>,
    /// `REGCRED_ALLOW_HTTP_LOOPBACK`: the key documents' URLs pass the
    /// login check's rails with this setting.
    pub allow_loopback: bool,
}

/// Verifies a workload token's signature with its issuer's key; the error
/// says why (for the log, never for the caller).
pub type WorkloadVerify<'a> =
    &'a dyn Fn(WorkloadAsk) -> Pin<Box<dyn Future<Output = Result<(), String>>>>;

/// Counts one failed authentication from a client address; answers false
/// once that address is past its budget. Only failures are counted, so a
/// valid token is never refused by it.
pub type Throttle<'a> = &'a dyn Fn(&str) -> Pin<Box<dyn Future<Output = bool>>>;

/// Verifies a Cloudflare Access JWT (`Cf-Access-Jwt-Assertion`): its
/// signature against the team's keys, `aud`, `iss`, `exp` and `nbf`.
/// Answers the identity, or why it was refused (for the log, never for the
/// caller). Only called when Access is configured.
pub type AccessCheck<'a> =
    &'a dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<shared::access::Identity, String>>>>;

/// A request's arrival to the millisecond: the clock is read once where
/// the context is built, so no handler parses a time again or decides what
/// an unreadable one means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Now(i64);

impl Now {
    pub fn from_epoch_ms(ms: i64) -> Now {
        Now(ms)
    }

    pub fn epoch_ms(self) -> i64 {
        self.0
    }

    /// To the second: what expiry, retention and token checks compare.
    pub fn timestamp(self) -> Timestamp {
        Timestamp::from_unix_seconds(self.0.div_euclid(1000))
    }
}

/// RFC 3339 with milliseconds, as JavaScript's `toISOString` writes it: the
/// form stored in `createdAt`, `modifiedAt`, `deletedAt` and the audit trail.
impl fmt::Display for Now {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.timestamp().to_string();
        let secs = secs.strip_suffix('Z').unwrap_or(&secs);
        write!(f, "{secs}.{:03}Z", self.0.rem_euclid(1000))
    }
}

pub struct Ctx<'a, S> {
    pub store: &'a S,
    pub config: &'a Result<Config, String>,
    /// When this request arrived, read once where the context is built.
    pub now: Now,
    /// Fills the buffer with secure random bytes; false if it cannot.
    pub random: &'a dyn Fn(&mut [u8]) -> bool,
    pub fetch: Fetch<'a>,
    /// Signs a brokered secret's assertion (`mint.rs`).
    pub sign: SignRs256<'a>,
    pub throttle: Throttle<'a>,
    pub access: AccessCheck<'a>,
    /// Verifies a workload token's signature (`identities.rs`).
    pub workload: WorkloadVerify<'a>,
}

impl<'a, S> Ctx<'a, S> {
    /// The settings. Why they are broken is for the operator's log, never
    /// for a caller who may not even hold a token. Only `admit` asks; the
    /// handlers after it take the `&Config` it proved.
    pub fn config(&self) -> Result<&'a Config, ApiError> {
        self.config.as_ref().map_err(|_| {
            ApiError::new(
                ErrorCode::InternalError,
                "the worker is not configured correctly; its operator finds why in the worker's log (wrangler tail)",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_reads_as_the_runtime_writes_it() {
        let now = Now::from_epoch_ms(1_795_392_000_250);
        assert_eq!(now.to_string(), "2026-11-23T00:00:00.250Z");
        assert_eq!(now.timestamp().to_string(), "2026-11-23T00:00:00Z");
        assert_eq!(
            Now::from_epoch_ms(1_795_392_000_000).to_string(),
            "2026-11-23T00:00:00.000Z"
        );
    }
}
