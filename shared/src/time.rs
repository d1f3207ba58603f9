//! Timestamps for expiry dates: parsed from RFC 3339 (or a bare date, meaning
//! midnight UTC), kept as UTC seconds, written back as `YYYY-MM-DDTHH:MM:SSZ`.
//! No clock here: callers pass "now".

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// Secrets expiring within this many days are flagged.
pub const EXPIRY_WARNING_DAYS: i64 = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum ExpiryState {
    Expired,
    ExpiringSoon,
    Valid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeError(String);

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a date-time; write it as 2026-12-31T00:00:00Z (RFC 3339) or 2026-12-31",
            self.0
        )
    }
}

impl std::error::Error for TimeError {}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn num(s: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| range.contains(n))
}

impl Timestamp {
    pub fn parse(input: &str) -> Result<Timestamp, TimeError> {
        Self::parse_inner(input.trim()).ok_or_else(|| TimeError(input.to_owned()))
    }

    fn parse_inner(s: &str) -> Option<Timestamp> {
        let (date, time) = match s.find(['T', 't', ' ']) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let mut parts = date.split('-');
        let y = num(parts.next()?, 1970..=9999)?;
        let m = num(parts.next()?, 1..=12)?;
        let d = num(parts.next()?, 1..=31)?;
        if parts.next().is_some() || d > days_in_month(y, m) || date.len() != 10 {
            return None;
        }
        let mut secs = days_from_civil(y, m, d) * 86_400;
        if let Some(t) = time {
            let (clock, offset) = if let Some(c) = t.strip_suffix(['Z', 'z']) {
                (c, 0)
            } else {
                let i = t.rfind(['+', '-'])?;
                let (c, off) = t.split_at(i);
                let sign = if off.starts_with('-') { -1 } else { 1 };
                let (oh, om) = off[1..].split_once(':')?;
                (c, sign * (num(oh, 0..=23)? * 3600 + num(om, 0..=59)? * 60))
            };
            let clock = clock.split('.').next()?;
            let mut hms = clock.split(':');
            let h = num(hms.next()?, 0..=23)?;
            let mi = num(hms.next()?, 0..=59)?;
            let se = num(hms.next()?, 0..=60)?;
            if hms.next().is_some() {
                return None;
            }
            secs += h * 3600 + mi * 60 + se - offset;
        }
        Some(Timestamp(secs))
    }

    pub fn unix_seconds(self) -> i64 {
        self.0
    }

    pub fn from_unix_seconds(secs: i64) -> Timestamp {
        Timestamp(secs)
    }

    /// Whole days from `now` until this time (negative once past).
    pub fn days_after(self, now: Timestamp) -> i64 {
        (self.0 - now.0).div_euclid(86_400)
    }

    pub fn expiry_state(self, now: Timestamp) -> ExpiryState {
        if self <= now {
            ExpiryState::Expired
        } else if self.0 - now.0 <= EXPIRY_WARNING_DAYS * 86_400 {
            ExpiryState::ExpiringSoon
        } else {
            ExpiryState::Valid
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let rem = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn parses_and_normalizes() {
        assert_eq!(
            t("2026-11-23T01:02:03.456Z").to_string(),
            "2026-11-23T01:02:03Z"
        );
        assert_eq!(t("2026-12-31").to_string(), "2026-12-31T00:00:00Z");
        assert_eq!(
            t("2026-03-01T01:00:00+02:00").to_string(),
            "2026-02-28T23:00:00Z"
        );
        assert_eq!(
            t("2024-02-29T00:00:00Z").to_string(),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(t("1970-01-01T00:00:00Z").unix_seconds(), 0);
        assert_eq!(t("2000-03-01T00:00:00Z").unix_seconds(), 951_868_800);
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for bad in [
            "",
            "tomorrow",
            "2026-13-01",
            "2026-02-30",
            "2025-02-29",
            "2026-1-1",
            "2026-01-01T25:00:00Z",
            "2026-01-01T00:00Z",
            "2026-01-01T00:00:00+5",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
        assert!(Timestamp::parse("x")
            .unwrap_err()
            .to_string()
            .contains("RFC 3339"));
    }

    #[test]
    fn expiry_states() {
        let now = t("2026-11-23T00:00:00Z");
        assert_eq!(t("2026-11-22").expiry_state(now), ExpiryState::Expired);
        assert_eq!(t("2026-12-01").expiry_state(now), ExpiryState::ExpiringSoon);
        assert_eq!(t("2027-01-01").expiry_state(now), ExpiryState::Valid);
        assert_eq!(t("2026-12-01").days_after(now), 8);
        assert_eq!(t("2026-11-22").days_after(now), -1);
    }

    #[test]
    fn round_trips_every_day_for_centuries() {
        for day in (0..(400 * 366)).step_by(7) {
            let ts = Timestamp(day * 86_400 + 3_661);
            assert_eq!(Timestamp::parse(&ts.to_string()), Ok(ts));
        }
    }
}
