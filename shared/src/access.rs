//! Cloudflare Access: the pure half of verifying `Cf-Access-Jwt-Assertion`
//! (decoding, the header and claim checks, the team's key list) and the
//! mapping of identities to roles and scopes (`REGCRED_ACCESS_ROLES`). The
//! signature is checked by the worker with WebCrypto: [`check`] hands it
//! the signing input, the signature and the key id.
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

use crate::roles::Role;
use crate::scope::Scope;

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

/// Keys shorter than this are not trusted (Access's are 2048 bits).
pub const MIN_MODULUS_BITS: usize = 2048;

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
    /// `alg` is missing or not RS256 (`none` and `HS256` included).
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
            JwtError::BadAlg => write!(f, "the JWT's alg is not {ALG}, the only one accepted"),
            JwtError::NoKid => f.write_str("the JWT's header names no key (kid)"),
            JwtError::Critical => f.write_str("the JWT's header has crit extensions, which are not supported"),
            JwtError::WrongAudience => f.write_str("the JWT's aud does not hold REGCRED_ACCESS_AUD (another Access application's token?)"),
            JwtError::WrongIssuer => f.write_str("the JWT's iss is not REGCRED_ACCESS_TEAM_DOMAIN (another team's token?)"),
            JwtError::NoExpiry => f.write_str("the JWT has no exp"),
            JwtError::Expired => f.write_str("the JWT has expired (exp)"),
            JwtError::NotYetValid => f.write_str("the JWT is not valid yet (nbf)"),
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
    email: Option<String>,
    common_name: Option<String>,
}

fn decode(part: &'static str, text: &str) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| JwtError::BadBase64 { part })
}

/// Checks everything about `jwt` but its signature: the header
/// (RS256, a `kid`), `aud` holds `aud`, `iss` equals `team_domain`, `exp`
/// and `nbf` against `now` (unix seconds), and an identity. The caller
/// must still verify [`Checked::signature`] with the key [`Checked::kid`].
pub fn check(jwt: &str, team_domain: &str, aud: &str, now: i64) -> Result<Checked, JwtError> {
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
    if header.alg.as_deref() != Some(ALG) {
        return Err(JwtError::BadAlg);
    }
    if header.crit.is_some() {
        return Err(JwtError::Critical);
    }
    let kid = header
        .kid
        .filter(|k| !k.is_empty())
        .ok_or(JwtError::NoKid)?;
    let claims: Claims = serde_json::from_slice(&decode("payload", p)?)
        .map_err(|_| JwtError::BadJson { part: "payload" })?;
    let signature = decode("signature", s)?;
    let audience_holds = match &claims.aud {
        Some(Audience::One(a)) => a == aud,
        Some(Audience::Many(all)) => all.iter().any(|a| a == aud),
        None => false,
    };
    if aud.is_empty() || !audience_holds {
        return Err(JwtError::WrongAudience);
    }
    if team_domain.is_empty() || claims.iss.as_deref() != Some(team_domain) {
        return Err(JwtError::WrongIssuer);
    }
    let now = now as f64;
    let leeway = LEEWAY_SECONDS as f64;
    let exp = claims.exp.ok_or(JwtError::NoExpiry)?;
    // NaN cannot come out of JSON; infinities fail one way or the other.
    if exp + leeway <= now {
        return Err(JwtError::Expired);
    }
    if claims.nbf.is_some_and(|nbf| nbf - leeway > now) {
        return Err(JwtError::NotYetValid);
    }
    let email = [claims.email, claims.common_name]
        .into_iter()
        .flatten()
        .map(|e| e.trim().to_owned())
        .find(|e| !e.is_empty())
        .ok_or(JwtError::NoIdentity)?;
    Ok(Checked {
        signing_input: format!("{h}.{p}"),
        signature,
        kid,
        identity: Identity { email },
    })
}

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
    let set: KeySet = serde_json::from_str(text)
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

/// Who an entry of `REGCRED_ACCESS_ROLES` names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Who {
    /// One identity (an email, or a service token's Client ID), lowercase.
    Exact(String),
    /// `*@domain`: every email at that domain (not its subdomains), lowercase.
    Domain(String),
    /// `*`: everyone Access lets through.
    Anyone,
}

impl Who {
    fn matches(&self, identity: &str) -> bool {
        match self {
            Who::Exact(e) => identity.eq_ignore_ascii_case(e),
            Who::Domain(d) => identity
                .rsplit_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.eq_ignore_ascii_case(d)),
            Who::Anyone => true,
        }
    }
}

/// `REGCRED_ACCESS_ROLES`: identities (or `*@domain` patterns) to roles and
/// scopes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccessRoles {
    entries: Vec<(Who, Role, Option<Scope>)>,
}

fn identity_char(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !matches!(c, ',' | ':' | '*' | '|')
}

impl AccessRoles {
    /// Parses `identity:role[:scope]` entries separated by commas, e.g.
    /// `alice@example.com:admin,bob@example.com:editor:team-a-*|ci,*@example.com:viewer`.
    ///
    /// - identity: an email (or an Access service token's Client ID, which
    ///   its tokens carry instead), compared without regard to case;
    ///   `*@domain` for every email at exactly that domain; `*` for anyone
    ///   Access lets in.
    /// - role: viewer, editor, puller or admin.
    /// - scope (optional): secret-name patterns separated by `|`, as for
    ///   tokens; an admin entry takes none.
    ///
    /// The first entry that matches, in written order, decides: put exact
    /// identities before the patterns that would also match them.
    pub fn parse(spec: &str) -> Result<AccessRoles, String> {
        let mut entries = Vec::new();
        for (i, part) in spec
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            let n = i + 1;
            let mut fields = part.splitn(3, ':').map(str::trim);
            let (Some(who), Some(role)) = (fields.next(), fields.next()) else {
                return Err(format!(
                    "REGCRED_ACCESS_ROLES entry {n} is not identity:role[:scope] (e.g. alice@example.com:editor or *@example.com:viewer)"
                ));
            };
            let who =
                parse_who(who).map_err(|why| format!("REGCRED_ACCESS_ROLES entry {n}: {why}"))?;
            let role = Role::parse(role).ok_or_else(|| {
                format!("REGCRED_ACCESS_ROLES entry {n}: the role must be viewer, editor, puller or admin")
            })?;
            let scope = match fields.next() {
                None => None,
                Some(s) => Some(Scope::parse_bars(s).map_err(|e| {
                    format!("REGCRED_ACCESS_ROLES entry {n}: {e} (separate patterns with |)")
                })?),
            };
            if role == Role::Admin && scope.is_some() {
                return Err(format!(
                    "REGCRED_ACCESS_ROLES entry {n}: an admin manages every token, so it cannot be limited to a scope; drop the scope or give another role"
                ));
            }
            entries.push((who, role, scope));
        }
        if entries.is_empty() {
            return Err(
                "REGCRED_ACCESS_ROLES holds no entry; set it to identity:role entries such as alice@example.com:admin,*@example.com:viewer".into(),
            );
        }
        Ok(AccessRoles { entries })
    }

    /// The role and scope `email` gets: the first entry that names it.
    pub fn grant(&self, email: &str) -> Option<(Role, Option<Scope>)> {
        self.entries
            .iter()
            .find(|(who, _, _)| who.matches(email))
            .map(|(_, role, scope)| (*role, scope.clone()))
    }
}

fn parse_who(text: &str) -> Result<Who, String> {
    let how = "write an email, *@domain or *";
    if text == "*" {
        return Ok(Who::Anyone);
    }
    if text.is_empty() {
        return Err(format!("the identity is empty; {how}"));
    }
    if let Some(domain) = text.strip_prefix("*@") {
        if domain.is_empty() || !domain.chars().all(identity_char) || domain.contains('@') {
            return Err(format!("\"{text}\" is not *@domain; {how}"));
        }
        return Ok(Who::Domain(domain.to_ascii_lowercase()));
    }
    if !text.chars().all(identity_char) {
        return Err(format!(
            "\"{text}\" has a character an identity cannot hold (space, *, |); {how}"
        ));
    }
    if let Some((local, domain)) = text.rsplit_once('@') {
        if local.is_empty() || domain.is_empty() {
            return Err(format!("\"{text}\" is not an email; {how}"));
        }
    }
    Ok(Who::Exact(text.to_ascii_lowercase()))
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

    #[test]
    fn roles_map_identities_first_match_wins() {
        let roles = AccessRoles::parse(
            "alice@example.com:admin, bob@example.com:editor:team-a-*|ci, *@example.com:viewer, svc.access:puller",
        )
        .unwrap();
        assert_eq!(roles.grant("alice@example.com"), Some((Role::Admin, None)));
        assert_eq!(roles.grant("Alice@Example.COM"), Some((Role::Admin, None)));
        let scope = Scope::parse_bars("team-a-*|ci").unwrap();
        assert_eq!(
            roles.grant("bob@example.com"),
            Some((Role::Editor, Some(scope)))
        );
        assert_eq!(roles.grant("carol@example.com"), Some((Role::Viewer, None)));
        assert_eq!(roles.grant("carol@EXAMPLE.com"), Some((Role::Viewer, None)));
        assert_eq!(roles.grant("carol@sub.example.com"), None);
        assert_eq!(roles.grant("carol@example.com.evil.org"), None);
        assert_eq!(roles.grant("@example.com"), None);
        assert_eq!(roles.grant("carol@other.org"), None);
        assert_eq!(roles.grant("SVC.access"), Some((Role::Puller, None)));
        // written order decides, even when a pattern comes first
        let roles = AccessRoles::parse("*@example.com:viewer,alice@example.com:admin").unwrap();
        assert_eq!(roles.grant("alice@example.com"), Some((Role::Viewer, None)));
        let roles = AccessRoles::parse("alice@example.com:admin,*:viewer:public-*").unwrap();
        assert_eq!(
            roles.grant("anyone@anywhere.org"),
            Some((Role::Viewer, Some(Scope::parse_bars("public-*").unwrap())))
        );
    }

    #[test]
    fn bad_roles_settings_say_which_entry_and_how_to_fix() {
        let err = |spec: &str| AccessRoles::parse(spec).unwrap_err();
        assert!(err("").contains("holds no entry"));
        assert!(err(" , ").contains("holds no entry"));
        let e = err("alice@example.com:admin,bob@example.com");
        assert!(e.contains("entry 2") && e.contains("identity:role"), "{e}");
        let e = err("alice@example.com:root");
        assert!(
            e.contains("entry 1") && e.contains("viewer, editor, puller or admin"),
            "{e}"
        );
        let e = err("a@x.org:viewer,alice@example.com:admin:team-*");
        assert!(
            e.contains("entry 2") && e.contains("admin") && e.contains("scope"),
            "{e}"
        );
        let e = err("bob@example.com:editor:Team-A");
        assert!(e.contains("entry 1") && e.contains("\"Team-A\""), "{e}");
        let e = err("bob@example.com:editor:");
        assert!(e.contains("entry 1") && e.contains("empty"), "{e}");
        for who in [
            "*@",
            "*@a@b",
            "al ice@example.com",
            "a*@example.com",
            "@example.com",
            "alice@",
            ":viewer",
            "**",
        ] {
            let e = err(&format!("{who}:viewer"));
            assert!(
                e.contains("entry 1") && e.contains("*@domain"),
                "{who}: {e}"
            );
        }
    }
}
