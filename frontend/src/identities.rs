//! The workload identity form as plain state: what was typed, and the
//! rule body to send, checked by `shared::workload::parse_rule` (the API's
//! own rules) as it is typed.

use serde_json::{json, Map, Value};
use shared::workload::parse_rule;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleForm {
    pub label: String,
    pub issuer: String,
    pub audience: String,
    /// One `name=glob` per line.
    pub claims: String,
    pub role: String,
    /// Comma-separated name patterns; empty: every secret.
    pub scope: String,
}

impl Default for RuleForm {
    fn default() -> Self {
        RuleForm {
            label: String::new(),
            issuer: String::new(),
            audience: "regcred".into(),
            claims: String::new(),
            role: "puller".into(),
            scope: String::new(),
        }
    }
}

impl RuleForm {
    /// The body to send, or what is wrong, in the API's words.
    pub fn body(&self) -> Result<Value, String> {
        let mut claims = Map::new();
        for line in self.claims.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (name, glob) = line.split_once('=').ok_or_else(|| {
                format!("claim {line:?} is not name=glob, e.g. repository=acme/*")
            })?;
            claims.insert(
                name.trim().to_owned(),
                Value::String(glob.trim().to_owned()),
            );
        }
        let mut body = json!({"label": self.label.trim(), "issuer": self.issuer.trim(),
            "audience": self.audience.trim(), "claims": claims, "role": self.role});
        let scope: Vec<&str> = self
            .scope
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if !scope.is_empty() {
            body["scope"] = json!(scope);
        }
        // Loopback is the server's to decide.
        parse_rule(body.to_string().as_bytes(), true).map_err(|e| e.message)?;
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_is_checked_by_the_apis_rules_as_typed() {
        let mut f = RuleForm {
            label: "ci team a".into(),
            issuer: "https://token.actions.githubusercontent.com".into(),
            claims: "repository=acme/team-a-*\nref=refs/heads/main".into(),
            scope: "team-a-*".into(),
            ..RuleForm::default()
        };
        let b = f.body().unwrap();
        assert_eq!(b["claims"]["ref"], "refs/heads/main");
        assert_eq!(b["scope"], json!(["team-a-*"]));
        f.role = "admin".into();
        assert!(f.body().unwrap_err().contains("never an admin"));
        f.role = "puller".into();
        f.claims.clear();
        assert!(
            f.body().is_err(),
            "a rule with no claims would trust every token"
        );
    }
}
