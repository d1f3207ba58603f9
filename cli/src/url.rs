//! The API's base URL as the CLI accepts it: https, or plain http only to
//! this machine (a token never crosses the network readable).

use std::net::IpAddr;

use crate::error::{CliError, Result};

/// The base URL without a trailing `/`. A token goes over plain http only
/// to a loopback address; anything else must be https.
pub fn checked_url(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let (scheme, rest) = url.split_once("://").ok_or_else(|| {
        CliError::usage(format!(
            "{url:?} is not a URL: write it as https://regcred.example.com"
        ))
    })?;
    let authority = rest.split('/').next().unwrap_or_default();
    match scheme.to_ascii_lowercase().as_str() {
        "https" if !authority.is_empty() => Ok(url.to_owned()),
        "http" if is_loopback(authority) => Ok(url.to_owned()),
        "http" => Err(CliError::usage(format!(
            "{url} is plain http: the token would cross the network readable; use https (plain http only reaches 127.0.0.1, ::1 or localhost)"
        ))),
        _ => Err(CliError::usage(format!(
            "{url:?} must start with https:// (or http:// for a loopback address)"
        ))),
    }
}

/// Whether `host[:port]` names this machine, decided on the parsed address.
fn is_loopback(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::checked_url;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://regcred.example.com/",
            "http://127.0.0.1:8787",
            "http://127.9.0.1",
            "http://[::1]:8787",
            "http://localhost:8787",
        ] {
            assert!(checked_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://regcred.example.com",
            "http://127.evil.example:80",
            "http://192.0.2.1",
            "ftp://x",
            "regcred.example.com",
        ] {
            assert!(checked_url(bad).is_err(), "{bad}");
        }
        assert_eq!(checked_url("https://h/").unwrap(), "https://h");
    }
}
