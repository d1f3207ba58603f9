//! `regcred secret versions | restore | undelete`: a secret's kept versions
//! (`GET .../{name}/versions`), bringing one back as a new version
//! (`POST .../versions/{v}/restore`, guarded by `If-Match` so it restores
//! over the version that was shown) and undeleting (`POST .../undelete`).
//! `secret list --deleted` (in `secret.rs`) lists what can be undeleted.

use shared::api::{IdMessageResponse, VersionInfo, VersionList};
use shared::SecretName;

use crate::client::Api;
use crate::cmd::secret::name;
use crate::cmd::{print, secret_path};
use crate::error::{CliError, Result};
use crate::output::{table, Format};
use crate::prompt;

fn or_dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".into())
}

fn usernames(v: &VersionInfo) -> String {
    if v.users.is_empty() {
        return "-".into();
    }
    v.users
        .iter()
        .map(|u| u.username.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Current, deleted, or only kept.
fn state(v: &VersionInfo) -> String {
    match (&v.deleted_at, v.current) {
        (Some(at), _) => format!("deleted {at}"),
        (None, true) => "current".into(),
        (None, false) => "kept".into(),
    }
}

fn row(v: &VersionInfo) -> Vec<String> {
    vec![
        v.version.to_string(),
        v.created_at.clone(),
        or_dash(&v.created_by),
        v.registries.join(","),
        usernames(v),
        or_dash(&v.expires_at),
        state(v),
    ]
}

const HEADERS: [&str; 7] = [
    "version",
    "written",
    "by",
    "registries",
    "usernames",
    "expires",
    "state",
];

fn load(api: &Api, name: &SecretName) -> Result<VersionList> {
    api.get(&format!("{}/versions", secret_path(name)))
}

pub fn versions(api: &Api, raw: &str, output: Format) -> Result<()> {
    let name = name(raw)?;
    let list = load(api, &name)?;
    let value = serde_json::to_value(&list).unwrap_or_default();
    print(
        output,
        &value,
        || table(&HEADERS, list.resources.iter().map(row).collect()),
        || {
            list.resources
                .iter()
                .map(|v| v.version.to_string())
                .collect()
        },
    )
}

/// Which version to restore over (the current one) and which to restore,
/// or why neither can be: deleted, or `wanted` not kept.
pub fn plan<'a>(
    name: &SecretName,
    list: &'a VersionList,
    wanted: u64,
) -> Result<(&'a VersionInfo, &'a VersionInfo)> {
    let Some(current) = list.resources.iter().find(|v| v.current) else {
        return Err(CliError::new(format!(
            "the secret {name} is deleted: undelete it first (regcred secret undelete {name}), then restore a version"
        )));
    };
    let kept: Vec<String> = list
        .resources
        .iter()
        .map(|v| v.version.to_string())
        .collect();
    let source = list
        .resources
        .iter()
        .find(|v| v.version == wanted)
        .ok_or_else(|| {
            CliError::usage(format!(
                "version {wanted} of {name} is not kept; the versions kept are {} (regcred secret versions {name})",
                kept.join(", ")
            ))
        })?;
    Ok((current, source))
}

/// What restoring `source` over `current` changes, one line per field.
pub fn differences(current: &VersionInfo, source: &VersionInfo) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |what: &str, now: String, then: String| {
        if now != then {
            out.push(format!("  {what}: {now} -> {then}"));
        }
    };
    field(
        "registries",
        current.registries.join(","),
        source.registries.join(","),
    );
    field("usernames", usernames(current), usernames(source));
    field(
        "expires",
        or_dash(&current.expires_at),
        or_dash(&source.expires_at),
    );
    out
}

pub fn restore(api: &Api, raw: &str, version: u64, yes: bool) -> Result<()> {
    let name = name(raw)?;
    if version == 0 {
        return Err(CliError::usage(
            "--version: versions start at 1 (regcred secret versions NAME lists them)",
        ));
    }
    let list = load(api, &name)?;
    let (current, source) = plan(&name, &list, version)?;
    if !yes {
        if !prompt::interactive() {
            return Err(CliError::usage(format!(
                "restoring {name} to version {version} needs --yes (no terminal to ask on)"
            )));
        }
        eprintln!(
            "Version {version} was written {} by {}.",
            source.created_at,
            or_dash(&source.created_by)
        );
        let diff = differences(current, source);
        if diff.is_empty() {
            eprintln!(
                "It holds the same registries, usernames and expiry as the current version {}.",
                current.version
            );
        } else {
            eprintln!("Against the current version {}:", current.version);
            diff.iter().for_each(|d| eprintln!("{d}"));
        }
        let question = format!(
            "Restore {name} to version {version} (as a new version {})?",
            current.version + 1
        );
        if !prompt::confirm(&question, false)? {
            return Err(CliError::new("not restored"));
        }
    }
    let etag = format!("\"{}\"", current.version);
    let path = format!("{}/versions/{version}/restore", secret_path(&name));
    let a = api.send("POST", &path, None, &[("If-Match", &etag)])?;
    if a.status == 412 {
        return Err(CliError::new(format!(
            "the secret {name} changed since its versions were read; nothing was restored: run the restore again"
        )));
    }
    if a.status >= 300 {
        return Err(a.into_error());
    }
    let done: IdMessageResponse = a.json()?;
    let new = a.etag.as_deref().map(|t| t.trim_matches('"').to_owned());
    match new {
        Some(v) => println!("secret {name} restored from version {version} as version {v}"),
        None => println!("secret {name}: {}", done.message),
    }
    eprintln!("Test it: regcred secret check {name}");
    Ok(())
}

pub fn undelete(api: &Api, raw: &str) -> Result<()> {
    let name = name(raw)?;
    api.ok("POST", &format!("{}/undelete", secret_path(&name)), None)?;
    println!("secret {name} undeleted");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::RegistryLogin;

    fn v(version: u64, current: bool, user: &str, expires: Option<&str>) -> VersionInfo {
        VersionInfo {
            version,
            created_at: format!("2026-01-0{version}T00:00:00Z"),
            created_by: Some("test-editor".into()),
            registries: vec!["ghcr.io".into()],
            expires_at: expires.map(str::to_owned),
            key_id: None,
            current,
            deleted_at: None,
            users: vec![RegistryLogin {
                registry: "ghcr.io".into(),
                username: user.into(),
                email: None,
            }],
        }
    }

    fn n() -> SecretName {
        SecretName::parse("ci").unwrap()
    }

    #[test]
    fn restore_needs_a_live_secret_and_a_kept_version() {
        let list = VersionList {
            count: 2,
            resources: vec![
                v(3, true, "new", None),
                v(2, false, "old", Some("2027-01-01")),
            ],
        };
        let (cur, src) = plan(&n(), &list, 2).unwrap();
        assert_eq!((cur.version, src.version), (3, 2));
        let e = plan(&n(), &list, 1).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("3, 2"), "{}", e.message);
        let mut gone = list.clone();
        gone.resources[0].current = false;
        gone.resources[0].deleted_at = Some("2026-02-01T00:00:00Z".into());
        let e = plan(&n(), &gone, 2).unwrap_err();
        assert!(
            e.message.contains("regcred secret undelete ci"),
            "{}",
            e.message
        );
    }

    #[test]
    fn the_confirmation_shows_what_differs() {
        let d = differences(
            &v(3, true, "new", None),
            &v(2, false, "old", Some("2027-01-01")),
        );
        assert_eq!(d, ["  usernames: new -> old", "  expires: - -> 2027-01-01"]);
        assert!(differences(&v(3, true, "a", None), &v(2, false, "a", None)).is_empty());
        assert_eq!(state(&v(3, true, "a", None)), "current");
        assert_eq!(state(&v(2, false, "a", None)), "kept");
    }
}
