//! Running commands: one announced line per step, output streamed through.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

pub fn step(what: &str) {
    println!("==> {what}");
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs to completion with inherited output; an error names the command.
pub fn status(cmd: &mut Command, what: &str) -> Result<(), String> {
    let shown = describe(cmd);
    let st = cmd
        .status()
        .map_err(|e| format!("{what}: could not start `{shown}`: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({st}): `{shown}`"))
    }
}

/// Stdout of a command, or None if it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs with stdout streamed through and scanned; returns the lines that
/// `keep` selects, and whether the command succeeded.
pub fn streamed(
    cmd: &mut Command,
    keep: impl Fn(&str) -> bool,
) -> Result<(bool, Vec<String>), String> {
    let shown = describe(cmd);
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    let mut kept = Vec::new();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if keep(&line) {
                kept.push(line);
            }
        }
    }
    let st = child.wait().map_err(|e| format!("`{shown}`: {e}"))?;
    Ok((st.success(), kept))
}

pub struct Timer(Instant);

impl Timer {
    pub fn start() -> Self {
        Timer(Instant::now())
    }

    pub fn secs(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}
