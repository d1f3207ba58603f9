//! What a request handler may use besides the request: the store, the
//! settings, the time, randomness, the outbound fetch of the login check and
//! the failure throttle. The platform fills it in (`edge/`), tests build
//! their own; handlers never see which.

use std::future::Future;
use std::pin::Pin;

use shared::api::{ApiError, ErrorCode};
use shared::login::{ProbeRequest, ProbeResponse};

use crate::config::Config;

/// Sends one outbound request (the registry login check); never panics,
/// reports failures as `ProbeResponse::Failed`.
pub type Fetch<'a> = &'a dyn Fn(ProbeRequest) -> Pin<Box<dyn Future<Output = ProbeResponse>>>;

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

pub struct Ctx<'a, S> {
    pub store: &'a S,
    pub config: &'a Result<Config, String>,
    /// RFC 3339 time of this request.
    pub now: String,
    /// Fills the buffer with secure random bytes; false if it cannot.
    pub random: &'a dyn Fn(&mut [u8]) -> bool,
    pub fetch: Fetch<'a>,
    pub throttle: Throttle<'a>,
    pub access: AccessCheck<'a>,
}

impl<S> Ctx<'_, S> {
    /// The settings. Why they are broken is for the operator's log, never
    /// for a caller who may not even hold a token.
    pub fn config(&self) -> Result<&Config, ApiError> {
        self.config.as_ref().map_err(|_| {
            ApiError::new(
                ErrorCode::InternalError,
                "the worker is not configured correctly; its operator finds why in the worker's log (wrangler tail)",
            )
        })
    }
}
