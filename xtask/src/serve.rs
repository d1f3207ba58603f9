//! `cargo xtask dev`'s server, stopped whole. `cargo` execs xtask in its own
//! place (same pid), so a SIGTERM to "cargo xtask dev" reaches xtask alone:
//! by default xtask died and left wrangler, and the workerd it runs, serving
//! 8787 (workerd drains on SIGTERM rather than exit). So wrangler runs in a
//! process group of its own, which xtask stops as one: SIGTERM to the group,
//! SIGKILL to whatever is left after a grace period. SIGINT (Ctrl-C reaches
//! only the terminal's group, now xtask's), SIGTERM and SIGHUP to xtask all
//! do it; if xtask itself is killed outright, Linux sends wrangler a SIGTERM
//! (PR_SET_PDEATHSIG), and wrangler stops its workerd.
//!
//! Std-only: the few libc calls are declared here (std links libc already).

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

pub const SIGHUP: i32 = 1;
pub const SIGINT: i32 = 2;
const SIGKILL: i32 = 9;
pub const SIGTERM: i32 = 15;

mod sys {
    extern "C" {
        pub fn signal(signum: i32, handler: usize) -> usize;
        pub fn kill(pid: i32, sig: i32) -> i32;
        #[cfg(target_os = "linux")]
        pub fn prctl(option: i32, ...) -> i32;
    }
    #[cfg(target_os = "linux")]
    pub const PR_SET_PDEATHSIG: i32 = 1;
}

/// The last stop signal caught; 0 for none.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: i32) {
    // An atomic store is all a signal handler may safely do here.
    CAUGHT.store(sig, Ordering::SeqCst);
}

/// From now on SIGINT, SIGTERM and SIGHUP no longer end xtask: they are
/// remembered, for [`caught`] to report.
pub fn catch_stop_signals() {
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        // SAFETY: `on_signal` is async-signal-safe (one atomic store).
        unsafe {
            sys::signal(sig, on_signal as extern "C" fn(i32) as usize);
        }
    }
}

/// The stop signal caught, if any.
pub fn caught() -> Option<i32> {
    match CAUGHT.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

pub fn name(sig: i32) -> &'static str {
    match sig {
        SIGHUP => "SIGHUP",
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

/// How a served command ended.
#[derive(Debug)]
pub enum Ended {
    /// By itself; its group is stopped too.
    Exited(ExitStatus),
    /// Stopped, with its whole group, on this signal.
    Stopped(i32),
}

/// Starts `cmd` as the leader of a new process group, with no stdin (a
/// background group reading the terminal would be stopped by SIGTTIN).
pub fn spawn_group(cmd: &mut Command) -> std::io::Result<Child> {
    cmd.stdin(Stdio::null()).process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is a plain system call, safe between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            sys::prctl(sys::PR_SET_PDEATHSIG, SIGTERM as std::ffi::c_ulong);
            Ok(())
        });
    }
    cmd.spawn()
}

/// Waits until `child` (a group leader, from [`spawn_group`]) ends or
/// `stop` names a signal; either way its whole group is stopped: SIGTERM,
/// then SIGKILL for what is left after `grace`.
pub fn supervise(
    child: &mut Child,
    grace: Duration,
    stop: impl Fn() -> Option<i32>,
) -> std::io::Result<Ended> {
    let group = child.id() as i32;
    loop {
        if let Some(status) = child.try_wait()? {
            stop_group(group, child, grace);
            return Ok(Ended::Exited(status));
        }
        if let Some(sig) = stop() {
            stop_group(group, child, grace);
            return Ok(Ended::Stopped(sig));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether any process of the group is left (its reaped leader is not).
fn group_alive(group: i32) -> bool {
    // SAFETY: signal 0 only checks; a negative pid names the group.
    unsafe { sys::kill(-group, 0) == 0 }
}

fn signal_group(group: i32, sig: i32) {
    // SAFETY: as above; the group is one we made, so it holds only what we started.
    unsafe {
        sys::kill(-group, sig);
    }
}

fn stop_group(group: i32, leader: &mut Child, grace: Duration) {
    let settled = |leader: &mut Child| {
        // Reap the leader, or its zombie keeps the group alive.
        let _ = leader.try_wait();
        !group_alive(group)
    };
    if settled(leader) {
        return;
    }
    signal_group(group, SIGTERM);
    let until = Instant::now() + grace;
    while Instant::now() < until {
        if settled(leader) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    signal_group(group, SIGKILL);
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until && !settled(leader) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn alive(pid: u32) -> bool {
        // A zombie (exited, not yet reaped by init) is gone for our purpose.
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => !stat
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z')),
            Err(_) => false,
        }
    }

    /// A stand-in for wrangler: a shell that, like workerd draining,
    /// ignores SIGTERM, with two children (which inherit that) writing
    /// their pids to `pids`.
    fn stubborn_server(pids: &Path) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("trap '' TERM; sleep 300 & echo $! >> \"$0\"; sleep 300 & echo $! >> \"$0\"; echo $$ >> \"$0\"; wait")
            .arg(pids);
        cmd
    }

    fn pids(path: &Path) -> Vec<u32> {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let pids: Vec<u32> = text.lines().filter_map(|l| l.parse().ok()).collect();
            if pids.len() == 3 || Instant::now() > until {
                return pids;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn a_stop_signal_stops_the_whole_group_even_what_ignores_sigterm() {
        let file = std::env::temp_dir().join(format!("xtask-serve-{}", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let mut child = spawn_group(&mut stubborn_server(&file)).unwrap();
        let started = pids(&file);
        assert_eq!(started.len(), 3, "{started:?}");
        assert!(started.iter().all(|&p| alive(p)));
        let asked = Instant::now();
        let ended = supervise(&mut child, Duration::from_millis(500), || {
            (asked.elapsed() > Duration::from_millis(200)).then_some(SIGTERM)
        })
        .unwrap();
        assert!(matches!(ended, Ended::Stopped(SIGTERM)), "{ended:?}");
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "{:?}",
            asked.elapsed()
        );
        let left: Vec<u32> = started.into_iter().filter(|&p| alive(p)).collect();
        assert!(left.is_empty(), "still running: {left:?}");
        let _ = std::fs::remove_file(&file);
    }

    #[test]
    fn a_server_that_ends_leaves_nothing_behind() {
        let file = std::env::temp_dir().join(format!("xtask-serve-end-{}", std::process::id()));
        let _ = std::fs::remove_file(&file);
        // The shell exits at once; its (detached from it) sleeps stay in the group.
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("sleep 300 & echo $! >> \"$0\"; sleep 300 & echo $! >> \"$0\"; echo $$ >> \"$0\"; exit 3")
            .arg(&file);
        let mut child = spawn_group(&mut cmd).unwrap();
        let started = pids(&file);
        let ended = supervise(&mut child, Duration::from_millis(500), || None).unwrap();
        assert!(
            matches!(ended, Ended::Exited(s) if s.code() == Some(3)),
            "{ended:?}"
        );
        let left: Vec<u32> = started.into_iter().filter(|&p| alive(p)).collect();
        assert!(left.is_empty(), "still running: {left:?}");
        let _ = std::fs::remove_file(&file);
    }

    #[test]
    fn sigterm_to_xtask_is_caught_not_fatal() {
        catch_stop_signals();
        // SAFETY: signalling ourselves; the handler is installed.
        unsafe {
            sys::kill(std::process::id() as i32, SIGTERM);
        }
        let until = Instant::now() + Duration::from_secs(5);
        while caught().is_none() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(caught(), Some(SIGTERM));
    }
}
