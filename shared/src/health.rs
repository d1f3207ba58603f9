//! A secret's health (CONTRACT §9): its state after each check, when it
//! started failing, and which webhook events a change of state sends: one
//! per change, never one per run.

use serde::{Deserialize, Serialize};

use crate::login::LoginResult;
use crate::time::Timestamp;
use crate::webhook::EventType;

/// Days before `expiresAt` that warn, when `REGCRED_EXPIRY_WARN_DAYS` is
/// not set.
pub const DEFAULT_WARN_DAYS: [u32; 3] = [14, 7, 1];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum HealthStatus {
    Ok,
    CredentialsRejected,
    Unreachable,
    NotARegistry,
    Unexpected,
    NotAllowed,
    TlsFailed,
    ExpiringSoon,
    Expired,
    MintFailed,
    /// Not checked since it was created or its credentials were edited.
    Unchecked,
}

impl HealthStatus {
    /// Every state but ok, expiringSoon and unchecked: a deployment that
    /// pulls with it now fails (`?health=failing`).
    pub fn failing(self) -> bool {
        !matches!(
            self,
            HealthStatus::Ok | HealthStatus::ExpiringSoon | HealthStatus::Unchecked
        )
    }

    /// The state a login check's result means. `NotChecked` (out of time)
    /// says nothing about the credentials: it reads as unreachable.
    pub fn of_login(r: LoginResult) -> HealthStatus {
        match r {
            LoginResult::Ok => HealthStatus::Ok,
            LoginResult::CredentialsRejected => HealthStatus::CredentialsRejected,
            LoginResult::Unreachable | LoginResult::NotChecked => HealthStatus::Unreachable,
            LoginResult::NotARegistry => HealthStatus::NotARegistry,
            LoginResult::Unexpected => HealthStatus::Unexpected,
            LoginResult::NotAllowed => HealthStatus::NotAllowed,
            LoginResult::TlsFailed => HealthStatus::TlsFailed,
        }
    }
}

/// What list and get show, and what is kept between checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub status: HealthStatus,
    /// RFC 3339; absent while unchecked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
    /// The first check that found it failing, kept while it fails for any
    /// reason, dropped on recovery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<String>,
    pub message: String,
}

impl Health {
    /// A secret just created or edited.
    pub fn unchecked() -> Health {
        Health {
            status: HealthStatus::Unchecked,
            checked_at: None,
            failing_since: None,
            message: "not checked yet; the next scheduled run checks it".into(),
        }
    }
}

/// Between checks: the health, and the nearest expiry warning already sent
/// (so each threshold warns once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Watch {
    pub health: Health,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warned_days: Option<u32>,
}

/// What one check found: the first registry that did not say ok (or ok),
/// or a mint the cloud refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub status: HealthStatus,
    pub message: String,
}

/// The health after a check at `now`, and the events that change sends.
/// `expires_at` is the secret's expiry (or a minted credential's);
/// `warn_days` the thresholds, e.g. [14, 7, 1].
pub fn after_check(
    before: Option<&Watch>,
    found: Found,
    expires_at: Option<Timestamp>,
    now: Timestamp,
    warn_days: &[u32],
) -> (Watch, Vec<EventType>) {
    let was = before.map_or(HealthStatus::Unchecked, |w| w.health.status);
    let days_left = expires_at.map(|e| (e.unix_seconds() - now.unix_seconds()).div_euclid(86_400));
    let expired = expires_at.is_some_and(|e| e <= now);
    // A failing check wins over a near expiry; an expiry past wins over both.
    let (status, message) = if expired {
        (
            HealthStatus::Expired,
            format!(
                "the credentials expired {}; renew them",
                expires_at.map(|e| e.to_string()).unwrap_or_default()
            ),
        )
    } else if found.status.failing() {
        (found.status, found.message)
    } else {
        // The nearest threshold the expiry is within, if any.
        let within = days_left.and_then(|d| {
            warn_days
                .iter()
                .copied()
                .filter(|t| d < i64::from(*t))
                .min()
        });
        match within {
            Some(_) => (
                HealthStatus::ExpiringSoon,
                format!(
                    "the credentials work, and expire {}; renew them before then",
                    expires_at.map(|e| e.to_string()).unwrap_or_default()
                ),
            ),
            None => (HealthStatus::Ok, found.message),
        }
    };
    let mut events = Vec::new();
    let failing_since = match (status.failing(), was.failing()) {
        (true, true) => before.and_then(|w| w.health.failing_since.clone()),
        (true, false) => {
            events.push(if status == HealthStatus::Expired {
                EventType::Expired
            } else {
                EventType::Failing
            });
            Some(now.to_string())
        }
        (false, true) => {
            events.push(EventType::Recovered);
            None
        }
        (false, false) => None,
    };
    if status == HealthStatus::Expired && was.failing() && was != HealthStatus::Expired {
        events.push(EventType::Expired);
    }
    // Thresholds crossed together send one event, for the nearest.
    let mut warned_days = before.and_then(|w| w.warned_days);
    if !expired {
        let nearest = days_left.and_then(|d| {
            warn_days
                .iter()
                .copied()
                .filter(|t| d < i64::from(*t))
                .min()
        });
        if let Some(t) = nearest {
            if warned_days.is_none_or(|w| t < w) {
                events.push(EventType::Expiring);
                warned_days = Some(t);
            }
        }
    }
    let watch = Watch {
        health: Health {
            status,
            checked_at: Some(now.to_string()),
            failing_since,
            message,
        },
        warned_days,
    };
    (watch, events)
}

/// How often every secret is checked when `REGCRED_CHECK_EVERY` is unset.
pub const DEFAULT_CHECK_EVERY_SECS: i64 = 86_400;

/// Parses `REGCRED_CHECK_EVERY`: a duration like `24h`, `30m`, `1h30m` or
/// `0s` (every secret on every run, for tests), in seconds.
pub fn parse_every(text: &str) -> Result<i64, String> {
    let bad = || {
        format!("REGCRED_CHECK_EVERY {text:?} is not a duration like \"24h\", \"30m\" or \"0s\"")
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(bad());
    }
    let (mut total, mut digits) = (0i64, String::new());
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let n: i64 = digits.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        digits.clear();
    }
    if !digits.is_empty() || total > 366 * 86_400 {
        return Err(bad());
    }
    Ok(total)
}

/// Whether a secret last checked at `checked_at` (never: `None`) is due at
/// `now`, when every secret is checked at least once every `every` seconds.
pub fn due(checked_at: Option<Timestamp>, now: Timestamp, every: i64) -> bool {
    checked_at.is_none_or(|t| now.unix_seconds() - t.unix_seconds() >= every)
}

/// The names due at `now`, never checked first, then the oldest check,
/// at most `max`; and how many were due in all.
pub fn pick_due(
    listed: Vec<(crate::SecretName, Option<Timestamp>)>,
    now: Timestamp,
    every: i64,
    max: usize,
) -> (u64, Vec<crate::SecretName>) {
    let mut due: Vec<_> = listed
        .into_iter()
        .filter(|(_, at)| self::due(*at, now, every))
        .collect();
    let total = due.len() as u64;
    due.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.as_str().cmp(b.0.as_str())));
    (total, due.into_iter().take(max).map(|(n, _)| n).collect())
}

/// Parses `REGCRED_EXPIRY_WARN_DAYS`, e.g. `"14,7,1"`.
pub fn parse_warn_days(text: &str) -> Result<Vec<u32>, String> {
    let days: Result<Vec<u32>, _> = text.split(',').map(|d| d.trim().parse()).collect();
    match days {
        Ok(d) if !d.is_empty() && d.iter().all(|n| (1..=365).contains(n)) => Ok(d),
        _ => Err(format!(
            "REGCRED_EXPIRY_WARN_DAYS {text:?} is not a list of days from 1 to 365, like \"14,7,1\""
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn found(status: HealthStatus) -> Found {
        Found {
            status,
            message: format!("{status:?}"),
        }
    }

    const DAYS: [u32; 3] = [14, 7, 1];

    #[test]
    fn never_checked_first_then_the_oldest_and_no_more_than_the_bound() {
        let name = |s: &str| crate::SecretName::parse(s).unwrap();
        let now = at("2026-12-06T12:00:00Z");
        let listed = vec![
            (name("fresh"), Some(at("2026-12-06T11:00:00Z"))),
            (name("old"), Some(at("2026-12-04T00:00:00Z"))),
            (name("new"), None),
            (name("older"), Some(at("2026-12-03T00:00:00Z"))),
        ];
        let (due, picked) = pick_due(listed.clone(), now, 86_400, 2);
        assert_eq!(due, 3);
        assert_eq!(picked, vec![name("new"), name("older")]);
        let (due, picked) = pick_due(listed, now, 0, 10);
        assert_eq!((due, picked.len()), (4, 4));
    }

    #[test]
    fn check_every_reads_durations() {
        assert_eq!(parse_every("24h"), Ok(86_400));
        assert_eq!(parse_every("1h30m"), Ok(5_400));
        assert_eq!(parse_every("0s"), Ok(0));
        assert!(parse_every("soon").is_err());
        assert!(parse_every("12").is_err());
        let now = at("2026-12-06T12:00:00Z");
        assert!(due(None, now, 86_400));
        assert!(!due(Some(at("2026-12-06T00:00:00Z")), now, 86_400));
        assert!(due(Some(at("2026-12-06T12:00:00Z")), now, 0));
    }

    #[test]
    fn one_event_per_change_of_state_never_one_per_run() {
        let t1 = at("2026-12-06T00:00:00Z");
        let t2 = at("2026-12-07T00:00:00Z");
        let t3 = at("2026-12-08T00:00:00Z");
        let (ok, e) = after_check(None, found(HealthStatus::Ok), None, t1, &DAYS);
        assert_eq!((ok.health.status, e), (HealthStatus::Ok, vec![]));
        let (bad, e) = after_check(
            Some(&ok),
            found(HealthStatus::CredentialsRejected),
            None,
            t2,
            &DAYS,
        );
        assert_eq!(e, [EventType::Failing]);
        assert_eq!(
            bad.health.failing_since.as_deref(),
            Some("2026-12-07T00:00:00Z")
        );
        // Still failing, for another reason: no event, the same start.
        let (still, e) = after_check(
            Some(&bad),
            found(HealthStatus::Unreachable),
            None,
            t3,
            &DAYS,
        );
        assert!(e.is_empty());
        assert_eq!(still.health.status, HealthStatus::Unreachable);
        assert_eq!(still.health.failing_since, bad.health.failing_since);
        let (back, e) = after_check(Some(&still), found(HealthStatus::Ok), None, t3, &DAYS);
        assert_eq!(e, [EventType::Recovered]);
        assert_eq!(back.health.failing_since, None);
    }

    #[test]
    fn expiry_warns_once_per_threshold_and_the_nearest_when_crossed_together() {
        let expires = at("2026-12-10T00:00:00Z");
        // Two days left: 14 and 7 are crossed together, one event for 7.
        let (w, e) = after_check(
            None,
            found(HealthStatus::Ok),
            Some(expires),
            at("2026-12-08T00:00:00Z"),
            &DAYS,
        );
        assert_eq!(e, [EventType::Expiring]);
        assert_eq!(
            (w.health.status, w.warned_days),
            (HealthStatus::ExpiringSoon, Some(7))
        );
        let (w2, e) = after_check(
            Some(&w),
            found(HealthStatus::Ok),
            Some(expires),
            at("2026-12-08T12:00:00Z"),
            &DAYS,
        );
        assert!(e.is_empty(), "no second event for the same threshold");
        let (w3, e) = after_check(
            Some(&w2),
            found(HealthStatus::Ok),
            Some(expires),
            at("2026-12-09T01:00:00Z"),
            &DAYS,
        );
        assert_eq!((e, w3.warned_days), (vec![EventType::Expiring], Some(1)));
        let (gone, e) = after_check(
            Some(&w3),
            found(HealthStatus::Ok),
            Some(expires),
            at("2026-12-10T00:00:00Z"),
            &DAYS,
        );
        assert_eq!(
            (gone.health.status, e),
            (HealthStatus::Expired, vec![EventType::Expired])
        );
        // A failing secret near its expiry shows the failing state.
        let (f, _) = after_check(
            None,
            found(HealthStatus::CredentialsRejected),
            Some(expires),
            at("2026-12-08T00:00:00Z"),
            &DAYS,
        );
        assert_eq!(f.health.status, HealthStatus::CredentialsRejected);
    }

    #[test]
    fn states_and_settings() {
        assert!(HealthStatus::MintFailed.failing());
        assert!(!HealthStatus::ExpiringSoon.failing());
        assert!(!HealthStatus::Unchecked.failing());
        assert_eq!(
            HealthStatus::of_login(LoginResult::TlsFailed),
            HealthStatus::TlsFailed
        );
        assert_eq!(parse_warn_days("14,7,1").unwrap(), DAYS);
        assert!(parse_warn_days("0").is_err() && parse_warn_days("x").is_err());
        let json = serde_json::to_value(Health::unchecked()).unwrap();
        assert_eq!(json["status"], "unchecked");
        assert!(json.get("checkedAt").is_none());
    }
}
