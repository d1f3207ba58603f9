//! `regcred secret import docker`: every registry of a Docker config.json
//! becomes one secret, its credentials read the way Docker reads them
//! (`credHelpers[host]`, then `credsStore`, then `auths`). A registry whose
//! credentials cannot be had is a "skipped: why" row, never a secret without
//! credentials. A dry run asks the API what a real run would meet (names
//! that exist, the quota) and gives the same verdicts; past the quota,
//! rows are skipped without running their helpers.

use std::collections::BTreeSet;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget};
use serde_json::json;
use shared::api::{CreateSecretRequest, QuotaResponse, SecretData};
use shared::import::QuotaRoom;
use shared::{classify, DockerConfig, ImportStatus, Registry, RegistryEntry, SecretName};

use crate::client::Api;
use crate::cmd::{print, secret};
use crate::error::{CliError, Result};
use crate::helpers;
use crate::output::{table, Format};
use crate::prompt;
use crate::settings;

/// One registry of the file and what became of it.
pub struct Row {
    pub server: String,
    pub secret: Option<SecretName>,
    /// The credentials, while they are still to be sent.
    pub entry: Option<RegistryEntry>,
    pub result: String,
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

/// What the API says before anything is created: the names taken, and how
/// many more secrets the quota allows.
pub struct Room {
    pub taken: BTreeSet<String>,
    pub quota: QuotaRoom,
}

impl Room {
    pub fn free(&self) -> u64 {
        self.quota.free()
    }

    fn read(api: &Api) -> Result<Room> {
        let taken = secret::all(api, false)?
            .into_iter()
            .map(|s| s.name)
            .collect();
        // With a scoped token the usage counts only its scope: the quota
        // may still refuse a create, which is then that row's failure.
        let q: QuotaResponse = api.get("/v2/admin/resourceQuota/dockerRegistrySecrets")?;
        Ok(Room {
            taken,
            quota: QuotaRoom::of(&q).unwrap_or(QuotaRoom {
                max: q.quota.max_count,
                used: 0,
            }),
        })
    }
}

pub const EXISTS: &str = "skipped: a secret of that name exists (use --name-prefix)";

/// For rows a cloud's helper serves (`ecr-login`, `gcloud`, `acr-env`):
/// what it holds runs out within hours, so a brokered secret fits better.
pub fn cloud_notes(rows: &[Found]) -> Vec<String> {
    rows.iter()
        .filter_map(|r| {
            let ImportStatus::InHelper { helper } = &r.status else {
                return None;
            };
            let kind = shared::brokered::cloud_of_helper(&helper.to_string())?;
            Some(format!(
                "{}: docker-credential-{helper} holds a short-lived {} credential that runs out within hours; a brokered secret, minted fresh at pull time, fits better: regcred secret create {} {}",
                r.server,
                kind.provider(),
                r.secret,
                shared::brokered::create_flags(kind),
            ))
        })
        .collect()
}

/// One registry of the file before its verdict: where its credentials are.
pub struct Found {
    pub server: String,
    pub secret: SecretName,
    pub status: ImportStatus,
}

/// The verdict of every row, the same for a dry run and a real one: a bad
/// row, a name that exists, a row past the quota, a helper that fails (run
/// only for rows that could be created), or credentials to create. `fetch`
/// runs a helper; it is never called for a row that is skipped anyway.
pub fn plan(
    found: Vec<Found>,
    room: &Room,
    mut fetch: impl FnMut(&str, &str) -> std::result::Result<RegistryEntry, String>,
) -> Vec<Row> {
    let mut left = room.free();
    found
        .into_iter()
        .map(|f| {
            let mut row = Row {
                server: f.server,
                secret: Some(f.secret),
                entry: None,
                result: String::new(),
            };
            let name = row
                .secret
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default();
            row.result = match f.status {
                ImportStatus::Invalid { reason } => format!("skipped: {reason}"),
                _ if room.taken.contains(&name) => EXISTS.into(),
                _ if left == 0 => over_quota(room),
                ImportStatus::Importable { entry, .. } => {
                    row.entry = Some(*entry);
                    String::new()
                }
                ImportStatus::InHelper { helper } => match fetch(&helper, &row.server) {
                    Ok(e) => {
                        row.entry = Some(e);
                        String::new()
                    }
                    Err(why) => format!("skipped: {why}"),
                },
            };
            if row.entry.is_some() {
                left -= 1;
            }
            row
        })
        .collect()
}

fn over_quota(room: &Room) -> String {
    format!(
        "skipped: over the quota ({} of {} secrets exist): pick fewer with --registry, or delete some",
        room.quota.used, room.quota.max
    )
}

/// Said on stderr when the quota cuts the import short: how many fit.
pub fn quota_note(rows: &[Row], room: &Room, dry_run: bool) -> Option<String> {
    let over = rows
        .iter()
        .filter(|r| r.result.starts_with("skipped: over the quota"))
        .count();
    if over == 0 {
        return None;
    }
    let fit = rows.iter().filter(|r| r.entry.is_some()).count();
    let verb = if dry_run { "would import" } else { "imports" };
    Some(format!(
        "The quota allows {} more secret{} ({} of {} exist): this {verb} {fit}; {over} more registr{} skipped (over the quota).",
        room.free(),
        if room.free() == 1 { "" } else { "s" },
        room.quota.used,
        room.quota.max,
        if over == 1 { "y is" } else { "ies are" },
    ))
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
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut rows: Vec<Found> = Vec::new();
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
        let name = prefixed(prefix, &suggested).map_err(CliError::usage)?;
        rows.push(Found {
            server: r.server,
            secret: unique(name, &mut taken),
            status: r.status,
        });
    }
    if rows.is_empty() {
        return Err(CliError::new(format!(
            "{} names no registry to import",
            path.display()
        )));
    }
    for note in cloud_notes(&rows) {
        eprintln!("{note}");
    }
    let api = Api::new(settings::target()?);
    let room = Room::read(&api)?;
    let limit = helpers::timeout();
    let mut rows = plan(rows, &room, |helper, server| {
        helpers::get(helper, server, limit)
    });
    let note = quota_note(&rows, &room, dry_run);
    if let Some(n) = &note {
        eprintln!("{n}");
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
        data: Some(SecretData {
            dockerconfigjson: DockerConfig::single(entry).to_json(),
        }),
        source: None,
        expires_at: None,
    };
    let text = match serde_json::to_string(&body) {
        Ok(t) => t,
        Err(e) => return format!("failed: {e}"),
    };
    match api.send("POST", "/v2/admin/dockerRegistrySecrets", Some(&text), &[]) {
        Ok(a) if a.status < 300 => "created".into(),
        Ok(a) if a.status == 409 => EXISTS.into(),
        Ok(a) => format!("failed: {}", a.into_error()),
        Err(e) => format!("failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::auth::Credentials as Pair;
    use shared::helper::HelperName;

    fn entry(server: &str) -> RegistryEntry {
        let pair = Pair {
            username: "u".into(),
            password: "p".into(),
        };
        RegistryEntry::new(Registry::parse(server).unwrap(), pair, None)
    }

    fn found(server: &str, status: ImportStatus) -> Found {
        Found {
            server: server.into(),
            secret: Registry::parse(server).unwrap().suggested_name(),
            status,
        }
    }

    fn importable(server: &str) -> Found {
        found(
            server,
            ImportStatus::Importable {
                entry: Box::new(entry(server)),
                suggested_name: SecretName::suggest(server),
                warnings: vec![],
            },
        )
    }

    fn in_helper(server: &str) -> Found {
        found(
            server,
            ImportStatus::InHelper {
                helper: HelperName::parse("pass").unwrap(),
            },
        )
    }

    #[test]
    fn a_cloud_helper_gets_the_advice_of_a_brokered_secret() {
        let ecr = Found {
            server: "123456789012.dkr.ecr.us-east-1.amazonaws.com".into(),
            secret: SecretName::parse("ecr").unwrap(),
            status: ImportStatus::InHelper {
                helper: HelperName::parse("ecr-login").unwrap(),
            },
        };
        let notes = cloud_notes(&[ecr, in_helper("quay.io")]);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("Amazon ECR") && notes[0].contains("--ecr"));
    }

    fn room(taken: &[&str], used: u64, max: u64) -> Room {
        Room {
            taken: taken.iter().map(|s| s.to_string()).collect(),
            quota: QuotaRoom { max, used },
        }
    }

    #[test]
    fn a_name_that_exists_is_skipped_before_its_helper_runs() {
        let mut asked = Vec::new();
        let rows = plan(
            vec![in_helper("quay.io"), importable("ghcr.io")],
            &room(&["quay-io"], 1, 50),
            |_, server| {
                asked.push(server.to_owned());
                Ok(entry(server))
            },
        );
        assert_eq!(rows[0].result, EXISTS);
        assert!(rows[0].entry.is_none());
        assert!(rows[1].entry.is_some() && rows[1].result.is_empty());
        assert!(asked.is_empty(), "no helper for a row skipped anyway");
    }

    #[test]
    fn only_the_rows_that_fit_the_quota_are_checked_and_kept() {
        let mut asked = Vec::new();
        let servers = [
            "a.example.com",
            "b.example.com",
            "c.example.com",
            "d.example.com",
        ];
        let mut input = vec![found(
            "bad.example.com",
            ImportStatus::Invalid {
                reason: "no credentials".into(),
            },
        )];
        input.push(in_helper(servers[0]));
        input.extend(servers[1..].iter().map(|s| in_helper(s)));
        let r = room(&[], 48, 50);
        let rows = plan(input, &r, |_, server| {
            asked.push(server.to_owned());
            if server == "a.example.com" {
                Err("docker-credential-pass has no credentials for it".into())
            } else {
                Ok(entry(server))
            }
        });
        let results: Vec<&str> = rows.iter().map(|r| r.result.as_str()).collect();
        assert_eq!(results[0], "skipped: no credentials");
        assert_eq!(
            results[1],
            "skipped: docker-credential-pass has no credentials for it"
        );
        assert!(rows[2].entry.is_some() && rows[3].entry.is_some());
        assert!(
            results[4].starts_with("skipped: over the quota (48 of 50"),
            "{}",
            results[4]
        );
        assert_eq!(
            asked,
            ["a.example.com", "b.example.com", "c.example.com"],
            "a failed helper uses no room"
        );
        let note = quota_note(&rows, &r, true).unwrap();
        assert!(
            note.contains("allows 2 more secrets")
                && note.contains("would import 2")
                && note.contains("1 more registry is skipped"),
            "{note}"
        );
        let fits = plan(vec![importable("ghcr.io")], &r, |_, _| unreachable!());
        assert_eq!(quota_note(&fits, &r, false), None);
        let full = plan(
            vec![importable("ghcr.io")],
            &room(&[], 60, 50),
            |_, _| unreachable!(),
        );
        assert!(full[0].result.contains("over the quota"));
    }
}
