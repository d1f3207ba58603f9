//! The Activity table's rows as plain data: what each event was about.

use shared::api::AuditEvent;

/// What an event concerned: a secret (linked to its page), a managed token
/// (by the id `regcred token revoke` takes), or neither (a failed sign-in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Secret(String),
    Token(String),
    Nothing,
}

pub fn subject(e: &AuditEvent) -> Subject {
    match (&e.secret, &e.token) {
        (Some(s), _) => Subject::Secret(s.clone()),
        (None, Some(t)) => Subject::Token(t.clone()),
        (None, None) => Subject::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(extra: serde_json::Value) -> AuditEvent {
        let mut j = json!({"time": "2026-12-01T10:00:00Z", "actor": "test-admin",
            "action": "token-revoke", "outcome": "success", "status": 202, "requestId": "r1"});
        j.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(j).unwrap()
    }

    #[test]
    fn token_events_name_their_token() {
        assert_eq!(
            subject(&event(json!({"token": "0123456789abcdef"}))),
            Subject::Token("0123456789abcdef".into())
        );
        assert_eq!(
            subject(&event(json!({"secret": "hub-ci"}))),
            Subject::Secret("hub-ci".into())
        );
        assert_eq!(subject(&event(json!({}))), Subject::Nothing);
    }
}
