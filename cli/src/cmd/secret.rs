//! `regcred secret create | list | get | delete | check` (edit: `edit.rs`;
//! versions, restore, undelete: `history.rs`).

use std::path::Path;

use serde_json::{json, Value};
use shared::api::{
    CreateSecretRequest, LoginCheckResponse, RegistryLogin, SecretData, SecretList, SecretStatus,
};
use shared::auth::Credentials as Pair;
use shared::login::LoginResult;
use shared::{parse_dockerconfigjson, DockerConfig, Registry, RegistryEntry, SecretName};

use crate::args::Credentials;
use crate::client::Api;
use crate::cmd::{print, secret_path};
use crate::error::{CliError, Result};
use crate::output::{table, Format};
use crate::prompt;

/// The `.dockerconfigjson` the credential flags (or prompts) describe,
/// checked by `shared` before anything is sent.
pub fn dockerconfig(c: &Credentials) -> Result<String> {
    if let Some(file) = &c.from_file {
        return from_file(file);
    }
    let registry = match &c.registry {
        Some(r) => Registry::parse(r).map_err(|e| CliError::usage(format!("--registry: {e}")))?,
        None => Registry::DockerHub,
    };
    let username = match &c.username {
        Some(u) => u.clone(),
        None => prompt::ask("Username", "--username")?,
    };
    let password = if c.password_stdin {
        prompt::read_stdin_line("the password")?
    } else {
        prompt::ask_secret("Password", "--password-stdin", true)?
    };
    let email = match &c.email {
        Some(e) => Some(e.clone()),
        None if prompt::interactive() && c.username.is_none() => {
            Some(prompt::ask("Email (optional)", "--email")?).filter(|e| !e.is_empty())
        }
        None => None,
    };
    let entry = RegistryEntry::new(registry, Pair { username, password }, email);
    let text = DockerConfig::single(entry).to_json();
    // The same rules the server applies (a ':' in the username, an empty one).
    parse_dockerconfigjson(&text).map_err(|e| CliError::usage(e.to_string()))?;
    Ok(text)
}

/// A `.dockerconfigjson` file, checked by `shared` before it is sent.
pub fn from_file(file: &Path) -> Result<String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::new(format!("{}: {e}", file.display())))?;
    let parsed = parse_dockerconfigjson(&text)
        .map_err(|e| CliError::new(format!("{}: {e}", file.display())))?;
    Ok(parsed.config.to_json())
}

pub fn name(raw: &str) -> Result<SecretName> {
    SecretName::parse(raw).map_err(|e| CliError::usage(format!("the secret name: {e}")))
}

pub fn create(
    api: &Api,
    raw: &str,
    creds: &Credentials,
    expires: Option<&str>,
    check: bool,
    output: Format,
) -> Result<()> {
    let name = name(raw)?;
    // A cloud source, or credentials as given.
    let (data, source) = match crate::cmd::source::source_of(creds)? {
        Some(source) => (None, Some(source)),
        None => (
            Some(SecretData {
                dockerconfigjson: dockerconfig(creds)?,
            }),
            None,
        ),
    };
    if check {
        // A source is minted for the check alone (the server keeps nothing).
        let body = match (&data, &source) {
            (Some(d), _) => json!({"data": {".dockerconfigjson": d.dockerconfigjson}}),
            (None, s) => json!({ "source": s }),
        };
        let answer: LoginCheckResponse = api.post("/v2/admin/registryLoginChecks", &body)?;
        print_checks(&answer, Format::Table)?;
        if answer
            .results
            .iter()
            .any(|r| r.result == LoginResult::CredentialsRejected)
        {
            return Err(CliError::new(
                "the registry rejected these credentials; nothing was saved (check the username and password)",
            ));
        }
    }
    let body = CreateSecretRequest {
        name: name.to_string(),
        data,
        source,
        expires_at: expires.map(str::to_owned),
    };
    let _: Value = api.post("/v2/admin/dockerRegistrySecrets", &body)?;
    match output {
        Format::Name => println!("{name}"),
        _ => println!("secret {name} created"),
    }
    Ok(())
}

fn row(s: &SecretStatus) -> Vec<String> {
    vec![
        s.name.clone(),
        s.registries.join(","),
        s.expires_at.clone().unwrap_or_else(|| "-".into()),
        health_word(s),
        s.modified_at.clone(),
    ]
}

/// The HEALTH column: the state, and since when it fails.
fn health_word(s: &SecretStatus) -> String {
    let Some(h) = &s.health else {
        return "-".into();
    };
    let state = serde_json::to_value(h.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    match &h.failing_since {
        Some(since) => format!("{state} since {since}"),
        None => state,
    }
}

const HEADERS: [&str; 5] = ["name", "registries", "expires", "health", "modified"];

/// A deleted secret: when it went, and when it is purged for good.
fn deleted_row(s: &SecretStatus) -> Vec<String> {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    vec![
        s.name.clone(),
        s.registries.join(","),
        or_dash(&s.deleted_at),
        or_dash(&s.purge_after),
    ]
}

const DELETED_HEADERS: [&str; 4] = ["name", "registries", "deleted", "purge after"];

/// Every secret (or every deleted one), in pages of the API's size until
/// the total is read.
pub fn all(api: &Api, deleted: bool) -> Result<Vec<SecretStatus>> {
    let mut all: Vec<SecretStatus> = Vec::new();
    let which = if deleted { "&deleted=true" } else { "" };
    loop {
        let page: SecretList = api.get(&format!(
            "/v2/admin/dockerRegistrySecrets?$top=1000&$skip={}&$count=true{which}",
            all.len()
        ))?;
        let n = page.resources.len();
        all.extend(page.resources);
        if n == 0 || all.len() as u64 >= page.count {
            break;
        }
    }
    Ok(all)
}

pub fn list(api: &Api, deleted: bool, failing: bool, output: Format) -> Result<()> {
    let mut all = all(api, deleted)?;
    if failing {
        all.retain(|s| s.health.as_ref().is_some_and(|h| h.status.failing()));
    }
    let value = json!({"count": all.len(), "resources": all});
    print(
        output,
        &value,
        || match deleted {
            true => table(&DELETED_HEADERS, all.iter().map(deleted_row).collect()),
            false => table(&HEADERS, all.iter().map(row).collect()),
        },
        || all.iter().map(|s| s.name.clone()).collect(),
    )
}

pub fn get(api: &Api, raw: &str, output: Format) -> Result<()> {
    let name = name(raw)?;
    let s: SecretStatus = api.get(&secret_path(&name))?;
    let value = serde_json::to_value(&s).unwrap_or_default();
    print(
        output,
        &value,
        || {
            let mut out = table(&HEADERS, vec![row(&s)]);
            if let Some(src) = &s.source {
                out.push('\n');
                out.push_str(&source_table(src));
            }
            if !s.users.is_empty() {
                out.push('\n');
                out.push_str(&users_table(&s.users));
            }
            out
        },
        || vec![s.name.clone()],
    )
}

/// A brokered secret's source: its cloud, identifiers and the current
/// credential's times (never a key).
pub fn source_table(src: &shared::source::SourceInfo) -> String {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let id = src
        .access_key_id
        .clone()
        .or_else(|| src.client_email.clone())
        .or_else(|| src.client_id.clone())
        .unwrap_or_else(|| "-".into());
    table(
        &["source", "identity", "minted", "runs out"],
        vec![vec![
            src.kind.provider().to_owned(),
            id,
            or_dash(&src.minted_at),
            or_dash(&src.minted_until),
        ]],
    )
}

/// Who logs in to each registry (never a password).
pub fn users_table(users: &[RegistryLogin]) -> String {
    table(
        &["registry", "username", "email"],
        users
            .iter()
            .map(|u| {
                vec![
                    u.registry.clone(),
                    u.username.clone(),
                    u.email.clone().unwrap_or_else(|| "-".into()),
                ]
            })
            .collect(),
    )
}

pub fn delete(api: &Api, raw: &str, yes: bool) -> Result<()> {
    let name = name(raw)?;
    if !yes {
        if !prompt::interactive() {
            return Err(CliError::usage(format!(
                "deleting {name} needs --yes (no terminal to ask on)"
            )));
        }
        if !prompt::confirm(&format!("Delete the secret {name}?"), false)? {
            return Err(CliError::new("not deleted"));
        }
    }
    api.ok("DELETE", &secret_path(&name), None)?;
    println!("secret {name} deleted");
    Ok(())
}

/// The DEP_E153 case, caught before a deployment fails to pull.
pub const REJECTED_HINT: &str = "the registry refused these credentials: check the username and password (a deployment would fail to pull with DEP_E153)";

fn print_checks(answer: &LoginCheckResponse, output: Format) -> Result<()> {
    let value = serde_json::to_value(answer).unwrap_or_default();
    let word = |r: &LoginResult| {
        serde_json::to_value(r)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    print(
        output,
        &value,
        || {
            table(
                &["registry", "result", "message"],
                answer
                    .results
                    .iter()
                    .map(|r| vec![r.registry.clone(), word(&r.result), r.message.clone()])
                    .collect(),
            )
        },
        || answer.results.iter().map(|r| word(&r.result)).collect(),
    )
}

pub fn check(api: &Api, raw: &str, output: Format) -> Result<()> {
    let name = name(raw)?;
    let answer: LoginCheckResponse =
        api.post(&format!("{}/check", secret_path(&name)), &json!({}))?;
    print_checks(&answer, output)?;
    if answer
        .results
        .iter()
        .any(|r| r.result == LoginResult::CredentialsRejected)
    {
        return Err(CliError::new(REJECTED_HINT));
    }
    if let Some(bad) = answer.results.iter().find(|r| r.result != LoginResult::Ok) {
        return Err(CliError::new(format!("{}: {}", bad.registry, bad.message)));
    }
    Ok(())
}
