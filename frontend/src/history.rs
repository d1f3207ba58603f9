//! What the console shows of versions and deleted secrets, as plain data:
//! a version's row, and the line a deleted secret gets.

use shared::api::{SecretStatus, VersionInfo};

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

    fn v(version: u64, current: bool, deleted: Option<&str>) -> VersionInfo {
        VersionInfo {
            version,
            created_at: "2026-12-01T10:00:00Z".into(),
            created_by: (version > 1).then(|| "ci-bot".into()),
            registries: vec!["ghcr.io".into(), "quay.io".into()],
            expires_at: None,
            key_id: None,
            current,
            deleted_at: deleted.map(str::to_owned),
        }
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
        let mut s = shared::api::SecretStatus {
            name: "a".into(),
            registries: vec![],
            created_at: String::new(),
            modified_at: String::new(),
            expires_at: None,
            expiry: None,
            key_id: None,
            deleted_at: Some("2026-12-01T10:00:00Z".into()),
            purge_after: Some("2026-12-31T10:00:00Z".into()),
        };
        assert_eq!(
            deleted_line(&s),
            "deleted 2026-12-01 10:00 UTC, purged after 2026-12-31 10:00 UTC"
        );
        s.purge_after = None;
        assert_eq!(deleted_line(&s), "deleted 2026-12-01 10:00 UTC");
    }
}
