//! The team's signing keys: where Access publishes them (the team domain,
//! normalised as the JWT's `iss` spells it, and its certs URL) and which keys
//! of that document are trusted.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

use super::jwt::ALG;

/// Keys shorter than this are not trusted (Access's are 2048 bits).
pub const MIN_MODULUS_BITS: usize = 2048;

/// `REGCRED_ACCESS_TEAM_DOMAIN` as the JWT's `iss` spells it and the base of
/// the certs URL: `team.cloudflareaccess.com` or
/// `https://team.cloudflareaccess.com` (a trailing `/` is dropped, the host
/// lowercased) become `https://team.cloudflareaccess.com`. Plain `http://`
/// is accepted only with `allow_http_loopback` (local development) and a
/// loopback IP literal as host, e.g. `http://127.0.0.1:8788`.
pub fn normalize_team_domain(text: &str, allow_http_loopback: bool) -> Result<String, String> {
    let text = text.trim().trim_end_matches('/');
    let how = "set it to your team domain, e.g. team.cloudflareaccess.com";
    let (scheme, host) = if let Some(rest) = text.strip_prefix("https://") {
        ("https", rest)
    } else if let Some(rest) = text.strip_prefix("http://") {
        ("http", rest)
    } else if text.contains("://") {
        return Err(format!("REGCRED_ACCESS_TEAM_DOMAIN must use https; {how}"));
    } else {
        ("https", text)
    };
    let host = host.to_ascii_lowercase();
    // `[v6]:port` or `name:port`; only `[::1]` of the IPv6 literals passes below.
    let split_at = match host.rfind(']') {
        Some(end) => host[end..].find(':').map(|i| end + i),
        None => host.find(':'),
    };
    let (name, port) = match split_at {
        Some(i) => (&host[..i], Some(&host[i + 1..])),
        None => (host.as_str(), None),
    };
    let name_ok = !name.is_empty()
        && (name == "[::1]"
            || name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    if !name_ok || !port_ok {
        return Err(format!(
            "REGCRED_ACCESS_TEAM_DOMAIN is not a host name (no path, no query); {how}"
        ));
    }
    if scheme == "http" {
        let loopback = name == "[::1]"
            || name
                .parse::<core::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback());
        if !(allow_http_loopback && loopback) {
            return Err(format!(
                "REGCRED_ACCESS_TEAM_DOMAIN must use https (plain http only for a loopback address with REGCRED_ALLOW_HTTP_LOOPBACK=true); {how}"
            ));
        }
    }
    Ok(format!("{scheme}://{host}"))
}

/// Where the team's signing keys are: `<team domain>/cdn-cgi/access/certs`.
pub fn certs_url(team_domain: &str) -> String {
    format!("{team_domain}/cdn-cgi/access/certs")
}

/// One RSA signing key of the team (a JWK of `…/cdn-cgi/access/certs`),
/// `n` and `e` still base64url as WebCrypto's `importKey("jwk", …)` takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    pub kid: String,
    pub n: String,
    pub e: String,
}

#[derive(Deserialize)]
struct KeySet {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawJwk {
    kid: Option<String>,
    kty: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// The RS256 signing keys of a certs document `{"keys": [JWK…]}`. Keys
/// that are not RSA, are for another algorithm or use, have no `kid`, or
/// are shorter than [`MIN_MODULUS_BITS`] are left out, so one odd key
/// never hides the others; a document that is not a key set is an error.
pub fn parse_keys(text: &str) -> Result<Vec<Jwk>, String> {
    let set: KeySet = serde_json::from_slice(text.as_bytes())
        .map_err(|_| "the certs document is not {\"keys\": [...]}".to_owned())?;
    Ok(set
        .keys
        .into_iter()
        .filter_map(|v| serde_json::from_value::<RawJwk>(v).ok())
        .filter_map(|k| {
            let usable = k.kty.as_deref() == Some("RSA")
                && k.alg.as_deref().is_none_or(|a| a == ALG)
                && k.use_.as_deref().is_none_or(|u| u == "sig");
            let (kid, n, e) = (k.kid?, k.n?, k.e?);
            let bits = URL_SAFE_NO_PAD.decode(&n).ok().map(|m| modulus_bits(&m))?;
            URL_SAFE_NO_PAD.decode(&e).ok().filter(|e| !e.is_empty())?;
            (usable && !kid.is_empty() && bits >= MIN_MODULUS_BITS).then_some(Jwk { kid, n, e })
        })
        .collect())
}

fn modulus_bits(m: &[u8]) -> usize {
    let m = &m[m.iter().take_while(|&&b| b == 0).count()..];
    match m.first() {
        None => 0,
        Some(top) => m.len() * 8 - top.leading_zeros() as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_domains_are_normalised() {
        let ok = |t: &str, loopback: bool| normalize_team_domain(t, loopback).unwrap();
        let want = "https://team.cloudflareaccess.com";
        assert_eq!(ok("team.cloudflareaccess.com", false), want);
        assert_eq!(ok(" https://Team.cloudflareaccess.com/ ", false), want);
        assert_eq!(ok("https://team.cloudflareaccess.com//", false), want);
        assert_eq!(ok("http://127.0.0.1:8788", true), "http://127.0.0.1:8788");
        assert_eq!(ok("http://[::1]:8788/", true), "http://[::1]:8788");
        assert_eq!(
            ok("https://127.0.0.1:8443", false),
            "https://127.0.0.1:8443"
        );
        assert_eq!(
            certs_url(want),
            "https://team.cloudflareaccess.com/cdn-cgi/access/certs"
        );
        for (bad, loopback) in [
            ("", false),
            ("https://", false),
            ("http://127.0.0.1:8788", false),
            ("http://localhost:8788", true),
            ("http://10.0.0.1", true),
            ("http://team.cloudflareaccess.com", true),
            ("ftp://team.cloudflareaccess.com", false),
            ("team.cloudflareaccess.com/cdn-cgi", false),
            ("team.cloudflareaccess.com?x", false),
            ("user@team.cloudflareaccess.com", false),
            ("team.cloudflareaccess.com:99999", false),
            ("team.cloudflareaccess.com:", false),
        ] {
            let e = normalize_team_domain(bad, loopback).unwrap_err();
            assert!(
                e.contains("REGCRED_ACCESS_TEAM_DOMAIN") && e.contains("e.g."),
                "{bad}: {e}"
            );
        }
    }

    fn rsa_key(kid: &str, bytes: usize) -> serde_json::Value {
        let mut n = vec![0xc5u8; bytes];
        n[bytes - 1] = 1;
        serde_json::json!({"kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig",
            "e": "AQAB", "n": URL_SAFE_NO_PAD.encode(n)})
    }

    #[test]
    fn the_certs_document_yields_its_rs256_keys() {
        let mut no_alg = rsa_key("k3", 256);
        no_alg.as_object_mut().unwrap().remove("alg");
        let doc = serde_json::json!({
            "keys": [
                rsa_key("k1", 256),
                rsa_key("short", 128),
                {"kid": "ec", "kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
                {"kid": "ps", "kty": "RSA", "alg": "PS256", "e": "AQAB", "n": URL_SAFE_NO_PAD.encode([0xc5u8; 256])},
                {"kid": "enc", "kty": "RSA", "use": "enc", "e": "AQAB", "n": URL_SAFE_NO_PAD.encode([0xc5u8; 256])},
                {"kty": "RSA", "e": "AQAB", "n": URL_SAFE_NO_PAD.encode([0xc5u8; 256])},
                {"kid": "badn", "kty": "RSA", "e": "AQAB", "n": "!!"},
                "not a key",
                no_alg,
            ],
            "public_cert": {"kid": "k1", "cert": "..."},
        });
        let keys = parse_keys(&doc.to_string()).unwrap();
        let kids: Vec<&str> = keys.iter().map(|k| k.kid.as_str()).collect();
        assert_eq!(kids, ["k1", "k3"]);
        assert_eq!(keys[0].e, "AQAB");
        // a leading zero byte does not make a short key long enough
        let mut padded = vec![0u8];
        padded.extend([0x01u8; 255]);
        let doc = serde_json::json!({"keys": [{"kid": "z", "kty": "RSA", "e": "AQAB", "n": URL_SAFE_NO_PAD.encode(padded)}]});
        assert!(parse_keys(&doc.to_string()).unwrap().is_empty());
        assert!(parse_keys("{}").is_err());
        assert!(parse_keys("<html>").is_err());
        assert_eq!(parse_keys(r#"{"keys":[]}"#), Ok(vec![]));
    }
}
