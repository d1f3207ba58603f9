//! The Import page's plan as plain data: how many new secrets the quota
//! has room for, which rows start checked (the first that fit), and what
//! the page says about it, before and while the user picks rows.

/// Room left under the quota: shared's rule, which the CLI plans with too.
pub use shared::import::QuotaRoom as Room;

/// Whether each row starts checked: importable rows, in order, as long as
/// they fit (all of them when the room is unknown).
pub fn preselect(importable: &[bool], room: Option<Room>) -> Vec<bool> {
    let mut left = room.map_or(u64::MAX, |r| r.free());
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

/// How many rows to draw at first: `SHOWN_FIRST`, or more so that every
/// row that starts checked is seen.
pub fn shown_first(checked: &[bool]) -> usize {
    let last = checked.iter().rposition(|c| *c).map_or(0, |i| i + 1);
    last.max(SHOWN_FIRST).min(checked.len())
}

/// The line above the rows: how many are importable and how many fit.
pub fn quota_line(importable: usize, room: Option<Room>) -> String {
    let found = match importable {
        1 => "1 registry can be imported".to_owned(),
        n => format!("{n} registries can be imported"),
    };
    let Some(room) = room else {
        return format!("{found}.");
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
pub fn over_quota(checked: usize, room: Option<Room>) -> Option<String> {
    let free = room?.free();
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

    fn room(max: u64, used: u64) -> Option<Room> {
        Some(Room { max, used })
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
        assert_eq!(preselect(&rows, None), [true, false, true, true, true]);
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
        assert_eq!(quota_line(3, None), "3 registries can be imported.");
    }

    #[test]
    fn checking_more_than_fit_is_warned() {
        assert_eq!(over_quota(47, room(50, 3)), None);
        assert_eq!(
            over_quota(49, room(50, 3)).unwrap(),
            "49 rows are checked but only 47 fit in the quota: the rest will be refused. Uncheck 2."
        );
        assert_eq!(over_quota(10_000, None), None);
    }
}
