//! The Import page's plan as plain data: how many new secrets the quota
//! has room for, which rows start checked (the first that fit), how many
//! rows are drawn, and what the page says about it, before and while the
//! user picks rows.

/// Room left under the quota: shared's rule, which the CLI plans with too.
pub use shared::import::QuotaRoom as Room;

/// What the page knows of the quota, asked once when it opens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Quota {
    /// Not answered yet. Nothing starts checked: a file read before the
    /// answer would otherwise have every row checked, so drawn, only to be
    /// unchecked a moment later (20,000 rows take the browser seconds).
    Asking,
    Known(Room),
    /// The answer failed or had no usage: every importable row starts
    /// checked, and the server's quota check has the last word.
    Unknown,
}

impl Quota {
    pub fn room(self) -> Option<Room> {
        match self {
            Quota::Known(r) => Some(r),
            Quota::Asking | Quota::Unknown => None,
        }
    }
}

/// Whether each row starts checked: importable rows, in order, as long as
/// they fit (all of them when the room cannot be known, none while asked).
pub fn preselect(importable: &[bool], quota: Quota) -> Vec<bool> {
    let mut left = match quota {
        Quota::Asking => 0,
        Quota::Known(r) => r.free(),
        Quota::Unknown => u64::MAX,
    };
    importable
        .iter()
        .map(|&ok| {
            let take = ok && left > 0;
            if take {
                left -= 1;
            }
            take
        })
        .collect()
}

/// Rows drawn before "Show all": a file may list thousands of registries,
/// and a row takes the browser about half a millisecond to draw.
pub const SHOWN_FIRST: usize = 100;

/// How many rows are drawn: enough that every checked row is seen (at
/// least `SHOWN_FIRST`), or all of them once the user asked.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Drawn {
    first: usize,
    all: bool,
}

impl Drawn {
    /// For a new file: the rows up to its last checked one.
    pub fn new(checked: &[bool]) -> Drawn {
        Drawn {
            first: shown_first(checked),
            all: false,
        }
    }

    /// The same file checked again (the quota answered): what is drawn
    /// follows the new checks, unless the user asked for every row.
    pub fn rechecked(self, checked: &[bool]) -> Drawn {
        Drawn {
            first: shown_first(checked),
            all: self.all,
        }
    }

    pub fn all(self) -> Drawn {
        Drawn { all: true, ..self }
    }

    /// How many of the first rows to draw.
    pub fn limit(self) -> usize {
        if self.all {
            usize::MAX
        } else {
            self.first
        }
    }
}

fn shown_first(checked: &[bool]) -> usize {
    let last = checked.iter().rposition(|c| *c).map_or(0, |i| i + 1);
    last.max(SHOWN_FIRST).min(checked.len())
}

/// The line above the rows: how many are importable and how many fit.
pub fn quota_line(importable: usize, quota: Quota) -> String {
    let found = match importable {
        1 => "1 registry can be imported".to_owned(),
        n => format!("{n} registries can be imported"),
    };
    let room = match quota {
        Quota::Known(room) => room,
        Quota::Asking => return format!("{found}; asking the quota how many fit…"),
        Quota::Unknown => return format!("{found}."),
    };
    let free = room.free();
    let quota = format!(
        "the quota allows {} secrets and {} {} stored",
        room.max,
        room.used,
        if room.used == 1 { "is" } else { "are" }
    );
    if free == 0 {
        format!("{found}, but none fits: {quota}. Delete secrets, or ask for a larger quota (REGCRED_MAX_SECRETS).")
    } else if (importable as u64) <= free {
        format!("{found}; all fit ({quota}).")
    } else {
        format!("{found}; only {free} fit ({quota}), so only the first {free} are checked.")
    }
}

/// A warning when more rows are checked than fit; the extra ones would be
/// refused by the quota.
pub fn over_quota(checked: usize, quota: Quota) -> Option<String> {
    let free = quota.room()?.free();
    (checked as u64 > free).then(|| {
        format!(
            "{checked} rows are checked but only {free} fit in the quota: the rest will be refused. Uncheck {}.",
            checked as u64 - free
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(max: u64, used: u64) -> Quota {
        Quota::Known(Room { max, used })
    }

    #[test]
    fn room_is_read_from_the_quota_answer() {
        let q: shared::api::QuotaResponse =
            serde_json::from_slice(br#"{"usage":{"count":7},"quota":{"maxCount":50}}"#).unwrap();
        assert_eq!(Room::of(&q).map(|r| r.free()), Some(43));
        let q: shared::api::QuotaResponse =
            serde_json::from_slice(br#"{"quota":{"maxCount":50}}"#).unwrap();
        assert_eq!(Room::of(&q), None);
        assert_eq!(Room { max: 5, used: 9 }.free(), 0);
    }

    #[test]
    fn only_the_first_rows_that_fit_start_checked() {
        let rows = [true, false, true, true, true];
        assert_eq!(
            preselect(&rows, room(50, 48)),
            [true, false, true, false, false]
        );
        assert_eq!(
            preselect(&rows, Quota::Unknown),
            [true, false, true, true, true]
        );
        assert_eq!(preselect(&rows, Quota::Asking), [false; 5]);
        assert_eq!(preselect(&rows, room(50, 50)), [false; 5]);
        let many = vec![true; 20_000];
        assert_eq!(
            preselect(&many, room(50, 0)).iter().filter(|c| **c).count(),
            50
        );
    }

    #[test]
    fn every_checked_row_is_drawn() {
        assert_eq!(shown_first(&vec![true; 20_000][..]), 20_000);
        let mut checked = vec![false; 20_000];
        checked[..50].fill(true);
        assert_eq!(shown_first(&checked), SHOWN_FIRST);
        checked[700] = true;
        assert_eq!(shown_first(&checked), 701);
        assert_eq!(shown_first(&[false, true]), 2);
    }

    #[test]
    fn a_late_quota_answer_draws_only_the_rows_that_fit() {
        // The file is read first: nothing is checked while the quota is asked.
        let importable = vec![true; 20_000];
        let drawn = Drawn::new(&preselect(&importable, Quota::Asking));
        assert_eq!(drawn.limit(), SHOWN_FIRST);
        // The answer leaves room for 47: the first 47 are checked, 100 drawn.
        let fit = preselect(&importable, room(50, 3));
        assert_eq!(drawn.rechecked(&fit).limit(), SHOWN_FIRST);
        // Were every row checked before the answer, the answer still shrinks
        // what is drawn to the rows that fit.
        let every = Drawn::new(&preselect(&importable, Quota::Unknown));
        assert_eq!(every.limit(), 20_000);
        assert_eq!(every.rechecked(&fit).limit(), SHOWN_FIRST);
        // "Show all" outlives the answer; a new file forgets it.
        assert_eq!(drawn.all().rechecked(&fit).limit(), usize::MAX);
        assert_eq!(Drawn::new(&fit).limit(), SHOWN_FIRST);
    }

    #[test]
    fn the_page_says_how_many_fit() {
        assert_eq!(
            quota_line(20_000, room(50, 3)),
            "20000 registries can be imported; only 47 fit (the quota allows 50 secrets and 3 are stored), so only the first 47 are checked."
        );
        assert_eq!(
            quota_line(2, room(50, 3)),
            "2 registries can be imported; all fit (the quota allows 50 secrets and 3 are stored)."
        );
        assert!(
            quota_line(1, room(50, 50)).starts_with("1 registry can be imported, but none fits")
        );
        assert_eq!(
            quota_line(3, Quota::Unknown),
            "3 registries can be imported."
        );
        assert_eq!(
            quota_line(3, Quota::Asking),
            "3 registries can be imported; asking the quota how many fit…"
        );
    }

    #[test]
    fn checking_more_than_fit_is_warned() {
        assert_eq!(over_quota(47, room(50, 3)), None);
        assert_eq!(
            over_quota(49, room(50, 3)).unwrap(),
            "49 rows are checked but only 47 fit in the quota: the rest will be refused. Uncheck 2."
        );
        assert_eq!(over_quota(10_000, Quota::Unknown), None);
        assert_eq!(over_quota(10_000, Quota::Asking), None);
    }
}
