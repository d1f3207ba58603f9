//! `regcred secret import docker`: every registry of a Docker config.json
//! becomes one secret, its credentials read the way Docker reads them
//! (`credHelpers[host]`, then `credsStore`, then `auths`). A registry whose
//! credentials cannot be had is a "skipped: why" row, never a secret without
//! credentials.

use std::collections::BTreeSet;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget};
use serde_json::json;
use shared::api::{CreateSecretRequest, SecretData};
use shared::{classify, DockerConfig, ImportStatus, Registry, RegistryEntry, SecretName};

use crate::client::Api;
use crate::cmd::print;
use crate::error::{CliError, Result};
use crate::helpers;
use crate::output::{table, Format};
use crate::prompt;
use crate::settings;

/// One registry of the file and what became of it.
struct Row {
    server: String,
    secret: Option<SecretName>,
    /// The credentials, while they are still to be sent.
    entry: Option<RegistryEntry>,
    result: String,
}

fn config_path(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p);
    }
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Ok(PathBuf::from(dir).join("config.json"));
    }
    let home = std::env::var_os("HOME")
        .ok_or_else(|| CliError::usage("HOME is not set: give --config PATH"))?;
    Ok(PathBuf::from(home).join(".docker/config.json"))
}

fn prefixed(prefix: Option<&str>, name: &SecretName) -> std::result::Result<SecretName, String> {
    match prefix {
        None => Ok(name.clone()),
        Some(p) => SecretName::parse(&format!("{p}{name}"))
            .map_err(|e| format!("--name-prefix makes a bad name: {e}")),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn docker(
    config: Option<PathBuf>,
    only: &[String],
    all: bool,
    prefix: Option<&str>,
    dry_run: bool,
    yes: bool,
    output: Format,
) -> Result<()> {
    let path = config_path(config)?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
    let found = classify(&text).map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
    let wanted: Vec<Registry> = only
        .iter()
        .map(|r| Registry::parse(r).map_err(|e| CliError::usage(format!("--registry {r}: {e}"))))
        .collect::<Result<_>>()?;
    let limit = helpers::timeout();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut rows: Vec<Row> = Vec::new();
    for r in found {
        let registry = Registry::parse(&r.server).ok();
        if !wanted.is_empty()
            && !registry
                .as_ref()
                .is_some_and(|g| wanted.iter().any(|w| w.same_registry(g)))
        {
            continue;
        }
        let suggested = registry
            .as_ref()
            .map(Registry::suggested_name)
            .unwrap_or_else(|| SecretName::suggest(&r.server));
        let (entry, reason) = match r.status {
            ImportStatus::Importable { entry, .. } => (Some(*entry), None),
            ImportStatus::InHelper { helper } => match helpers::get(&helper, &r.server, limit) {
                Ok(e) => (Some(e), None),
                Err(why) => (None, Some(why)),
            },
            ImportStatus::Invalid { reason } => (None, Some(reason)),
        };
        let name = match prefixed(prefix, &suggested) {
            Ok(n) => Some(unique(n, &mut taken)),
            Err(why) => return Err(CliError::usage(why)),
        };
        rows.push(Row {
            server: r.server,
            result: reason.map(|w| format!("skipped: {w}")).unwrap_or_default(),
            secret: name,
            entry,
        });
    }
    if rows.is_empty() {
        return Err(CliError::new(format!(
            "{} names no registry to import",
            path.display()
        )));
    }
    if !dry_run {
        let ask = !all && !yes && prompt::interactive();
        if !ask
            && !all
            && !yes
            && rows.iter().filter(|r| r.entry.is_some()).count() > 1
            && wanted.is_empty()
        {
            return Err(CliError::usage("several registries to import: pick them with --registry, or take them all with --all"));
        }
        let api = Api::new(settings::target()?);
        let bar =
            ProgressBar::with_draw_target(Some(rows.len() as u64), ProgressDrawTarget::stderr());
        if ask || rows.len() < 10 {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        for row in rows.iter_mut() {
            bar.inc(1);
            let (Some(entry), Some(name)) = (row.entry.take(), row.secret.clone()) else {
                continue;
            };
            if ask && !prompt::confirm(&format!("Import {} as {name}?", row.server), true)? {
                row.result = "skipped: not chosen".into();
                continue;
            }
            row.result = create(&api, &name, entry);
        }
        bar.finish_and_clear();
    } else {
        for row in rows.iter_mut().filter(|r| r.entry.is_some()) {
            row.result = "would be created".into();
        }
    }
    let value = json!(rows
        .iter()
        .map(|r| json!({"registry": r.server, "secret": r.secret.as_ref().map(|s| s.to_string()), "result": r.result}))
        .collect::<Vec<_>>());
    print(
        output,
        &value,
        || {
            table(
                &["registry", "secret", "result"],
                rows.iter()
                    .map(|r| {
                        vec![
                            r.server.clone(),
                            r.secret.as_ref().map_or("-".into(), |s| s.to_string()),
                            r.result.clone(),
                        ]
                    })
                    .collect(),
            )
        },
        || {
            rows.iter()
                .filter(|r| r.result == "created")
                .filter_map(|r| r.secret.as_ref().map(|s| s.to_string()))
                .collect()
        },
    )?;
    if rows.iter().any(|r| r.result.starts_with("failed")) {
        return Err(CliError::new("some registries could not be imported"));
    }
    Ok(())
}

/// `name`, or `name-2`, `name-3`… when an earlier row took it.
fn unique(name: SecretName, taken: &mut BTreeSet<String>) -> SecretName {
    let mut candidate = name.clone();
    let mut n = 2;
    while taken.contains(candidate.as_str()) {
        candidate = SecretName::suggest(&format!("{name}-{n}"));
        n += 1;
    }
    taken.insert(candidate.to_string());
    candidate
}

fn create(api: &Api, name: &SecretName, entry: RegistryEntry) -> String {
    let body = CreateSecretRequest {
        name: name.to_string(),
        data: SecretData {
            dockerconfigjson: DockerConfig::single(entry).to_json(),
        },
        expires_at: None,
    };
    let text = match serde_json::to_string(&body) {
        Ok(t) => t,
        Err(e) => return format!("failed: {e}"),
    };
    match api.send("POST", "/v2/admin/dockerRegistrySecrets", Some(&text), &[]) {
        Ok(a) if a.status < 300 => "created".into(),
        Ok(a) if a.status == 409 => {
            "skipped: a secret of that name exists (use --name-prefix)".into()
        }
        Ok(a) => format!("failed: {}", a.into_error()),
        Err(e) => format!("failed: {e}"),
    }
}
