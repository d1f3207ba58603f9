//! Workload identity (CONTRACT §10): trust rules that let a CI job or a
//! pod present its own OIDC token instead of a stored one. A rule names an
//! issuer, an audience, claim globs, a role and a scope; a token whose
//! standard claims hold ([`crate::access::read`]) and whose signature the
//! worker verified is matched against the rules in creation order.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::access::{read, JwtError, Token};
use crate::address;
use crate::api::{ApiError, ErrorCode};
use crate::roles::Role;
use crate::scope::{glob, Scope};

/// Signature algorithms a workload token may use.
pub const ALGS: [&str; 2] = ["RS256", "ES256"];
/// Claims a rule may list.
pub const MAX_CLAIMS: usize = 20;

/// A trust rule as stored and listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TrustRule {
    pub label: String,
    /// The token's `iss`, exactly.
    pub issuer: String,
    /// Must be in the token's `aud`.
    pub audience: String,
    /// The key set, when not found through the issuer's discovery document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// Claim name → glob; every one must be present, a string, and match.
    pub claims: std::collections::BTreeMap<String, String>,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<String>>))]
    pub scope: Option<Scope>,
}

/// A rule as the API answers a create and lists it: its id, then the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkloadIdentity {
    /// 16 hex digits: names the rule for `DELETE`.
    pub id: String,
    #[serde(flatten)]
    pub rule: TrustRule,
}

/// `GET /v2/admin/workloadIdentities`, in creation order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkloadIdentityList {
    pub count: u64,
    pub resources: Vec<WorkloadIdentity>,
}

fn error(field: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequestBody, message).with_target(field.to_owned())
}

fn url_field(
    map: &Map<String, Value>,
    field: &str,
    allow_loopback: bool,
) -> Result<Option<String>, ApiError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(u)) => {
            // The Access rails: https, or http to loopback in tests; no
            // private addresses. Nothing is fetched until a token names it.
            address::vet_url(u, allow_loopback)
                .map_err(|r| error(field, format!("\"{field}\": {r}")))?;
            Ok(Some(u.trim_end_matches('/').to_owned()))
        }
        Some(_) => Err(error(field, format!("\"{field}\" must be a URL string"))),
    }
}

/// Parses a `POST /v2/admin/workloadIdentities` body.
pub fn parse_rule(body: &[u8], allow_loopback: bool) -> Result<TrustRule, ApiError> {
    const SHAPE: &str = r#"{"label", "issuer", "audience", "jwksUri"?, "claims": {"<claim>": "<glob>"}, "role", "scope"?}"#;
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Err(error(
            "body",
            format!("the body must be a JSON object: {SHAPE}"),
        ));
    };
    if let Some(k) = map.keys().find(|k| {
        ![
            "label", "issuer", "audience", "jwksUri", "claims", "role", "scope",
        ]
        .contains(&k.as_str())
    }) {
        return Err(error(k, format!("unknown field \"{k}\"; send {SHAPE}")));
    }
    let text = |field: &str| -> Result<String, ApiError> {
        match map.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 512 => {
                Ok(s.trim().to_owned())
            }
            _ => Err(error(
                field,
                format!("\"{field}\" is a non-empty string; send {SHAPE}"),
            )),
        }
    };
    let label = text("label")?;
    crate::apitoken::check_label(&label).map_err(|m| error("label", m))?;
    text("issuer")?;
    let issuer = url_field(&map, "issuer", allow_loopback)?.unwrap_or_default();
    let audience = text("audience")?;
    let jwks_uri = url_field(&map, "jwksUri", allow_loopback)?;
    let claims = match map.get("claims") {
        Some(Value::Object(c)) if !c.is_empty() && c.len() <= MAX_CLAIMS => c
            .iter()
            .map(|(k, v)| match v {
                Value::String(g) if !g.is_empty() && g.len() <= 512 => Ok((k.clone(), g.clone())),
                _ => Err(error(
                    &format!("claims.{k}"),
                    format!("\"claims\".\"{k}\" is a glob string, e.g. \"acme/team-a-*\""),
                )),
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(error(
                "claims",
                format!("\"claims\" names 1 to {MAX_CLAIMS} claims and their globs, e.g. {{\"repository\": \"acme/*\", \"ref\": \"refs/heads/main\"}}: a rule with none would trust every token of the issuer"),
            ))
        }
    };
    let role = match Role::parse(&text("role")?) {
        Some(Role::Admin) => {
            return Err(error(
                "role",
                "a workload may be a viewer, puller or editor, never an admin".into(),
            ))
        }
        Some(r) => r,
        None => return Err(error("role", "\"role\" is viewer, puller or editor".into())),
    };
    let scope = Scope::from_json(map.get("scope")).map_err(|m| error("scope", m))?;
    Ok(TrustRule {
        label,
        issuer,
        audience,
        jwks_uri,
        claims,
        role,
        scope,
    })
}

impl TrustRule {
    /// `name=glob` pairs joined by `sep`, as the CLI and the console show them.
    pub fn claims_text(&self, sep: &str) -> String {
        self.claims
            .iter()
            .map(|(name, glob)| format!("{name}={glob}"))
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// Whether every listed claim is present, a string, and matches.
    pub fn matches(&self, claims: &Map<String, Value>) -> bool {
        self.claims.iter().all(|(name, pattern)| {
            claims
                .get(name)
                .and_then(Value::as_str)
                .is_some_and(|v| glob(pattern.as_bytes(), v.as_bytes()))
        })
    }
}

/// The token's issuer, read before anything else is checked, to find the
/// rules (and keys) that could apply; `None` for anything not a JWT.
pub fn issuer_of(jwt: &str) -> Option<String> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims["iss"].as_str().map(str::to_owned)
}

/// The token's `exp` (unix seconds), unverified: how long an answer made
/// with it may be cached.
pub fn exp_of(jwt: &str) -> Option<i64> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims["exp"].as_f64().map(|e| e as i64)
}

/// Checks the header and standard claims of `jwt` for `rule` at `now`
/// (unix seconds); the caller verifies the signature before believing it.
pub fn check_for(jwt: &str, rule: &TrustRule, now: i64) -> Result<Token, JwtError> {
    read(jwt, &ALGS, &rule.issuer, &rule.audience, now)
}

/// The first rule, in creation order, whose issuer and audience the token
/// holds and whose claims match: it decides.
pub fn first_match<'a>(
    rules: &'a [TrustRule],
    token: &Token,
    issuer: &str,
) -> Option<&'a TrustRule> {
    rules
        .iter()
        .filter(|r| r.issuer == issuer)
        .find(|r| token_has_audience(token, &r.audience) && r.matches(&token.claims))
}

fn token_has_audience(token: &Token, audience: &str) -> bool {
    match token.claims.get("aud") {
        Some(Value::String(a)) => a == audience,
        Some(Value::Array(all)) => all.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    }
}

/// A verifying key of a workload issuer's key set, its fields base64url as
/// WebCrypto's `importKey("jwk", …)` takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkloadKey {
    Rsa { kid: String, n: String, e: String },
    Ec { kid: String, x: String, y: String },
}

impl WorkloadKey {
    pub fn kid(&self) -> &str {
        match self {
            WorkloadKey::Rsa { kid, .. } | WorkloadKey::Ec { kid, .. } => kid,
        }
    }

    /// The only algorithm the key verifies.
    pub fn alg(&self) -> &'static str {
        match self {
            WorkloadKey::Rsa { .. } => "RS256",
            WorkloadKey::Ec { .. } => "ES256",
        }
    }
}

/// The RS256 (RSA of at least 2048 bits) and ES256 (EC P-256) signing keys
/// of a key set `{"keys": [JWK…]}`; other keys are left out, so one odd
/// key never hides the others.
pub fn parse_key_set(text: &str) -> Result<Vec<WorkloadKey>, String> {
    let v: Value = serde_json::from_slice(text.as_bytes())
        .map_err(|_| "the key set is not JSON".to_owned())?;
    let Some(keys) = v.get("keys").and_then(Value::as_array) else {
        return Err("the key set is not {\"keys\": [...]}".to_owned());
    };
    let rsa = crate::access::parse_keys(text)?
        .into_iter()
        .map(|k| WorkloadKey::Rsa {
            kid: k.kid,
            n: k.n,
            e: k.e,
        });
    let text_of = |k: &Value, f: &str| k.get(f).and_then(Value::as_str).map(str::to_owned);
    let ec = keys.iter().filter_map(|k| {
        let usable = text_of(k, "kty").as_deref() == Some("EC")
            && text_of(k, "crv").as_deref() == Some("P-256")
            && text_of(k, "alg").as_deref().is_none_or(|a| a == "ES256")
            && text_of(k, "use").as_deref().is_none_or(|u| u == "sig");
        let (kid, x, y) = (text_of(k, "kid")?, text_of(k, "x")?, text_of(k, "y")?);
        (usable && !kid.is_empty()).then_some(WorkloadKey::Ec { kid, x, y })
    });
    Ok(rsa.chain(ec).collect())
}

/// The `jwks_uri` of an issuer's discovery document, whose `issuer` must
/// be the one asked.
pub fn jwks_uri_of(discovery: &str, issuer: &str) -> Result<String, String> {
    let v: Value = serde_json::from_slice(discovery.as_bytes())
        .map_err(|_| format!("{issuer}'s discovery document is not JSON"))?;
    if v.get("issuer")
        .and_then(Value::as_str)
        .map(|i| i.trim_end_matches('/'))
        != Some(issuer.trim_end_matches('/'))
    {
        return Err(format!(
            "{issuer}'s discovery document names another issuer"
        ));
    }
    v.get("jwks_uri")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("{issuer}'s discovery document has no jwks_uri"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use serde_json::json;

    fn rule(body: Value) -> Result<TrustRule, ApiError> {
        parse_rule(body.to_string().as_bytes(), true)
    }

    fn jwt(header: Value, claims: Value) -> String {
        let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.c2ln", part(&header), part(&claims))
    }

    const GH: &str = "http://127.0.0.1:7000";

    fn github() -> TrustRule {
        rule(json!({"label": "ci team a", "issuer": GH, "audience": "regcred",
            "claims": {"repository": "acme/team-a-*", "ref": "refs/heads/main"}, "role": "puller", "scope": ["team-a-*"]}))
        .unwrap()
    }

    #[test]
    fn key_sets_keep_rsa_and_p256_keys_and_discovery_names_its_issuer() {
        let n = URL_SAFE_NO_PAD.encode([0xffu8; 256]);
        let set = json!({"keys": [
            {"kty": "RSA", "kid": "r", "n": n, "e": "AQAB", "alg": "RS256"},
            {"kty": "EC", "crv": "P-256", "kid": "e", "x": "eA", "y": "eQ"},
            {"kty": "EC", "crv": "P-384", "kid": "big", "x": "eA", "y": "eQ"},
            {"kty": "oct", "kid": "h", "k": "c2VjcmV0"}]});
        let keys = parse_key_set(&set.to_string()).unwrap();
        let kinds: Vec<(&str, &str)> = keys.iter().map(|k| (k.kid(), k.alg())).collect();
        assert_eq!(kinds, vec![("r", "RS256"), ("e", "ES256")]);
        let d = json!({"issuer": GH, "jwks_uri": format!("{GH}/jwks")}).to_string();
        assert_eq!(jwks_uri_of(&d, GH).unwrap(), format!("{GH}/jwks"));
        assert!(jwks_uri_of(&d, "https://other.example").is_err());
    }

    #[test]
    fn rules_refuse_admin_no_claims_and_private_issuers() {
        assert_eq!(github().role, Role::Puller);
        let refused = |b: Value| rule(b).unwrap_err().target.unwrap_or_default();
        let base = json!({"label": "x", "issuer": GH, "audience": "a", "claims": {"sub": "*"}, "role": "puller"});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        assert_eq!(refused(with("role", json!("admin"))), "role");
        assert_eq!(refused(with("claims", json!({}))), "claims");
        assert_eq!(
            refused(with("issuer", json!("http://token.example.com"))),
            "issuer"
        );
        assert_eq!(
            refused(with("jwksUri", json!("https://10.0.0.1/keys"))),
            "jwksUri"
        );
        assert_eq!(refused(with("scope", json!(["Bad!"]))), "scope");
        assert_eq!(refused(with("extra", json!(1))), "extra");
    }

    #[test]
    fn claims_match_by_glob_and_every_one_must_hold() {
        let r = github();
        let claims = |repo: Value, r#ref: &str| {
            json!({"repository": repo, "ref": r#ref})
                .as_object()
                .unwrap()
                .clone()
        };
        assert!(r.matches(&claims(json!("acme/team-a-api"), "refs/heads/main")));
        assert!(!r.matches(&claims(json!("acme/team-b-api"), "refs/heads/main")));
        assert!(!r.matches(&claims(json!("acme/team-a-api"), "refs/heads/dev")));
        assert!(
            !r.matches(&claims(json!(7), "refs/heads/main")),
            "not a string"
        );
        let k8s = rule(
            json!({"label": "builds", "issuer": GH, "audience": "regcred",
            "claims": {"sub": "system:serviceaccount:build:*"}, "role": "puller"}),
        )
        .unwrap();
        let sa = json!({"sub": "system:serviceaccount:build:kaniko"});
        assert!(k8s.matches(sa.as_object().unwrap()), "* spans ':'");
    }

    #[test]
    fn tokens_are_checked_then_matched_in_creation_order() {
        let now = 1_795_392_000;
        let claims = json!({"iss": GH, "aud": ["regcred", "other"], "exp": now + 300, "iat": now,
            "repository": "acme/team-a-api", "ref": "refs/heads/main", "sub": "repo:acme/team-a-api"});
        let good = jwt(json!({"alg": "ES256", "kid": "k1"}), claims.clone());
        assert_eq!(issuer_of(&good).as_deref(), Some(GH));
        let rules = [github(), rule(json!({"label": "any", "issuer": GH, "audience": "regcred", "claims": {"sub": "*"}, "role": "viewer"})).unwrap()];
        let token = check_for(&good, &rules[0], now).unwrap();
        assert_eq!(first_match(&rules, &token, GH).unwrap().label, "ci team a");
        for (header, claims, why) in [
            (
                json!({"alg": "none", "kid": "k1"}),
                claims.clone(),
                "alg none",
            ),
            (
                json!({"alg": "HS256", "kid": "k1"}),
                claims.clone(),
                "HS256",
            ),
            (
                json!({"alg": "RS256", "kid": "k1"}),
                json!({"iss": GH, "aud": "regcred", "exp": now - 61}),
                "expired",
            ),
            (
                json!({"alg": "RS256", "kid": "k1"}),
                json!({"iss": GH, "aud": "regcred", "exp": now + 300, "nbf": now + 61}),
                "not yet",
            ),
            (
                json!({"alg": "RS256", "kid": "k1"}),
                json!({"iss": GH, "aud": "regcred", "exp": now + 300, "iat": now + 61}),
                "iat ahead",
            ),
            (
                json!({"alg": "RS256", "kid": "k1"}),
                json!({"iss": GH, "aud": "elsewhere", "exp": now + 300}),
                "wrong aud",
            ),
            (
                json!({"alg": "RS256", "kid": "k1"}),
                json!({"iss": "http://127.0.0.1:7001", "aud": "regcred", "exp": now + 300}),
                "wrong iss",
            ),
            (json!({"alg": "RS256"}), claims.clone(), "no kid"),
        ] {
            assert!(
                check_for(&jwt(header, claims), &rules[0], now).is_err(),
                "{why}"
            );
        }
    }
}
