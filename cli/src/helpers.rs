//! Runs a Docker credential helper's `get`, the way Docker does: the server
//! URL on stdin, `{"ServerURL","Username","Secret"}` on stdout. Every way it
//! can fail becomes a reason, never a secret without credentials.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use shared::helper::{read_helper_answer, valid_helper_name, HelperOutcome, NOT_FOUND};
use shared::RegistryEntry;

/// How long a helper may take (a keychain prompt nobody answers hangs).
pub fn timeout() -> Duration {
    let secs = std::env::var("REGCRED_HELPER_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    Duration::from_secs(secs)
}

/// The credentials `helper` holds for `server`, or why there are none.
pub fn get(helper: &str, server: &str, limit: Duration) -> Result<RegistryEntry, String> {
    if !valid_helper_name(helper) {
        return Err(format!(
            "the helper name {helper:?} is not a program name (letters, digits, '-', '_', '.'); fix config.json"
        ));
    }
    let program = format!("docker-credential-{helper}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("{program} is not installed (not on PATH)"),
            _ => format!("{program} could not start ({e})"),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_string(&mut out);
        }
        out
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{program} did not answer within {} s (a keychain waiting for a prompt?)",
                    limit.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("{program}: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        if out.trim() == NOT_FOUND {
            return Err(format!("{program} has no credentials for it"));
        }
        return Err(format!("{program} failed: {}", first_line(&out)));
    }
    match read_helper_answer(server, &out) {
        HelperOutcome::Found(entry) => Ok(*entry),
        HelperOutcome::Empty => Err(format!("{program} answered with empty credentials")),
        HelperOutcome::Invalid(why) => Err(format!("{program}: {why}")),
    }
}

/// Helper output is shown only as a first line, cut short: it may hold anything.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    line.chars().take(120).collect()
}
