//! What the console shows of versions and deleted secrets, as plain data:
//! a version's row, what a restore would change, and the line a deleted
//! secret gets.

use shared::api::{RegistryLogin, SecretStatus, VersionInfo};

use crate::listing::short_time;

/// One row of a secret's version table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRow {
    pub version: u64,
    /// "3 (current)", "2", "4 (deleted)".
    pub label: String,
    pub written: String,
    /// Who wrote it, or a dash when it predates that being kept.
    pub by: String,
    pub registries: String,
    /// Whether a restore button makes sense: every kept version but the
    /// live one (a deleted secret is undeleted, not restored).
    pub restorable: bool,
}

pub fn rows(versions: &[VersionInfo]) -> Vec<VersionRow> {
    let live = versions.iter().any(|v| v.current);
    versions
        .iter()
        .map(|v| {
            let label = if v.current {
                format!("{} (current)", v.version)
            } else if v.deleted_at.is_some() {
                format!("{} (deleted)", v.version)
            } else {
                v.version.to_string()
            };
            VersionRow {
                version: v.version,
                label,
                written: short_time(&v.created_at),
                by: v.created_by.clone().unwrap_or_else(|| "—".into()),
                registries: v.registries.join(", "),
                restorable: live && !v.current,
            }
        })
        .collect()
}

/// One thing a restore changes: what, as it is now, as it would be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub what: &'static str,
    pub now: String,
    pub restored: String,
}

/// What the confirmation of a restore says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestorePlan {
    pub version: u64,
    /// "Version 1 was written 2026-12-01 10:00 UTC by ci-bot; the current
    /// version 3, 2026-12-02 09:00 UTC by test-editor."
    pub when: String,
    /// Username(s), registries and expiry, where they differ.
    pub changes: Vec<Change>,
}

impl RestorePlan {
    /// The restore of `old` over `current` (the live version).
    pub fn new(current: &VersionInfo, old: &VersionInfo) -> RestorePlan {
        let mut changes = Vec::new();
        let mut differ = |what, now: String, restored: String| {
            if now != restored {
                changes.push(Change {
                    what,
                    now,
                    restored,
                });
            }
        };
        let several = current.registries.len() > 1 || old.registries.len() > 1;
        differ(
            if several { "Usernames" } else { "Username" },
            usernames(&current.users, several),
            usernames(&old.users, several),
        );
        differ(
            "Registries",
            current.registries.join(", "),
            old.registries.join(", "),
        );
        differ("Expiry", expiry(current), expiry(old));
        RestorePlan {
            version: old.version,
            when: format!(
                "Version {} was written {}; the current version {}, {}.",
                old.version,
                written(old),
                current.version,
                written(current)
            ),
            changes,
        }
    }

    /// Said when nothing shown differs: the passwords may, unseen.
    pub fn same_note(&self) -> Option<&'static str> {
        self.changes.is_empty().then_some(
            "Same username, registries and expiry as the current version: only the password (or token) can differ.",
        )
    }
}

/// "ci", or with several registries "ci (ghcr.io), robot (quay.io)"; a
/// version written before usernames were shown has none: a dash.
/// Who logs in: "ci", or "ci (ghcr.io), bot (quay.io)" for several
/// registries; a dash when the answer has no users.
pub fn usernames(users: &[RegistryLogin], several: bool) -> String {
    if users.is_empty() {
        return "—".into();
    }
    users
        .iter()
        .map(|u| {
            if several {
                format!("{} ({})", u.username, u.registry)
            } else {
                u.username.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn expiry(v: &VersionInfo) -> String {
    v.expires_at
        .as_deref()
        .map_or_else(|| "none".to_owned(), short_time)
}

fn written(v: &VersionInfo) -> String {
    match &v.created_by {
        Some(by) => format!("{} by {by}", short_time(&v.created_at)),
        None => short_time(&v.created_at),
    }
}

/// "deleted 2026-12-01 10:00 UTC, purged after 2026-12-31 10:00 UTC".
pub fn deleted_line(s: &SecretStatus) -> String {
    let at = s.deleted_at.as_deref().map(short_time).unwrap_or_default();
    match s.purge_after.as_deref() {
        Some(p) => format!("deleted {at}, purged after {}", short_time(p)),
        None => format!("deleted {at}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    /// Built from the wire form, as the console gets it.
    fn v(version: u64, current: bool, deleted: Option<&str>) -> VersionInfo {
        let mut j = json!({"version": version, "createdAt": "2026-12-01T10:00:00Z",
            "registries": ["ghcr.io", "quay.io"], "current": current,
            "users": [{"registry": "ghcr.io", "username": "ci"}, {"registry": "quay.io", "username": "robot"}]});
        if version > 1 {
            j["createdBy"] = json!("ci-bot");
        }
        if let Some(d) = deleted {
            j["deletedAt"] = json!(d);
        }
        serde_json::from_value(j).unwrap()
    }

    fn one(version: u64, user: &str, registry: &str, expires: Option<&str>) -> VersionInfo {
        let mut j = json!({"version": version, "createdAt": format!("2026-12-0{version}T10:00:00Z"),
            "createdBy": "test-editor", "registries": [registry], "current": false,
            "users": [{"registry": registry, "username": user}]});
        if let Some(e) = expires {
            j["expiresAt"] = json!(e);
        }
        serde_json::from_value(j).unwrap()
    }

    #[test]
    fn a_restore_says_what_it_changes() {
        let now = one(3, "ci", "ghcr.io", None);
        let old = one(1, "ci-old", "ghcr.io", Some("2027-01-01T00:00:00Z"));
        let plan = RestorePlan::new(&now, &old);
        assert_eq!(plan.version, 1);
        assert_eq!(
            plan.when,
            "Version 1 was written 2026-12-01 10:00 UTC by test-editor; the current version 3, 2026-12-03 10:00 UTC by test-editor."
        );
        let shown: Vec<_> = plan
            .changes
            .iter()
            .map(|c| (c.what, c.now.as_str(), c.restored.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Username", "ci", "ci-old"),
                ("Expiry", "none", "2027-01-01 00:00 UTC")
            ]
        );
        assert_eq!(plan.same_note(), None);
    }

    #[test]
    fn a_restore_of_the_same_logins_says_only_the_password_can_differ() {
        let plan = RestorePlan::new(
            &one(2, "ci", "ghcr.io", None),
            &one(1, "ci", "ghcr.io", None),
        );
        assert!(plan.changes.is_empty());
        assert!(plan.same_note().unwrap().contains("only the password"));
    }

    #[test]
    fn several_registries_name_each_username() {
        let now = v(3, true, None);
        let old = one(1, "ci", "ghcr.io", None);
        let plan = RestorePlan::new(&now, &old);
        assert_eq!(plan.changes[0].what, "Usernames");
        assert_eq!(plan.changes[0].now, "ci (ghcr.io), robot (quay.io)");
        assert_eq!(plan.changes[0].restored, "ci (ghcr.io)");
        assert_eq!(plan.changes[1].what, "Registries");
        let mut unknown = one(1, "x", "ghcr.io", None);
        unknown.users.clear();
        assert_eq!(
            RestorePlan::new(&one(2, "ci", "ghcr.io", None), &unknown).changes[0].restored,
            "—"
        );
    }

    #[test]
    fn live_secrets_restore_every_version_but_the_current() {
        let r = rows(&[
            v(3, true, None),
            v(2, false, Some("2026-12-01T11:00:00Z")),
            v(1, false, None),
        ]);
        assert_eq!(
            r.iter()
                .map(|r| (r.label.as_str(), r.restorable))
                .collect::<Vec<_>>(),
            [("3 (current)", false), ("2 (deleted)", true), ("1", true)]
        );
        assert_eq!(r[0].by, "ci-bot");
        assert_eq!(r[2].by, "—");
        assert_eq!(r[0].registries, "ghcr.io, quay.io");
        assert_eq!(r[0].written, "2026-12-01 10:00 UTC");
    }

    #[test]
    fn a_deleted_secret_offers_no_restore() {
        let r = rows(&[v(2, false, Some("2026-12-01T11:00:00Z")), v(1, false, None)]);
        assert!(r.iter().all(|r| !r.restorable));
    }

    #[test]
    fn deleted_lines_say_when_it_goes() {
        let mut s: SecretStatus = serde_json::from_value(json!({"name": "a", "registries": [],
            "createdAt": "", "modifiedAt": "", "deletedAt": "2026-12-01T10:00:00Z",
            "purgeAfter": "2026-12-31T10:00:00Z"}))
        .unwrap();
        assert_eq!(
            deleted_line(&s),
            "deleted 2026-12-01 10:00 UTC, purged after 2026-12-31 10:00 UTC"
        );
        s.purge_after = None;
        assert_eq!(deleted_line(&s), "deleted 2026-12-01 10:00 UTC");
    }
}
