//! `regcred token create | list | revoke`: managed API tokens (admin token).
//! A made token is printed once, to stdout, and kept nowhere: not in the
//! config file, not in an error message.

use std::io::IsTerminal;

use shared::api::IdMessageResponse;
use shared::apitoken::{
    check_label, is_token_shaped, parse_create_token, CreateTokenRequest, CreatedToken, TokenInfo,
    TokenList,
};
use shared::time::Timestamp;
use shared::{Role, Scope};

use crate::client::{encode, Api};
use crate::cmd::print;
use crate::error::{CliError, Result};
use crate::output::{table, Format};
use crate::prompt;

const TOKENS: &str = "/v2/admin/tokens";

/// `90d`, `12h`, `2w`, `30m`, `1d12h`: seconds, or `None` when `s` is not
/// such a duration.
pub fn duration_secs(s: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return None,
        };
        let n: i64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
    }
    (digits.is_empty() && total > 0).then_some(total)
}

/// `--expires`: a date (shared's `Timestamp` rules) or a duration from `now`.
pub fn expiry(raw: &str, now: Timestamp) -> Result<Timestamp> {
    let raw = raw.trim();
    if let Ok(t) = Timestamp::parse(raw) {
        return Ok(t);
    }
    match duration_secs(raw) {
        Some(secs) => Ok(Timestamp::from_unix_seconds(now.unix_seconds() + secs)),
        None => Err(CliError::usage(format!(
            "--expires: {raw:?} is neither a date (2027-06-30 or 2027-06-30T12:00:00Z) nor a duration from now (90d, 12h, 2w, 1d12h; m is minutes)"
        ))),
    }
}

/// The create body the arguments describe, checked by `shared` with the
/// rules the API applies, so a mistake is a usage error before anything is
/// sent.
pub fn create_request(
    label: &str,
    role: Role,
    scope: &[String],
    expires: Option<&str>,
    now: Timestamp,
) -> Result<CreateTokenRequest> {
    // shared's messages start with "the label".
    check_label(label).map_err(CliError::usage)?;
    let scope = if scope.is_empty() {
        None
    } else {
        let parsed = Scope::parse(scope).map_err(|e| CliError::usage(format!("--scope: {e}")))?;
        Some(parsed.patterns().to_vec())
    };
    let request = CreateTokenRequest {
        label: label.trim().to_owned(),
        role,
        scope,
        expires_at: expires
            .map(|e| expiry(e, now).map(|t| t.to_string()))
            .transpose()?,
    };
    // What is left (an admin with a scope, an expiry in the past) is the
    // API's own check, run here first.
    let body = serde_json::to_vec(&request).map_err(|e| CliError::new(e.to_string()))?;
    parse_create_token(&body, now).map_err(|e| {
        let flag = match e.target.as_deref() {
            Some("scope") => "--scope: ",
            Some("expiresAt") => "--expires: ",
            _ => "",
        };
        CliError::usage(format!("{flag}{}", e.message))
    })?;
    Ok(request)
}

fn scope_text(scope: Option<&Scope>) -> String {
    scope.map_or_else(|| "-".into(), |s| s.patterns().join(","))
}

pub fn row(t: &TokenInfo) -> Vec<String> {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    vec![
        t.id.clone(),
        t.label.clone(),
        t.role.to_string(),
        scope_text(t.scope.as_ref()),
        t.created_at.clone(),
        or_dash(&t.expires_at),
        or_dash(&t.last_used),
    ]
}

pub const HEADERS: [&str; 7] = [
    "id",
    "label",
    "role",
    "scope",
    "created",
    "expires",
    "last used",
];

/// The line the default output puts before the token.
pub fn created_line(t: &TokenInfo) -> String {
    let mut line = format!("token {} created (id {}, role {}", t.label, t.id, t.role);
    if let Some(s) = &t.scope {
        line.push_str(&format!(", scope {}", s.patterns().join(",")));
    }
    if let Some(e) = &t.expires_at {
        line.push_str(&format!(", expires {e}"));
    }
    line.push_str("):");
    line
}

pub fn create(
    api: &Api,
    label: &str,
    role: Role,
    scope: &[String],
    expires: Option<&str>,
    output: Format,
) -> Result<()> {
    let request = create_request(label, role, scope, expires, crate::clock::now())?;
    let created: CreatedToken = api.post(TOKENS, &request)?;
    let value = serde_json::to_value(&created).map_err(|e| CliError::new(e.to_string()))?;
    print(
        output,
        &value,
        || format!("{}\n{}\n", created_line(&created.info), created.token),
        || vec![created.token.clone()],
    )?;
    if std::io::stderr().is_terminal() {
        eprintln!(
            "regcred: store the token now: it is shown only this once and cannot be shown again"
        );
    }
    Ok(())
}

pub fn list(api: &Api, output: Format) -> Result<()> {
    let list: TokenList = api.get(TOKENS)?;
    let value = serde_json::to_value(&list).map_err(|e| CliError::new(e.to_string()))?;
    print(
        output,
        &value,
        || table(&HEADERS, list.resources.iter().map(row).collect()),
        || list.resources.iter().map(|t| t.id.clone()).collect(),
    )
}

/// The ids to revoke; a token given where its id belongs is refused before
/// it could travel in a URL (or be echoed back).
pub fn check_ids(ids: &[String]) -> Result<()> {
    if ids.iter().any(|id| is_token_shaped(id.trim())) {
        return Err(CliError::usage(
            "that is a token, not a token id: give the ID column of `regcred token list` (the token itself is never sent in a URL)",
        ));
    }
    if let Some(empty) = ids.iter().position(|id| id.trim().is_empty()) {
        return Err(CliError::usage(format!("token id {} is empty", empty + 1)));
    }
    Ok(())
}

pub fn revoke(api: &Api, ids: &[String], yes: bool) -> Result<()> {
    check_ids(ids)?;
    let mut unique: Vec<&str> = Vec::with_capacity(ids.len());
    for id in ids.iter().map(|id| id.trim()) {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    let ids = unique;
    let what = match ids.as_slice() {
        [one] => format!("the token {one}"),
        many => format!("{} tokens ({})", many.len(), many.join(", ")),
    };
    if !yes {
        if !prompt::interactive() {
            return Err(CliError::usage(format!(
                "revoking {what} needs --yes (no terminal to ask on)"
            )));
        }
        if !prompt::confirm(&format!("Revoke {what}? It stops working at once."), false)? {
            return Err(CliError::new("not revoked"));
        }
    }
    // Each id on its own, as `kubectl delete` does: one failure does not
    // stop the others, and the exit code says whether any failed.
    let mut failed = 0;
    for id in &ids {
        let path = format!("{TOKENS}/{}", encode(id));
        match api
            .ok("DELETE", &path, None)
            .and_then(|a| a.json::<IdMessageResponse>())
        {
            Ok(_) => println!("token {id} revoked"),
            Err(e) if ids.len() == 1 => return Err(e),
            Err(e) => {
                eprintln!("regcred: {id}: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        return Err(CliError::new(format!(
            "{failed} of {} tokens were not revoked",
            ids.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::USAGE;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    const NOW: &str = "2026-12-01T12:30:00Z";

    fn request(
        label: &str,
        role: Role,
        scope: &[&str],
        expires: Option<&str>,
    ) -> Result<CreateTokenRequest> {
        let scope: Vec<String> = scope.iter().map(|s| s.to_string()).collect();
        create_request(label, role, &scope, expires, at(NOW))
    }

    #[test]
    fn durations() {
        assert_eq!(duration_secs("90d"), Some(90 * 86_400));
        assert_eq!(duration_secs("12h"), Some(12 * 3600));
        assert_eq!(duration_secs("2w"), Some(14 * 86_400));
        assert_eq!(duration_secs("30m"), Some(1800));
        assert_eq!(duration_secs("1d12h"), Some(86_400 + 12 * 3600));
        for bad in [
            "",
            "d",
            "90",
            "1x",
            "0d",
            "1.5d",
            "-1d",
            "99999999999999999999d",
        ] {
            assert_eq!(duration_secs(bad), None, "{bad}");
        }
    }

    #[test]
    fn expiry_is_a_date_or_a_duration_from_now() {
        let now = at(NOW);
        assert_eq!(
            expiry("2027-06-30", now).unwrap().to_string(),
            "2027-06-30T00:00:00Z"
        );
        assert_eq!(
            expiry("90d", now).unwrap().to_string(),
            "2027-03-01T12:30:00Z"
        );
        let e = expiry("soon", now).unwrap_err();
        assert_eq!(e.code, USAGE);
        assert!(e.message.contains("--expires") && e.message.contains("90d"));
    }

    #[test]
    fn arguments_make_the_request() {
        let r = request(
            "ci team-a",
            Role::Puller,
            &["team-a-*", "ci-pull"],
            Some("30d"),
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({
                "label": "ci team-a",
                "role": "puller",
                "scope": ["team-a-*", "ci-pull"],
                "expiresAt": "2026-12-31T12:30:00Z",
            })
        );
        let r = request(" ops ", Role::Admin, &[], None).unwrap();
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({"label": "ops", "role": "admin"})
        );
        // Duplicates fold as the API would fold them.
        let r = request("ci", Role::Viewer, &["a", "a"], None).unwrap();
        assert_eq!(r.scope, Some(vec!["a".to_string()]));
    }

    #[test]
    fn mistakes_are_usage_errors_that_name_the_flag() {
        for (label, role, scope, expires, names) in [
            ("a:b", Role::Viewer, &[][..], None, "the label"),
            ("", Role::Viewer, &[], None, "the label"),
            ("ci", Role::Viewer, &["Team-*"], None, "--scope"),
            ("ci", Role::Viewer, &[""], None, "--scope"),
            ("ci", Role::Admin, &["a-*"], None, "--scope"),
            ("ci", Role::Puller, &[], Some("2020-01-01"), "--expires"),
            ("ci", Role::Puller, &[], Some("tomorrow"), "--expires"),
        ] {
            let e = request(label, role, scope, expires).unwrap_err();
            assert_eq!(e.code, USAGE, "{label} {scope:?}: {}", e.message);
            assert!(e.message.starts_with(names), "{}", e.message);
        }
    }

    fn info() -> TokenInfo {
        TokenInfo {
            id: "0123456789abcdef".into(),
            label: "ci".into(),
            role: Role::Puller,
            scope: Some(Scope::parse(["team-a-*", "ci-pull"]).unwrap()),
            created_at: "2026-12-01T12:30:00Z".into(),
            created_by: "ops".into(),
            expires_at: None,
            last_used: Some("2026-12-01T14:00:00Z".into()),
        }
    }

    #[test]
    fn rows_and_the_created_line() {
        assert_eq!(
            row(&info()),
            [
                "0123456789abcdef",
                "ci",
                "puller",
                "team-a-*,ci-pull",
                "2026-12-01T12:30:00Z",
                "-",
                "2026-12-01T14:00:00Z"
            ]
        );
        let unscoped = TokenInfo {
            scope: None,
            last_used: None,
            ..info()
        };
        assert_eq!(row(&unscoped)[3], "-");
        assert_eq!(row(&unscoped)[6], "-");
        let t = table(&HEADERS, vec![row(&info())]);
        assert!(t.starts_with("ID  "), "{t}");
        assert!(t.contains("LAST USED"), "{t}");
        assert_eq!(
            created_line(&info()),
            "token ci created (id 0123456789abcdef, role puller, scope team-a-*,ci-pull):"
        );
        let expiring = TokenInfo {
            scope: None,
            expires_at: Some("2027-01-01T00:00:00Z".into()),
            ..info()
        };
        assert_eq!(
            created_line(&expiring),
            "token ci created (id 0123456789abcdef, role puller, expires 2027-01-01T00:00:00Z):"
        );
    }

    #[test]
    fn a_token_is_not_an_id() {
        let token = shared::apitoken::format_token(&[7; shared::apitoken::TOKEN_RANDOM_BYTES]);
        let e = check_ids(&["0123456789abcdef".into(), token.clone()]).unwrap_err();
        assert_eq!(e.code, USAGE);
        assert!(!e.message.contains(&token), "the token is not echoed");
        assert!(check_ids(&["0123456789abcdef".into()]).is_ok());
        assert_eq!(check_ids(&[" ".into()]).unwrap_err().code, USAGE);
    }
}
