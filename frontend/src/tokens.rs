//! The Tokens page as plain data: the create form (its fields, the request
//! it sends, each field's problem by `shared`'s rules) and a token's row.

use shared::apitoken::{parse_create_token, CreateTokenRequest, TokenInfo};
use shared::time::Timestamp;
use shared::Role;

use crate::form::FieldError;

/// What the user typed into the create form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenForm {
    pub label: String,
    pub role: Role,
    /// Secret-name patterns, separated by commas or new lines.
    pub scope: String,
    /// Optional expiry, as a date input gives it (YYYY-MM-DD).
    pub expires: String,
}

impl Default for TokenForm {
    /// A puller: the token most often made (CI, kubelets), and the least
    /// it can do.
    fn default() -> Self {
        TokenForm {
            label: String::new(),
            role: Role::Puller,
            scope: String::new(),
            expires: String::new(),
        }
    }
}

/// The patterns of a scope field: split at commas and line ends, trimmed,
/// empty pieces dropped. No pattern at all means "every secret".
pub fn scope_patterns(text: &str) -> Option<Vec<String>> {
    let patterns: Vec<String> = text
        .split([',', '\n', '\r'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    (!patterns.is_empty()).then_some(patterns)
}

/// Where an error's `target` (a body field) belongs on the form.
pub fn field_for(target: Option<&str>) -> &'static str {
    match target {
        Some("label") => "label",
        Some("role") => "role",
        Some("scope") => "scope",
        Some("expiresAt") => "expires",
        _ => "form",
    }
}

impl TokenForm {
    /// The body to send. The expiry is the typed date's start (00:00 UTC)
    /// when it reads as one, else the text as typed, for the rules to name.
    pub fn request(&self) -> CreateTokenRequest {
        let expires = self.expires.trim();
        CreateTokenRequest {
            label: self.label.trim().to_owned(),
            role: self.role,
            scope: scope_patterns(&self.scope),
            expires_at: (!expires.is_empty()).then(|| {
                Timestamp::parse(expires).map_or_else(|_| expires.to_owned(), |t| t.to_string())
            }),
        }
    }

    /// Every field's problem, by the rules the API applies
    /// (`shared::apitoken::parse_create_token`). That check stops at the
    /// first problem, so a field found wrong is swapped for a valid value
    /// and the check runs again, until the rest passes.
    pub fn errors(&self, now: Timestamp) -> Vec<FieldError> {
        let mut request = self.request();
        let mut errors: Vec<FieldError> = Vec::new();
        for _ in 0..4 {
            let Ok(body) = serde_json::to_vec(&request) else {
                break;
            };
            let Err(e) = parse_create_token(&body, now) else {
                break;
            };
            let field = field_for(e.target.as_deref());
            if errors.iter().any(|f| f.field == field) {
                break;
            }
            errors.push(FieldError {
                field,
                message: e.message,
            });
            match field {
                "label" => request.label = "x".into(),
                "scope" => request.scope = None,
                "expires" => request.expires_at = None,
                _ => break,
            }
        }
        errors
    }

    /// The request, if every field passes.
    pub fn check(&self, now: Timestamp) -> Result<CreateTokenRequest, Vec<FieldError>> {
        let errors = self.errors(now);
        if errors.is_empty() {
            Ok(self.request())
        } else {
            Err(errors)
        }
    }
}

/// What each role may do, for the role picker.
pub fn role_hint(role: Role) -> &'static str {
    match role {
        Role::Viewer => "lists secrets and reads their metadata, never credentials",
        Role::Editor => "creates, edits and deletes secrets, checks logins, reads the activity",
        Role::Puller => {
            "reads one secret's credentials by name (CI, kubelets, docker login); cannot list"
        }
        Role::Admin => "an editor that also manages API tokens; cannot be limited to a scope",
    }
}

/// A token's scope in words.
pub fn scope_text(scope: Option<&shared::Scope>) -> String {
    scope.map_or_else(|| "all secrets".to_owned(), ToString::to_string)
}

/// One row of the token table, as the cells show it. Times are UTC (the
/// column heads say so), to the minute; the last use to the hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: String,
    pub label: String,
    pub role: &'static str,
    pub scope: String,
    pub created: String,
    pub created_by: String,
    pub expires: String,
    pub last_used: String,
}

pub fn row(t: &TokenInfo) -> TokenRow {
    TokenRow {
        id: t.id.clone(),
        label: t.label.clone(),
        role: t.role.as_str(),
        scope: scope_text(t.scope.as_ref()),
        created: minute(&t.created_at),
        created_by: t.created_by.clone(),
        expires: t
            .expires_at
            .as_deref()
            .map_or_else(|| "never".to_owned(), minute),
        last_used: t
            .last_used
            .as_deref()
            .map_or_else(|| "never".to_owned(), hour_label),
    }
}

/// `2026-11-23T01:02:03Z` → `2026-11-23 01:02`.
fn minute(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        _ => rfc3339.to_owned(),
    }
}

/// Last use is kept to the hour: `2026-12-01T12:00:00Z` → `2026-12-01 12:00–13:00`.
pub fn hour_label(rfc3339: &str) -> String {
    match (
        rfc3339.get(..10),
        rfc3339.get(11..13).and_then(|h| h.parse::<u8>().ok()),
    ) {
        (Some(d), Some(h)) if h < 24 => format!("{d} {h:02}:00–{:02}:00", (h + 1) % 24),
        _ => rfc3339.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::error_for;

    fn now() -> Timestamp {
        Timestamp::parse("2026-12-01T12:30:00Z").unwrap()
    }

    fn form(label: &str, role: Role, scope: &str, expires: &str) -> TokenForm {
        TokenForm {
            label: label.into(),
            role,
            scope: scope.into(),
            expires: expires.into(),
        }
    }

    #[test]
    fn scope_fields_split_at_commas_and_lines() {
        assert_eq!(scope_patterns(""), None);
        assert_eq!(scope_patterns(" ,\n "), None);
        assert_eq!(
            scope_patterns("team-a-*, ci-pull\r\n*-prod,"),
            Some(vec!["team-a-*".into(), "ci-pull".into(), "*-prod".into()])
        );
    }

    #[test]
    fn a_good_form_is_the_request_the_api_takes() {
        let r = form(" ci runner ", Role::Puller, "team-a-*", "2027-01-02")
            .check(now())
            .unwrap();
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({"label": "ci runner", "role": "puller",
                "scope": ["team-a-*"], "expiresAt": "2027-01-02T00:00:00Z"})
        );
        let r = form("ops", Role::Admin, "", "").check(now()).unwrap();
        assert_eq!((r.scope, r.expires_at), (None, None));
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let errs = form("", Role::Viewer, "Team-A", "2020-01-01")
            .check(now())
            .unwrap_err();
        assert!(error_for(&errs, "label").unwrap().contains("empty"));
        assert!(error_for(&errs, "scope").unwrap().contains("'T'"));
        assert!(error_for(&errs, "expires")
            .unwrap()
            .contains("not in the future"));
        let errs = form("a:b", Role::Editor, "", "soon").errors(now());
        assert_eq!(errs.len(), 2);
        assert!(error_for(&errs, "expires").is_some());
    }

    #[test]
    fn an_admin_cannot_be_scoped() {
        let errs = form("ops", Role::Admin, "team-a-*", "").errors(now());
        assert_eq!(errs.len(), 1);
        assert!(error_for(&errs, "scope").unwrap().contains("admin"));
    }

    #[test]
    fn api_targets_land_on_their_field() {
        assert_eq!(field_for(Some("expiresAt")), "expires");
        assert_eq!(field_for(Some("scope")), "scope");
        assert_eq!(field_for(Some("body")), "form");
        assert_eq!(field_for(None), "form");
    }

    #[test]
    fn rows_say_never_and_all_secrets() {
        let mut t = TokenInfo {
            id: "0123456789abcdef".into(),
            label: "ci".into(),
            role: Role::Puller,
            scope: None,
            created_at: "2026-12-01T12:30:05Z".into(),
            created_by: "test-admin".into(),
            expires_at: None,
            last_used: None,
        };
        let r = row(&t);
        assert_eq!(
            (
                r.role,
                r.scope.as_str(),
                r.expires.as_str(),
                r.last_used.as_str()
            ),
            ("puller", "all secrets", "never", "never")
        );
        assert_eq!(r.created, "2026-12-01 12:30");
        t.scope = Some(shared::Scope::parse(["team-a-*", "ci"]).unwrap());
        t.expires_at = Some("2027-01-01T00:00:00Z".into());
        t.last_used = Some("2026-12-01T23:00:00Z".into());
        let r = row(&t);
        assert_eq!(r.scope, "team-a-*, ci");
        assert_eq!(r.expires, "2027-01-01 00:00");
        assert_eq!(r.last_used, "2026-12-01 23:00–00:00");
        assert_eq!(hour_label("bad"), "bad");
    }

    #[test]
    fn every_role_is_explained() {
        for r in Role::ALL {
            assert!(!role_hint(r).is_empty());
        }
    }
}
