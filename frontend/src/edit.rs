//! An edit of one stored registry entry, as plain data: what the form
//! changed against what GET showed of it (registry, username, email; the
//! password only when one is typed), as the PATCH `entry` that names only
//! that, so the rest is kept. "Only a new password" is an edit too.

use shared::api::{EntryEditRequest, RegistryLogin};
use shared::Registry;

use crate::form::{CredentialForm, FieldError, Kind};

/// The `entry` to send for `form` over the stored `stored`: None when it
/// changes nothing, or every field error.
pub fn entry_edit(
    form: &CredentialForm,
    stored: &RegistryLogin,
) -> Result<Option<EntryEditRequest>, Vec<FieldError>> {
    let registry = form.entry_fields(false)?;
    let moved = !names_stored(form, &registry, &stored.registry);
    let email = form.email.trim();
    let edit = EntryEditRequest {
        registry: Some(stored.registry.clone()),
        new_registry: moved.then(|| registry.server_key()),
        username: (form.username != stored.username).then(|| form.username.clone()),
        password: (!form.password.is_empty()).then(|| form.password.clone()),
        email: (email != stored.email.as_deref().unwrap_or(""))
            .then(|| (!email.is_empty()).then(|| email.to_owned())),
    };
    let nothing = edit.new_registry.is_none()
        && edit.username.is_none()
        && edit.password.is_none()
        && edit.email.is_none();
    Ok((!nothing).then_some(edit))
}

/// Whether the form still names the stored registry: the text as stored,
/// or the same server key once read.
fn names_stored(form: &CredentialForm, typed: &Registry, stored: &str) -> bool {
    (form.kind == Kind::Private && form.server.trim() == stored)
        || Registry::parse(stored).is_ok_and(|s| s.server_key() == typed.server_key())
}

/// What the save will do, for the preview: what changes and what is kept.
pub fn describe(edit: Option<&EntryEditRequest>, stored: &RegistryLogin) -> String {
    let Some(e) = edit else {
        return format!(
            "Nothing changes yet for {}: type a new password, or change the username, registry or email. An empty password keeps the stored one.",
            stored.registry
        );
    };
    let mut changed = Vec::new();
    let mut kept = Vec::new();
    match &e.new_registry {
        Some(r) => changed.push(format!("registry → {r}")),
        None => kept.push("registry"),
    }
    match &e.username {
        Some(u) => changed.push(format!("username → {u}")),
        None => kept.push("username"),
    }
    match &e.password {
        Some(_) => changed.push("password → the new one (••••••••)".to_owned()),
        None => kept.push("password"),
    }
    match &e.email {
        Some(Some(m)) => changed.push(format!("email → {m}")),
        Some(None) => changed.push("email → none".to_owned()),
        None => kept.push("email"),
    }
    let mut out = format!("{}: {}.", stored.registry, changed.join("; "));
    if !kept.is_empty() {
        out.push_str(&format!(" Kept as stored: {}.", kept.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::error_for;

    fn stored(registry: &str, username: &str, email: Option<&str>) -> RegistryLogin {
        RegistryLogin {
            registry: registry.into(),
            username: username.into(),
            email: email.map(str::to_owned),
        }
    }

    fn private(server: &str, user: &str, pw: &str, email: &str) -> CredentialForm {
        CredentialForm {
            kind: Kind::Private,
            server: server.into(),
            username: user.into(),
            password: pw.into(),
            email: email.into(),
            ..Default::default()
        }
    }

    #[test]
    fn only_a_new_password_names_only_the_password() {
        let s = stored("http://127.0.0.1:5055", "ci", None);
        let e = entry_edit(&private("http://127.0.0.1:5055", "ci", "new-pw", ""), &s)
            .unwrap()
            .unwrap();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"registry": "http://127.0.0.1:5055", "password": "new-pw"})
        );
        assert_eq!(
            describe(Some(&e), &s),
            "http://127.0.0.1:5055: password → the new one (••••••••). Kept as stored: registry, username, email."
        );
    }

    #[test]
    fn an_untouched_form_changes_nothing() {
        let s = stored("ghcr.io", "octo", Some("o@example.com"));
        assert_eq!(
            entry_edit(&private("ghcr.io", "octo", "", "o@example.com"), &s),
            Ok(None)
        );
        assert!(describe(None, &s).starts_with("Nothing changes yet for ghcr.io"));
        let hub = stored("https://index.docker.io/v1/", "bob", None);
        let form = CredentialForm {
            username: "bob".into(),
            ..Default::default()
        };
        assert_eq!(entry_edit(&form, &hub), Ok(None));
    }

    #[test]
    fn changed_fields_are_named_and_an_emptied_email_is_cleared() {
        let s = stored("ghcr.io", "octo", Some("o@example.com"));
        let e = entry_edit(&private("quay.io", "robot", "", ""), &s)
            .unwrap()
            .unwrap();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"registry": "ghcr.io", "newRegistry": "quay.io",
                "username": "robot", "email": null})
        );
        assert_eq!(
            describe(Some(&e), &s),
            "ghcr.io: registry → quay.io; username → robot; email → none. Kept as stored: password."
        );
    }

    #[test]
    fn bad_fields_are_errors_but_an_empty_password_is_not() {
        let s = stored("ghcr.io", "octo", None);
        let errs = entry_edit(&private("bad host", "a:b", "", ""), &s).unwrap_err();
        assert!(error_for(&errs, "server").unwrap().contains("space"));
        assert!(error_for(&errs, "username").unwrap().contains("':'"));
        assert!(error_for(&errs, "password").is_none());
    }
}
