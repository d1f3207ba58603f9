//! Google's RFC 7523 JWT bearer grant for a service account (CONTRACT §8):
//! the assertion to sign (RS256, signed by the worker with WebCrypto), the
//! form it is posted in, and the token endpoint's answer. The registry
//! username is `oauth2accesstoken`, the password the access token.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};

use crate::mint::{form, MintError, MintRequest, Minted};
use crate::source::{GcpSource, SourceType};
use crate::time::Timestamp;

pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
pub const USERNAME: &str = "oauth2accesstoken";
/// Google refuses assertions that live longer.
pub const ASSERTION_SECONDS: i64 = 3600;

/// `base64url(header) "." base64url(claims)`: what RS256 signs.
pub fn signing_input(src: &GcpSource, now: Timestamp) -> String {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": src.private_key_id});
    let iat = now.unix_seconds();
    let claims = json!({
        "iss": src.client_email,
        "scope": SCOPE,
        "aud": src.token_uri,
        "iat": iat,
        "exp": iat + ASSERTION_SECONDS,
    });
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// The key's PKCS #8 DER, as WebCrypto's `importKey("pkcs8", ...)` takes it.
pub fn private_key_der(src: &GcpSource) -> Option<Vec<u8>> {
    let body: String = src
        .private_key
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>()
        .split_whitespace()
        .collect();
    STANDARD.decode(body).ok().filter(|d| !d.is_empty())
}

/// The token request, once `signature` (RS256 over [`signing_input`]) is made.
pub fn request(src: &GcpSource, signing_input: &str, signature: &[u8]) -> MintRequest {
    let assertion = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature));
    MintRequest {
        method: "POST",
        url: src.token_uri.clone(),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: form(&[("grant_type", GRANT_TYPE), ("assertion", &assertion)]),
    }
}

/// An OAuth answer: `{"access_token", "expires_in"}`, or `{"error",
/// "error_description"}`. Azure's token endpoint answers the same way.
pub fn oauth_answer(
    provider: SourceType,
    status: u16,
    body: &str,
    now: Timestamp,
) -> Result<(String, Timestamp), MintError> {
    let v: Value = serde_json::from_slice(body.as_bytes()).unwrap_or(Value::Null);
    if let Some(code) = v["error"].as_str() {
        let why = v["error_description"].as_str().unwrap_or_default();
        return Err(MintError::new(provider, code, why));
    }
    if !(200..300).contains(&status) {
        return Err(MintError::new(
            provider,
            "unexpectedAnswer",
            format!("HTTP {status} without an OAuth error"),
        ));
    }
    let token = v["access_token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| MintError::new(provider, "unreadableAnswer", "no access_token"))?;
    let seconds = v["expires_in"]
        .as_i64()
        .or_else(|| v["expires_in"].as_str().and_then(|s| s.parse().ok()))
        .ok_or_else(|| MintError::new(provider, "unreadableAnswer", "no expires_in"))?;
    Ok((
        token.to_owned(),
        Timestamp::from_unix_seconds(now.unix_seconds() + seconds),
    ))
}

/// Reads the token endpoint's answer as a registry credential.
pub fn parse_answer(status: u16, body: &str, now: Timestamp) -> Result<Minted, MintError> {
    let (token, expires_at) = oauth_answer(SourceType::GcpServiceAccount, status, body, now)?;
    Ok(Minted {
        username: USERNAME.into(),
        password: token,
        expires_at,
    })
}

/// A key the endpoint does not know, said in words a person can act on.
pub fn hint(e: &MintError) -> Option<&'static str> {
    match e.code.as_str() {
        "invalid_grant" => {
            Some("the key is unknown, disabled or deleted at Google; make a new key")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src() -> GcpSource {
        GcpSource {
            registry: "europe-docker.pkg.dev".into(),
            client_email: "puller@p.iam.gserviceaccount.com".into(),
            private_key_id: "k-1".into(),
            private_key: "-----BEGIN PRIVATE KEY-----\nAAEC\nAwQ=\n-----END PRIVATE KEY-----\n"
                .into(),
            token_uri: "https://oauth2.googleapis.com/token".into(),
            key_file: String::new(),
        }
    }

    #[test]
    fn the_assertion_carries_the_claims_google_checks() {
        let now = Timestamp::parse("2026-12-06T00:00:00Z").unwrap();
        let input = signing_input(&src(), now);
        let (h, c) = input.split_once('.').unwrap();
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap();
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).unwrap()).unwrap();
        assert_eq!(header, json!({"alg": "RS256", "typ": "JWT", "kid": "k-1"}));
        assert_eq!(claims["iss"], "puller@p.iam.gserviceaccount.com");
        assert_eq!(claims["aud"], "https://oauth2.googleapis.com/token");
        assert_eq!(claims["scope"], SCOPE);
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            3600
        );
        assert_eq!(private_key_der(&src()).unwrap(), vec![0, 1, 2, 3, 4]);
        let r = request(&src(), &input, &[1, 2]);
        assert!(r.body.starts_with(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
        ));
        assert!(r.body.ends_with(".AQI"));
    }

    #[test]
    fn answers_and_refusals() {
        let now = Timestamp::parse("2026-12-06T00:00:00Z").unwrap();
        let m = parse_answer(
            200,
            r#"{"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"}"#,
            now,
        )
        .unwrap();
        assert_eq!(
            (m.username.as_str(), m.password.as_str()),
            (USERNAME, "ya29.x")
        );
        assert_eq!(m.expires_at.to_string(), "2026-12-06T00:59:59Z");
        let e = parse_answer(
            400,
            r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#,
            now,
        )
        .unwrap_err();
        assert_eq!(e.code, "invalid_grant");
        assert!(e
            .to_string()
            .starts_with("Google refused the mint: invalid_grant"));
        assert!(hint(&e).is_some());
        assert_eq!(
            parse_answer(502, "<html>", now).unwrap_err().code,
            "unexpectedAnswer"
        );
    }
}
