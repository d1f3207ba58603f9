//! Why a login check's fetch got no answer, read from what the runtime says.
//! The worker passes the runtime's words (and, where they say nothing, one
//! more fact it can find out); the kind decided here becomes the result.
//!
//! What the runtimes say:
//! - workerd (`wrangler dev`, `cargo xtask dev`): a name that does not
//!   resolve and a failed TLS handshake are both `internal error; reference
//!   = …` (the reason goes to workerd's log only: kj's "DNS lookup failed"
//!   is not passed to the worker); a refused or reset connection is
//!   `Network connection lost.`. So for an "internal error" the worker opens
//!   a bare TCP connection to the same host and port, sending nothing: if it
//!   opens, the name resolved and the handshake is what failed; if not, a
//!   name did not resolve (a refusal would have said "connection lost").
//! - Cloudflare's edge answers instead: 530 with `error code: 1016` for a
//!   name that does not resolve, 525/526 for TLS (see `login`).
//! - Other runtimes name DNS failures outright (`ENOTFOUND`, `getaddrinfo`,
//!   `Name or service not known`, `DNS lookup failed`).

use crate::address::{self, Host};
use crate::login::{Failure, FailureKind, CHECK_BUDGET_MS, REQUEST_TIMEOUT_MS};

/// Words that only a failed name lookup produces, lowercase.
const DNS_WORDS: [&str; 10] = [
    "dns lookup failed",
    "getaddrinfo",
    "enotfound",
    "eai_again",
    "eai_noname",
    "name or service not known",
    "nodename nor servname",
    "no address associated with hostname",
    "temporary failure in name resolution",
    "could not resolve",
];

/// Whether the runtime's words leave DNS and TLS apart undecided, so that
/// the worker should try a bare TCP connection ([`from_runtime`]'s
/// `tcp_opened`).
pub fn wants_tcp_check(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("internal error") && !is_timeout(&lower) && !is_dns(&lower)
}

fn is_timeout(lower: &str) -> bool {
    lower.contains("abort") || lower.contains("timeout") || lower.contains("timed out")
}

fn is_dns(lower: &str) -> bool {
    DNS_WORDS.iter().any(|w| lower.contains(w))
}

/// The failure of a fetch of `url` that the runtime reported as `text`.
/// `tcp_opened`: whether a bare TCP connection to `url`'s host and port
/// opened, when [`wants_tcp_check`] asked for one. `by_deadline`: the
/// request's time was cut to the check's deadline (for a timeout's words).
pub fn from_runtime(url: &str, text: &str, tcp_opened: Option<bool>, by_deadline: bool) -> Failure {
    let lower = text.to_ascii_lowercase();
    let https = url.starts_with("https:");
    let target = address::parse_url(url).ok().map(|(t, _)| t);
    let host = target
        .as_ref()
        .map(|t| t.host.to_string())
        .unwrap_or_default();
    let is_name = matches!(target.as_ref().map(|t| &t.host), Some(Host::Name(_)));
    if is_timeout(&lower) {
        let why = if by_deadline {
            format!(
                "no answer before the login check's {} s were up",
                CHECK_BUDGET_MS / 1000
            )
        } else {
            format!("no answer within {} s (timeout)", REQUEST_TIMEOUT_MS / 1000)
        };
        return Failure::new(FailureKind::Timeout, why);
    }
    if is_dns(&lower) {
        return Failure::new(
            FailureKind::Dns,
            format!("the host name {host} does not resolve (the runtime says \"{text}\")"),
        );
    }
    if !lower.contains("internal error") {
        return Failure::new(FailureKind::Other, text);
    }
    match tcp_opened {
        Some(false) if is_name => Failure::new(
            FailureKind::Dns,
            format!(
                "the host name {host} does not resolve (the runtime says \"{text}\", and no connection to it could be opened)"
            ),
        ),
        Some(false) => Failure::new(
            FailureKind::Other,
            format!("no connection to {host} could be opened (the runtime says \"{text}\")"),
        ),
        _ if https => Failure::new(
            FailureKind::Tls,
            format!("the runtime says \"{text}\"; its log has the TLS reason"),
        ),
        _ => Failure::new(FailureKind::Other, text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKERD: &str = "internal error; reference = 3kpq0mb5ua8sl9bqs5ed4tjc";

    #[test]
    fn workerds_internal_error_is_told_apart_by_a_tcp_connection() {
        assert!(wants_tcp_check(WORKERD));
        // The name did not resolve: nothing opens.
        let f = from_runtime(
            "https://regsitry.example.com/v2/",
            WORKERD,
            Some(false),
            false,
        );
        assert_eq!(f.kind, FailureKind::Dns);
        assert!(
            f.detail
                .contains("the host name regsitry.example.com does not resolve"),
            "{f}"
        );
        // It resolved and a connection opened: the handshake failed.
        let f = from_runtime(
            "https://registry.example.com/v2/",
            WORKERD,
            Some(true),
            false,
        );
        assert_eq!(f.kind, FailureKind::Tls);
        // An address is never a DNS failure.
        let f = from_runtime("https://203.0.113.9:5000/v2/", WORKERD, Some(false), false);
        assert_eq!(f.kind, FailureKind::Other);
        // Not checked: as before, https says TLS.
        let f = from_runtime("https://registry.example.com/v2/", WORKERD, None, false);
        assert_eq!(f.kind, FailureKind::Tls);
        let f = from_runtime(
            "http://registry.example.com/v2/",
            WORKERD,
            Some(false),
            false,
        );
        assert_eq!(f.kind, FailureKind::Dns);
    }

    #[test]
    fn named_dns_failures_need_no_connection() {
        for text in [
            "DNS lookup failed.; params.host = regsitry.example.com; gai_strerror(status) = Name or service not known",
            "getaddrinfo ENOTFOUND regsitry.example.com",
            "TypeError: fetch failed: getaddrinfo EAI_AGAIN regsitry.example.com",
        ] {
            assert!(!wants_tcp_check(text), "{text}");
            let f = from_runtime("https://regsitry.example.com/v2/", text, None, false);
            assert_eq!(f.kind, FailureKind::Dns, "{text}");
        }
    }

    #[test]
    fn timeouts_and_lost_connections_stay_what_they_were() {
        let f = from_runtime(
            "https://r.example.com/v2/",
            "The operation was aborted",
            None,
            true,
        );
        assert_eq!(f.kind, FailureKind::Timeout);
        assert!(f.detail.contains("15 s"), "{f}");
        let f = from_runtime("https://r.example.com/v2/", "TimeoutError", None, false);
        assert!(f.detail.contains("10 s"), "{f}");
        let f = from_runtime(
            "https://r.example.com/v2/",
            "Network connection lost.",
            None,
            false,
        );
        assert_eq!(f.kind, FailureKind::Other);
        assert!(!wants_tcp_check("Network connection lost."));
    }
}
