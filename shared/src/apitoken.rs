//! Managed API tokens (not Docker auth tokens): their shape, the wire types
//! of `/v2/admin/tokens`, and the rules a create request must meet.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::{ApiError, ErrorCode};
use crate::roles::Role;
use crate::scope::Scope;
use crate::time::Timestamp;

pub const TOKEN_PREFIX: &str = "rc_";
/// 192 bits of randomness per token.
pub const TOKEN_RANDOM_BYTES: usize = 24;
/// What a secret scanner looks for (also the shape of `xtask dev`'s tokens).
pub const TOKEN_PATTERN: &str = r"\brc_[0-9a-f]{48}\b";
pub const MAX_LABEL_LEN: usize = 64;
/// How many hex digits of the token's SHA-256 name it (`id`).
pub const ID_HEX_LEN: usize = 16;

/// A token from its random bytes (the caller draws them; shared has no
/// randomness).
pub fn format_token(random: &[u8; TOKEN_RANDOM_BYTES]) -> String {
    format!("{TOKEN_PREFIX}{}", hex(random))
}

/// Lowercase hex, as tokens and their digests are written.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `s` has the shape of an id the API hands out (a managed
/// token's, a webhook receiver's, a workload identity rule's): 16
/// lowercase hex digits. Anything else is a 404 without a storage read.
pub fn is_id(s: &str) -> bool {
    s.len() == ID_HEX_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `s` has the shape of a managed token. Anything else is refused
/// without a storage read.
pub fn is_token_shaped(s: &str) -> bool {
    s.strip_prefix(TOKEN_PREFIX).is_some_and(|hex| {
        hex.len() == 2 * TOKEN_RANDOM_BYTES
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// `POST /v2/admin/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenRequest {
    /// Names the caller in answers and the audit trail.
    pub label: String,
    pub role: Role,
    /// Secret-name patterns (`team-a-*`, exact names); absent: every secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
    /// RFC 3339; absent: the token does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// A managed token as `GET /v2/admin/tokens` shows it: never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    /// The first 16 hex digits of the token's SHA-256: names it for revocation.
    pub id: String,
    pub label: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<String>>))]
    pub scope: Option<Scope>,
    pub created_at: String,
    /// The label of the token (or identity) that created it.
    pub created_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The hour it was last used in (RFC 3339, minutes and seconds zero).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
}

/// The answer of a create: the token, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenList {
    pub count: u64,
    pub resources: Vec<TokenInfo>,
}

/// A create request that meets every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidToken {
    pub label: String,
    pub role: Role,
    pub scope: Option<Scope>,
    pub expires_at: Option<Timestamp>,
}

const SHAPE: &str = r#"{"label": "ci-runner", "role": "puller", "scope": ["team-a-*"], "expiresAt": "2027-01-01T00:00:00Z"}"#;

fn invalid(target: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequestBody, message).with_target(target)
}

fn label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | ' ')
}

/// Checks a token label: it names a caller in the audit trail and in
/// `REGCRED_TOKENS`-style lists, so it is short, printable and holds no
/// separator (`:` or `,`).
pub fn check_label(label: &str) -> Result<(), String> {
    let label = label.trim();
    if label.is_empty() {
        return Err("the label is empty; name who will use the token (e.g. ci-runner)".into());
    }
    if label.chars().count() > MAX_LABEL_LEN {
        return Err(format!(
            "the label has {} characters; at most {MAX_LABEL_LEN} are allowed",
            label.chars().count()
        ));
    }
    if let Some((i, c)) = label.chars().enumerate().find(|(_, c)| !label_char(*c)) {
        return Err(format!(
            "the label has '{c}' at position {}; use letters, digits, spaces and - _ . @",
            i + 1
        ));
    }
    Ok(())
}

/// Validates a create body field by field; `now` decides whether an expiry
/// is in the future.
pub fn parse_create_token(body: &[u8], now: Timestamp) -> Result<ValidToken, ApiError> {
    let map: Map<String, Value> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            return Err(invalid(
                "body",
                format!("the body must be a JSON object: {SHAPE}"),
            ))
        }
        Err(e) => {
            return Err(invalid(
                "body",
                format!("the body is not valid JSON ({e}); send {SHAPE}"),
            ))
        }
    };
    if let Some(k) = map
        .keys()
        .find(|k| !matches!(k.as_str(), "label" | "role" | "scope" | "expiresAt"))
    {
        return Err(invalid(
            k,
            format!("\"{k}\" is not a token field; send only label, role, scope and expiresAt"),
        ));
    }
    let label = match map.get("label") {
        Some(Value::String(s)) => s.trim().to_owned(),
        _ => {
            return Err(invalid(
                "label",
                format!("\"label\" must be a string: {SHAPE}"),
            ))
        }
    };
    check_label(&label).map_err(|m| invalid("label", m))?;
    let role = match map.get("role") {
        Some(Value::String(s)) => Role::parse(s).ok_or_else(|| {
            invalid(
                "role",
                format!("\"role\" is \"{s}\"; use viewer, editor, puller or admin"),
            )
        })?,
        _ => {
            return Err(invalid(
                "role",
                "\"role\" must be one of viewer, editor, puller, admin".into(),
            ))
        }
    };
    let scope = Scope::from_json(map.get("scope")).map_err(|m| invalid("scope", m))?;
    if role == Role::Admin && scope.is_some() {
        return Err(invalid(
            "scope",
            "an admin token manages every token, so it cannot be limited to a scope; give it no scope or another role".into(),
        ));
    }
    let expires_at = match map.get("expiresAt") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            let t = Timestamp::parse(s)
                .map_err(|e| invalid("expiresAt", format!("\"expiresAt\": {e}")))?;
            if t <= now {
                return Err(invalid(
                    "expiresAt",
                    format!("\"expiresAt\" ({s}) is not in the future; a token must be usable when it is made"),
                ));
            }
            Some(t)
        }
        Some(_) => {
            return Err(invalid(
                "expiresAt",
                "\"expiresAt\" must be an RFC 3339 date-time string".into(),
            ))
        }
    };
    Ok(ValidToken {
        label,
        role,
        scope,
        expires_at,
    })
}

/// The start of the hour `t` is in, as RFC 3339: last-used times are kept to
/// the hour, so a token in steady use is written once an hour, not per call.
pub fn hour_of(t: Timestamp) -> String {
    let s = t.unix_seconds();
    Timestamp::from_unix_seconds(s - s.rem_euclid(3600)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::parse("2026-12-01T12:30:00Z").unwrap()
    }

    fn parse(body: &str) -> Result<ValidToken, ApiError> {
        parse_create_token(body.as_bytes(), now())
    }

    #[test]
    fn shape() {
        let t = format_token(&[0xab; TOKEN_RANDOM_BYTES]);
        assert_eq!(t.len(), 51);
        assert!(is_token_shaped(&t) && t.starts_with("rc_abab"));
        assert!(!is_token_shaped("rc_ABAB") && !is_token_shaped(&t[..50]));
        assert!(!is_token_shaped(&format!("{t}0")) && !is_token_shaped("xx_"));
    }

    #[test]
    fn parses_a_full_request() {
        let v = parse(r#"{"label":"ci runner","role":"puller","scope":["team-a-*"],"expiresAt":"2027-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!(v.label, "ci runner");
        assert_eq!(v.role, Role::Puller);
        assert!(v.scope.unwrap().allows("team-a-x"));
        assert!(v.expires_at.is_some());
        let v = parse(r#"{"label":"ops","role":"admin"}"#).unwrap();
        assert_eq!((v.scope, v.expires_at), (None, None));
    }

    #[test]
    fn each_rule_names_its_field() {
        for (body, target) in [
            ("[]", "body"),
            ("{", "body"),
            (r#"{"label":"a","role":"viewer","x":1}"#, "x"),
            (r#"{"role":"viewer"}"#, "label"),
            (r#"{"label":"a:b","role":"viewer"}"#, "label"),
            (r#"{"label":"a","role":"root"}"#, "role"),
            (r#"{"label":"a","role":"viewer","scope":"team-*"}"#, "scope"),
            (r#"{"label":"a","role":"viewer","scope":[]}"#, "scope"),
            (r#"{"label":"a","role":"viewer","scope":["A"]}"#, "scope"),
            (r#"{"label":"a","role":"admin","scope":["a-*"]}"#, "scope"),
            (
                r#"{"label":"a","role":"viewer","expiresAt":"2020-01-01T00:00:00Z"}"#,
                "expiresAt",
            ),
            (
                r#"{"label":"a","role":"viewer","expiresAt":"soon"}"#,
                "expiresAt",
            ),
        ] {
            let e = parse(body).unwrap_err();
            assert_eq!(e.target.as_deref(), Some(target), "{body}: {}", e.message);
            assert_eq!(e.code, ErrorCode::InvalidRequestBody);
        }
    }

    #[test]
    fn hours() {
        assert_eq!(hour_of(now()), "2026-12-01T12:00:00Z");
    }

    #[test]
    fn created_token_flattens() {
        let info = TokenInfo {
            id: "0123456789abcdef".into(),
            label: "ci".into(),
            role: Role::Puller,
            scope: Some(Scope::parse(["a-*"]).unwrap()),
            created_at: "2026-12-01T12:30:00Z".into(),
            created_by: "ops".into(),
            expires_at: None,
            last_used: None,
        };
        let json = serde_json::to_value(CreatedToken {
            token: "rc_x".into(),
            info,
        })
        .unwrap();
        assert_eq!(json["token"], "rc_x");
        assert_eq!(json["scope"][0], "a-*");
        assert_eq!(json["createdBy"], "ops");
    }
}
