//! An edit of one registry entry of a stored `.dockerconfigjson`: what a
//! PATCH with `entry` names changes, and nothing else. People change a
//! password far more often than a whole secret, and the client that does it
//! never holds the other registries' passwords, so the merge happens here,
//! on the stored document.

use crate::api::{config_error, ApiError, ErrorCode};
use crate::auth::Credentials;
use crate::dockerconfig::{
    check_email, parse_stored_dockerconfigjson, DockerConfig, ParsedConfig, RegistryEntry,
};
use crate::registry::Registry;

/// A checked `entry`: every field optional, at least one change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntryEdit {
    /// Which entry; may be left out when the secret holds one registry.
    pub registry: Option<Registry>,
    /// Move the entry to this registry.
    pub new_registry: Option<Registry>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `Some(None)` clears the email.
    pub email: Option<Option<String>>,
}

fn entry_error(field: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequestBody, message).with_target(format!("entry.{field}"))
}

fn listed(config: &DockerConfig) -> String {
    config
        .registries()
        .iter()
        .map(|r| format!("\"{r}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

impl EntryEdit {
    /// True when it would change nothing: a client mistake worth a 400.
    pub fn is_empty(&self) -> bool {
        self.new_registry.is_none()
            && self.username.is_none()
            && self.password.is_none()
            && self.email.is_none()
    }

    /// The index of the entry this edit names in `config`: the exact server
    /// key first, then the same registry spelled another way.
    fn pick(&self, config: &DockerConfig) -> Result<usize, ApiError> {
        let entries = config.entries();
        let Some(asked) = &self.registry else {
            if entries.len() == 1 {
                return Ok(0);
            }
            return Err(entry_error(
                "registry",
                format!(
                    "this secret holds {} registries ({}); say which one to change in \"entry\".\"registry\"",
                    entries.len(),
                    listed(config)
                ),
            ));
        };
        let key = asked.server_key();
        if let Some(i) = entries.iter().position(|e| e.server == key) {
            return Ok(i);
        }
        let same: Vec<usize> = (0..entries.len())
            .filter(|&i| entries[i].registry.same_registry(asked))
            .collect();
        match same.as_slice() {
            [i] => Ok(*i),
            [] => Err(entry_error(
                "registry",
                format!(
                    "this secret holds no registry \"{key}\"; it holds {}",
                    listed(config)
                ),
            )),
            _ => Err(entry_error(
                "registry",
                format!(
                    "\"{key}\" matches several registries of this secret ({}); give the server key exactly",
                    listed(config)
                ),
            )),
        }
    }

    /// The stored document with this edit applied, checked by the same
    /// rules as any other `.dockerconfigjson`.
    pub fn apply(&self, config: &DockerConfig) -> Result<ParsedConfig, ApiError> {
        let at = self.pick(config)?;
        let old = &config.entries()[at];
        let registry = self.new_registry.clone().unwrap_or(old.registry.clone());
        let moved = self.new_registry.is_some();
        if moved {
            let taken = config
                .entries()
                .iter()
                .enumerate()
                .any(|(i, e)| i != at && e.server == registry.server_key());
            if taken {
                return Err(entry_error(
                    "newRegistry",
                    format!(
                        "this secret already holds \"{}\"; edit that entry instead",
                        registry.server_key()
                    ),
                ));
            }
        }
        if let Some(u) = &self.username {
            crate::auth::check_username(u)
                .map_err(|why| entry_error("username", format!("\"entry\".\"username\" {why}")))?;
        }
        let credentials = Credentials {
            username: self
                .username
                .clone()
                .unwrap_or(old.credentials.username.clone()),
            password: self
                .password
                .clone()
                .unwrap_or(old.credentials.password.clone()),
        };
        let email = match &self.email {
            None => old.email.clone(),
            Some(e) => {
                if let Some(given) = e {
                    check_email(given).map_err(|why| {
                        entry_error("email", format!("\"entry\".\"email\": {why}"))
                    })?;
                }
                e.clone()
            }
        };
        let mut entry = RegistryEntry::new(registry, credentials, email);
        if !moved {
            // The stored spelling of a private registry's key stays.
            entry.server = old.server.clone();
        }
        entry.identitytoken = old.identitytoken.clone();
        entry.registrytoken = old.registrytoken.clone();
        let mut entries = config.entries().to_vec();
        entries[at] = entry;
        let Some(edited) = DockerConfig::new(entries) else {
            return Err(entry_error("registry", "the edit left no registry".into()));
        };
        // Every rule of a `.dockerconfigjson` holds for the edited document;
        // an email stored before today's rule stays (the new one was checked
        // above), so an edit never fails on what it does not name.
        parse_stored_dockerconfigjson(&edited.to_json()).map_err(|e| {
            let mut err = config_error(e);
            err.target = Some("entry".into());
            err
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerconfig::parse_dockerconfigjson;

    fn config(text: &str) -> DockerConfig {
        parse_dockerconfigjson(text).unwrap().config
    }

    fn one() -> DockerConfig {
        config(
            r#"{"auths":{"http://127.0.0.1:5055":{"username":"ci","password":"old","email":"ci@example.com"}}}"#,
        )
    }

    fn entry(c: &ParsedConfig, i: usize) -> &RegistryEntry {
        &c.config.entries()[i]
    }

    #[test]
    fn a_new_password_alone_keeps_registry_username_and_email() {
        let edit = EntryEdit {
            password: Some("new".into()),
            ..Default::default()
        };
        let out = edit.apply(&one()).unwrap();
        let e = entry(&out, 0);
        assert_eq!(e.server, "http://127.0.0.1:5055");
        assert_eq!(e.credentials.username, "ci");
        assert_eq!(e.credentials.password, "new");
        assert_eq!(e.email.as_deref(), Some("ci@example.com"));
    }

    #[test]
    fn a_move_keeps_the_credentials() {
        let edit = EntryEdit {
            new_registry: Some(Registry::parse("ghcr.io").unwrap()),
            ..Default::default()
        };
        let out = edit.apply(&one()).unwrap();
        let e = entry(&out, 0);
        assert_eq!(e.server, "ghcr.io");
        assert_eq!(e.credentials.password, "old");
        let clear = EntryEdit {
            email: Some(None),
            ..Default::default()
        };
        assert_eq!(entry(&clear.apply(&one()).unwrap(), 0).email, None);
    }

    #[test]
    fn several_registries_need_a_choice_and_only_that_one_changes() {
        let two = config(
            r#"{"auths":{"ghcr.io":{"username":"a","password":"pa"},"quay.io":{"username":"b","password":"pb"}}}"#,
        );
        let mut edit = EntryEdit {
            password: Some("new".into()),
            ..Default::default()
        };
        let e = edit.apply(&two).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("entry.registry"));
        assert!(
            e.message.contains("\"ghcr.io\", \"quay.io\""),
            "{}",
            e.message
        );
        edit.registry = Some(Registry::parse("https://quay.io").unwrap());
        let out = edit.apply(&two).unwrap();
        assert_eq!(entry(&out, 0).credentials.password, "pa");
        assert_eq!(entry(&out, 1).credentials.password, "new");
        edit.registry = Some(Registry::parse("docker.io").unwrap());
        let e = edit.apply(&two).unwrap_err();
        assert!(e.message.contains("holds no registry"), "{}", e.message);
        let onto = EntryEdit {
            registry: Some(Registry::parse("ghcr.io").unwrap()),
            new_registry: Some(Registry::parse("quay.io").unwrap()),
            ..Default::default()
        };
        let e = onto.apply(&two).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("entry.newRegistry"));
    }

    #[test]
    fn an_email_stored_before_the_rule_stays_and_a_new_one_is_checked() {
        let stored = crate::parse_stored_dockerconfigjson(
            r#"{"auths":{"r.io":{"username":"u","password":"p","email":"unused"}}}"#,
        )
        .unwrap()
        .config;
        let new_password = EntryEdit {
            password: Some("new".into()),
            ..Default::default()
        };
        let out = new_password.apply(&stored).unwrap();
        assert_eq!(entry(&out, 0).email.as_deref(), Some("unused"));
        let bad = EntryEdit {
            email: Some(Some("not-an-email".into())),
            ..Default::default()
        };
        assert_eq!(
            bad.apply(&stored).unwrap_err().target.as_deref(),
            Some("entry.email")
        );
    }

    #[test]
    fn the_edited_entry_obeys_the_config_rules() {
        let edit = EntryEdit {
            username: Some("a:b".into()),
            ..Default::default()
        };
        let e = edit.apply(&one()).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("entry.username"));
        assert!(e.message.contains("cannot contain ':'"), "{}", e.message);
        assert!(!e.message.contains("old"), "no password in errors");
    }
}
