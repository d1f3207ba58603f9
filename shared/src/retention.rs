//! How long regcred keeps what was replaced or deleted: pure rules over
//! RFC 3339 times, so the worker, the console and their tests agree.

use crate::time::Timestamp;

/// Days a deleted secret stays restorable (`REGCRED_RETENTION_DAYS`).
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// Versions kept per secret, the current one included (`REGCRED_VERSIONS`).
pub const DEFAULT_VERSIONS: u32 = 10;
pub const MAX_VERSIONS: u32 = 100;
pub const MAX_RETENTION_DAYS: u32 = 3650;

/// When something deleted at `deleted_at` is purged; `None` if the time
/// does not parse.
pub fn purge_after(deleted_at: &str, days: u32) -> Option<Timestamp> {
    let t = Timestamp::parse(deleted_at).ok()?;
    Some(Timestamp::from_unix_seconds(
        t.unix_seconds() + i64::from(days) * 86_400,
    ))
}

/// Whether its retention has ended. A time that does not parse is kept:
/// dropping data on a misread is the worse mistake.
pub fn expired(deleted_at: &str, days: u32, now: Timestamp) -> bool {
    purge_after(deleted_at, days).is_some_and(|end| end <= now)
}

/// How many of a secret's kept versions (newest first, each with the time
/// the secret was deleted at that version, if it was) stay restorable: at
/// most `keep`, and none at or below a deletion whose retention has ended
/// (recreating a name does not extend its old history).
pub fn restorable(deleted_at: &[Option<&str>], keep: usize, days: u32, now: Timestamp) -> usize {
    let live = deleted_at
        .iter()
        .position(|d| d.is_some_and(|d| expired(d, days, now)))
        .unwrap_or(deleted_at.len());
    live.min(keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn retention_ends_after_its_days() {
        let now = at("2026-12-31T00:00:00Z");
        assert!(!expired("2026-12-01T00:00:01Z", 30, now));
        assert!(expired("2026-12-01T00:00:00Z", 30, now));
        assert!(!expired("not a time", 1, now));
        assert_eq!(
            purge_after("2026-12-01T10:00:00Z", 30).unwrap().to_string(),
            "2026-12-31T10:00:00Z"
        );
    }

    #[test]
    fn an_ended_deletion_cuts_the_history_below_it() {
        let now = at("2026-12-31T00:00:00Z");
        let old = Some("2026-11-01T00:00:00Z");
        let recent = Some("2026-12-20T00:00:00Z");
        assert_eq!(restorable(&[None, None, old, None], 10, 30, now), 2);
        assert_eq!(restorable(&[None, recent, None], 10, 30, now), 3);
        assert_eq!(restorable(&[None, None, None], 2, 30, now), 2);
        assert_eq!(restorable(&[old], 10, 30, now), 0);
        assert_eq!(restorable(&[], 10, 30, now), 0);
    }
}
