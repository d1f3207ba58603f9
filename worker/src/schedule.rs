//! The scheduled run (a Cron Trigger): checks the secrets that are due,
//! oldest check first, at most [`MAX_CHECKS_PER_RUN`] a run and
//! [`PARALLEL`] at a time, each in its own object (which records its
//! health and sends its events); then asks the directory to sweep deleted
//! secrets past retention. Nothing here throws: a failed check is that
//! secret's health, a failed call is counted and the run goes on.

use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use shared::time::Timestamp;
use shared::SecretName;

use crate::config::Config;
use crate::ctx::Now;
use crate::paging::{walk, Window};
use crate::record::{SecretMeta, PREFIX};
use crate::rooms::{call, op, Puller, Rooms, Target};
use crate::store::Store;

/// Checks one run may start: each is a login (and maybe a mint) of up to
/// 10 s a request, and a cron run has about 30 s of CPU and a few minutes
/// of wall time; 500 secrets take ten runs.
pub const MAX_CHECKS_PER_RUN: usize = 50;
/// Checks in flight at once.
pub const PARALLEL: usize = 10;
/// Who a scheduled check is, in the audit trail (a mint's record).
pub const ACTOR: &str = "schedule";

/// What one run did (logged by the edge, returned to tests).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    /// Secrets due before the run (never checked, or past the period).
    pub due: u64,
    pub checked: u64,
    /// Checks whose object could not be reached: they stay due.
    pub unreached: u64,
    /// Deleted secrets dropped for good.
    pub swept: u64,
    /// KV could not list the secrets: nothing was checked this run.
    pub unlisted: bool,
}

/// One scheduled run over the secrets KV lists.
pub async fn run<S: Store, R: Rooms>(store: &S, rooms: &R, cfg: &Config, now: Now) -> RunReport {
    let listed = walk(store, PREFIX, Window::all(), true, |k| {
        let name = SecretName::parse(k.name.strip_prefix(PREFIX)?).ok()?;
        let meta = k.read_metadata::<SecretMeta>().unwrap_or_default();
        let at = meta
            .watch
            .and_then(|w| w.health.checked_at)
            .and_then(|t| Timestamp::parse(&t).ok());
        Some((name, at))
    })
    .await;
    let mut report = RunReport::default();
    let Ok((listed, _)) = listed else {
        report.unlisted = true;
        return report;
    };
    let (due, names) = shared::health::pick_due(
        listed,
        now.timestamp(),
        cfg.check_every_secs,
        MAX_CHECKS_PER_RUN,
    );
    report.due = due;
    for chunk in names.chunks(PARALLEL) {
        let calls = chunk.iter().map(|name| {
            let who = Puller {
                actor: ACTOR.to_owned(),
                request_id: format!("schedule-{}", now.epoch_ms()),
            };
            async move {
                let r: Result<Checked, _> =
                    call(rooms, Target::Secret(name), op::CHECK, &who).await;
                r.is_ok()
            }
        });
        for ok in join_all(calls).await {
            if ok {
                report.checked += 1;
            } else {
                report.unreached += 1;
            }
        }
    }
    let ask = crate::directory_room::SweepAsk {
        retention_days: cfg.retention_days,
        now: now.timestamp().unix_seconds(),
    };
    let swept: Result<u64, _> = call(rooms, Target::Directory, op::SWEEP, &ask).await;
    report.swept = swept.unwrap_or(0);
    report
}

/// `check`'s answer: the state it found.
#[derive(Debug, Serialize, Deserialize)]
pub struct Checked {
    pub status: shared::health::HealthStatus,
}
