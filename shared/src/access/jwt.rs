//! The claims half of checking a Cloudflare Access JWT
//! (`Cf-Access-Jwt-Assertion`): decoding, the header and claim checks. The
//! signature is checked by the worker with WebCrypto: [`check`] hands it the
//! signing input, the signature and the key id.
//!
//! What is accepted: a compact JWS of three base64url parts without padding,
//! header `alg` exactly `RS256` with a `kid` and no `crit`; claims `aud` (a
//! string or an array) holding the application's AUD tag, `iss` equal to the
//! team domain, `exp` later than now and `nbf` (when present) not later
//! than now, both with [`LEEWAY_SECONDS`] for clocks that disagree, and an
//! identity: `email`, or for an Access service token (which has none) its
//! `common_name`, the service token's Client ID.
use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

/// Who an Access JWT names: the user's email, or a service token's Client ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub email: String,
}

/// `exp` and `nbf` hold this many seconds either way: the edge's clock and
/// Access's may disagree a little; a minute is what Access's own examples
/// and most JWT libraries allow.
pub const LEEWAY_SECONDS: i64 = 60;

/// Longer assertions are refused before anything is decoded. Access's are
/// about 1 KiB.
pub const MAX_JWT_BYTES: usize = 16 * 1024;

/// The only signature algorithm accepted.
pub const ALG: &str = "RS256";

/// What [`check`] found in an assertion whose header and claims hold: the
/// worker verifies `signature` over `signing_input` with the key `kid`
/// before it believes `identity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// `base64url(header) "." base64url(payload)`, as sent.
    pub signing_input: String,
    pub signature: Vec<u8>,
    pub kid: String,
    pub identity: Identity,
}

/// Why an assertion was refused. For the worker's log: no variant holds any
/// part of the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    TooLong,
    /// Not three non-empty parts separated by dots.
    NotCompact,
    /// A part is not base64url without padding (`part`: header, payload, signature).
    BadBase64 {
        part: &'static str,
    },
    /// A part is not the JSON object it must be.
    BadJson {
        part: &'static str,
    },
    /// `alg` is missing or not one accepted (`none` and `HS256` included).
    BadAlg,
    NoKid,
    /// The header has `crit`: extensions this code does not understand.
    Critical,
    WrongAudience,
    WrongIssuer,
    NoExpiry,
    Expired,
    NotYetValid,
    /// Neither `email` nor `common_name`.
    NoIdentity,
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtError::TooLong => write!(f, "the assertion is longer than {MAX_JWT_BYTES} bytes"),
            JwtError::NotCompact => f.write_str("the assertion is not a JWT (three parts separated by dots)"),
            JwtError::BadBase64 { part } => write!(f, "the JWT's {part} is not base64url without padding"),
            JwtError::BadJson { part } => write!(f, "the JWT's {part} is not a JSON object of the expected shape"),
            JwtError::BadAlg => f.write_str("the JWT's alg is not one accepted (RS256; ES256 for workload identity)"),
            JwtError::NoKid => f.write_str("the JWT's header names no key (kid)"),
            JwtError::Critical => f.write_str("the JWT's header has crit extensions, which are not supported"),
            JwtError::WrongAudience => f.write_str("the JWT's aud does not hold the expected audience (REGCRED_ACCESS_AUD, or a trust rule's; another application's token?)"),
            JwtError::WrongIssuer => f.write_str("the JWT's iss is not the expected issuer (REGCRED_ACCESS_TEAM_DOMAIN, or a trust rule's)"),
            JwtError::NoExpiry => f.write_str("the JWT has no exp"),
            JwtError::Expired => f.write_str("the JWT has expired (exp)"),
            JwtError::NotYetValid => f.write_str("the JWT is not valid yet (nbf or iat in the future)"),
            JwtError::NoIdentity => f.write_str("the JWT names no email or service token (common_name)"),
        }
    }
}

impl std::error::Error for JwtError {}

#[derive(Deserialize)]
struct Header {
    alg: Option<String>,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct Claims {
    aud: Option<Audience>,
    iss: Option<String>,
    exp: Option<f64>,
    nbf: Option<f64>,
    iat: Option<f64>,
}

fn decode(part: &'static str, text: &str) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| JwtError::BadBase64 { part })
}

/// A JWT whose header and standard claims hold; its signature is still
/// to be verified with the key `kid` (WebCrypto, in the worker).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// `base64url(header) "." base64url(payload)`, as sent.
    pub signing_input: String,
    pub signature: Vec<u8>,
    pub kid: String,
    /// One of the algorithms the caller accepted.
    pub alg: String,
    /// Every claim, for the caller's own (identity, trust rules).
    pub claims: serde_json::Map<String, serde_json::Value>,
}

/// Checks everything about `jwt` but its signature: the header (`alg` one
/// of `algs`, a `kid`, no `crit`), `aud` holding `aud`, `iss` equal to
/// `issuer`, `exp` later and `nbf` and `iat` not later than `now` (unix
/// seconds), each with [`LEEWAY_SECONDS`].
pub fn read(
    jwt: &str,
    algs: &[&str],
    issuer: &str,
    aud: &str,
    now: i64,
) -> Result<Token, JwtError> {
    if jwt.len() > MAX_JWT_BYTES {
        return Err(JwtError::TooLong);
    }
    let mut parts = jwt.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::NotCompact);
    };
    if h.is_empty() || p.is_empty() || s.is_empty() {
        return Err(JwtError::NotCompact);
    }
    let header: Header = serde_json::from_slice(&decode("header", h)?)
        .map_err(|_| JwtError::BadJson { part: "header" })?;
    let alg = header
        .alg
        .filter(|a| algs.contains(&a.as_str()))
        .ok_or(JwtError::BadAlg)?;
    if header.crit.is_some() {
        return Err(JwtError::Critical);
    }
    let kid = header
        .kid
        .filter(|k| !k.is_empty())
        .ok_or(JwtError::NoKid)?;
    let payload = decode("payload", p)?;
    let claims: Claims =
        serde_json::from_slice(&payload).map_err(|_| JwtError::BadJson { part: "payload" })?;
    let all: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&payload).map_err(|_| JwtError::BadJson { part: "payload" })?;
    let signature = decode("signature", s)?;
    let audience_holds = match &claims.aud {
        Some(Audience::One(a)) => a == aud,
        Some(Audience::Many(all)) => all.iter().any(|a| a == aud),
        None => false,
    };
    if aud.is_empty() || !audience_holds {
        return Err(JwtError::WrongAudience);
    }
    if issuer.is_empty() || claims.iss.as_deref() != Some(issuer) {
        return Err(JwtError::WrongIssuer);
    }
    let now = now as f64;
    let leeway = LEEWAY_SECONDS as f64;
    let exp = claims.exp.ok_or(JwtError::NoExpiry)?;
    // NaN cannot come out of JSON; infinities fail one way or the other.
    if exp + leeway <= now {
        return Err(JwtError::Expired);
    }
    let future = |t: Option<f64>| t.is_some_and(|t| t - leeway > now);
    if future(claims.nbf) || future(claims.iat) {
        return Err(JwtError::NotYetValid);
    }
    Ok(Token {
        signing_input: format!("{h}.{p}"),
        signature,
        kid,
        alg,
        claims: all,
    })
}

/// An Access assertion: [`read`] with RS256 only and the team domain as
/// issuer, and an identity: `email`, or a service token's `common_name`.
pub fn check(jwt: &str, team_domain: &str, aud: &str, now: i64) -> Result<Checked, JwtError> {
    let token = read(jwt, &[ALG], team_domain, aud, now)?;
    let text = |name: &str| token.claims.get(name).and_then(|v| v.as_str());
    let email = [text("email"), text("common_name")]
        .into_iter()
        .flatten()
        .map(|e| e.trim().to_owned())
        .find(|e| !e.is_empty())
        .ok_or(JwtError::NoIdentity)?;
    Ok(Checked {
        signing_input: token.signing_input,
        signature: token.signature,
        kid: token.kid,
        identity: Identity { email },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEAM: &str = "https://team.cloudflareaccess.com";
    const AUD: &str = "aud-tag";
    const NOW: i64 = 1_700_000_000;

    fn b64(v: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    fn header() -> serde_json::Value {
        serde_json::json!({"alg": "RS256", "kid": "k1", "typ": "JWT"})
    }

    fn claims() -> serde_json::Value {
        serde_json::json!({
            "aud": [AUD],
            "iss": TEAM,
            "email": "alice@example.com",
            "exp": NOW + 600,
            "nbf": NOW - 10,
            "iat": NOW - 10,
            "type": "app",
        })
    }

    fn jwt(h: &serde_json::Value, c: &serde_json::Value) -> String {
        format!(
            "{}.{}.{}",
            b64(h),
            b64(c),
            URL_SAFE_NO_PAD.encode([7u8; 256])
        )
    }

    fn with(key: &str, value: serde_json::Value) -> serde_json::Value {
        let mut c = claims();
        c[key] = value;
        c
    }

    fn without(key: &str) -> serde_json::Value {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(key);
        c
    }

    fn refused(token: &str) -> JwtError {
        check(token, TEAM, AUD, NOW).unwrap_err()
    }

    #[test]
    fn a_valid_assertion_yields_what_the_signature_check_needs() {
        let token = jwt(&header(), &claims());
        let got = check(&token, TEAM, AUD, NOW).unwrap();
        assert_eq!(got.identity.email, "alice@example.com");
        assert_eq!(got.kid, "k1");
        assert_eq!(got.signature, vec![7u8; 256]);
        let last_dot = token.rfind('.').unwrap();
        assert_eq!(got.signing_input, token[..last_dot]);
        // aud as a single string, no nbf
        let c = with("aud", AUD.into());
        assert!(check(&jwt(&header(), &without_nbf(c)), TEAM, AUD, NOW).is_ok());
    }

    fn without_nbf(mut c: serde_json::Value) -> serde_json::Value {
        c.as_object_mut().unwrap().remove("nbf");
        c
    }

    #[test]
    fn the_header_must_be_rs256_with_a_kid() {
        for alg in ["none", "HS256", "RS384", "rs256", "ES256", "PS256"] {
            let h = serde_json::json!({"alg": alg, "kid": "k1"});
            assert_eq!(refused(&jwt(&h, &claims())), JwtError::BadAlg, "{alg}");
        }
        assert_eq!(
            refused(&jwt(&serde_json::json!({"kid": "k1"}), &claims())),
            JwtError::BadAlg
        );
        assert_eq!(
            refused(&jwt(&serde_json::json!({"alg": 1, "kid": "k1"}), &claims())),
            JwtError::BadJson { part: "header" }
        );
        assert_eq!(
            refused(&jwt(&serde_json::json!({"alg": "RS256"}), &claims())),
            JwtError::NoKid
        );
        assert_eq!(
            refused(&jwt(
                &serde_json::json!({"alg": "RS256", "kid": ""}),
                &claims()
            )),
            JwtError::NoKid
        );
        let h = serde_json::json!({"alg": "RS256", "kid": "k1", "crit": ["b64"]});
        assert_eq!(refused(&jwt(&h, &claims())), JwtError::Critical);
        // alg none with an empty signature is not even a compact JWS here
        let none = format!(
            "{}.{}.",
            b64(&serde_json::json!({"alg": "none"})),
            b64(&claims())
        );
        assert_eq!(refused(&none), JwtError::NotCompact);
    }

    #[test]
    fn claims_are_checked() {
        let h = header();
        assert_eq!(
            refused(&jwt(&h, &with("aud", serde_json::json!(["other"])))),
            JwtError::WrongAudience
        );
        assert_eq!(
            refused(&jwt(&h, &with("aud", "other".into()))),
            JwtError::WrongAudience
        );
        assert_eq!(refused(&jwt(&h, &without("aud"))), JwtError::WrongAudience);
        assert_eq!(
            refused(&jwt(
                &h,
                &with("iss", "https://evil.cloudflareaccess.com".into())
            )),
            JwtError::WrongIssuer
        );
        assert_eq!(
            refused(&jwt(&h, &with("iss", format!("{TEAM}/").into()))),
            JwtError::WrongIssuer
        );
        assert_eq!(refused(&jwt(&h, &without("iss"))), JwtError::WrongIssuer);
        assert_eq!(refused(&jwt(&h, &without("exp"))), JwtError::NoExpiry);
        assert_eq!(
            refused(&jwt(&h, &with("exp", (NOW - 3600).into()))),
            JwtError::Expired
        );
        assert_eq!(
            refused(&jwt(&h, &with("nbf", (NOW + 3600).into()))),
            JwtError::NotYetValid
        );
        assert_eq!(
            refused(&jwt(&h, &with("exp", "soon".into()))),
            JwtError::BadJson { part: "payload" }
        );
        assert_eq!(refused(&jwt(&h, &without("email"))), JwtError::NoIdentity);
        assert_eq!(
            refused(&jwt(&h, &with("email", " ".into()))),
            JwtError::NoIdentity
        );
        // the configured values must be there to compare with
        let token = jwt(&h, &with("aud", serde_json::json!([""])));
        assert_eq!(check(&token, TEAM, "", NOW), Err(JwtError::WrongAudience));
        let token = jwt(&h, &with("iss", "".into()));
        assert_eq!(check(&token, "", AUD, NOW), Err(JwtError::WrongIssuer));
    }

    #[test]
    fn times_have_a_minute_of_leeway() {
        let h = header();
        let at = |exp: i64, nbf: i64| {
            let mut c = with("exp", exp.into());
            c["nbf"] = nbf.into();
            check(&jwt(&h, &c), TEAM, AUD, NOW).map(|_| ())
        };
        assert_eq!(at(NOW - LEEWAY_SECONDS + 1, NOW), Ok(()));
        assert_eq!(at(NOW - LEEWAY_SECONDS, NOW), Err(JwtError::Expired));
        assert_eq!(at(NOW + 600, NOW + LEEWAY_SECONDS), Ok(()));
        assert_eq!(
            at(NOW + 600, NOW + LEEWAY_SECONDS + 1),
            Err(JwtError::NotYetValid)
        );
        let c = with("exp", serde_json::json!((NOW + 600) as f64 + 0.5));
        assert!(check(&jwt(&h, &c), TEAM, AUD, NOW).is_ok());
    }

    #[test]
    fn service_tokens_are_named_by_common_name() {
        let mut c = without("email");
        c["common_name"] = "abc123.access".into();
        let got = check(&jwt(&header(), &c), TEAM, AUD, NOW).unwrap();
        assert_eq!(got.identity.email, "abc123.access");
        // an empty email (as some service-token assertions carry) falls back too
        c["email"] = "".into();
        let got = check(&jwt(&header(), &c), TEAM, AUD, NOW).unwrap();
        assert_eq!(got.identity.email, "abc123.access");
    }

    #[test]
    fn the_shape_must_be_a_compact_jws() {
        let good = jwt(&header(), &claims());
        let (h, rest) = good.split_once('.').unwrap();
        let (p, s) = rest.split_once('.').unwrap();
        for bad in [
            "",
            "abc",
            "a.b",
            ".b.c",
            "a..c",
            "a.b.c.d",
            &format!("{h}.{p}.{s}."),
        ] {
            assert_eq!(refused(bad), JwtError::NotCompact, "{bad:?}");
        }
        assert_eq!(
            refused(&format!("!!!.{p}.{s}")),
            JwtError::BadBase64 { part: "header" }
        );
        assert_eq!(
            refused(&format!("{h}=.{p}.{s}")),
            JwtError::BadBase64 { part: "header" }
        );
        assert_eq!(
            refused(&format!("{h}.{p}+.{s}")),
            JwtError::BadBase64 { part: "payload" }
        );
        assert_eq!(
            refused(&format!("{h}.{p}.{s}/")),
            JwtError::BadBase64 { part: "signature" }
        );
        let garbage = URL_SAFE_NO_PAD.encode("not json");
        assert_eq!(
            refused(&format!("{garbage}.{p}.{s}")),
            JwtError::BadJson { part: "header" }
        );
        assert_eq!(
            refused(&format!("{h}.{garbage}.{s}")),
            JwtError::BadJson { part: "payload" }
        );
        let array = URL_SAFE_NO_PAD.encode("[]");
        assert_eq!(
            refused(&format!("{array}.{p}.{s}")),
            JwtError::BadJson { part: "header" }
        );
        let dup = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","alg":"none","kid":"k1"}"#);
        assert_eq!(
            refused(&format!("{dup}.{p}.{s}")),
            JwtError::BadJson { part: "header" }
        );
        let long = format!("{h}.{}.{s}", "A".repeat(MAX_JWT_BYTES));
        assert_eq!(refused(&long), JwtError::TooLong);
    }

    #[test]
    fn refusals_never_repeat_the_token() {
        let secretish = with("email", "topsecret@example.com".into());
        let mut c = secretish.clone();
        c["exp"] = 1.into();
        for e in [refused(&jwt(&header(), &c)), refused("topsecret")] {
            let text = e.to_string();
            assert!(!text.contains("topsecret"), "{text}");
        }
    }
}
