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
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("{program} is not installed (not on PATH)"),
            _ => format!("{program} could not start ({e})"),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let reader = drain(child.stdout.take());
    // Some helpers say why they failed on stderr; read it so a full pipe
    // never blocks them.
    let errors = drain(child.stderr.take());
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
    let err = errors.join().unwrap_or_default();
    if !status.success() {
        if out.trim() == NOT_FOUND {
            return Err(format!("{program} has no credentials for it"));
        }
        let said = if out.trim().is_empty() { &err } else { &out };
        return Err(match shown(said) {
            Some(why) => format!("{program} failed: {why}"),
            None => format!("{program} failed ({status}) without saying why"),
        });
    }
    match read_helper_answer(server, &out) {
        HelperOutcome::Found(entry) => Ok(*entry),
        HelperOutcome::Empty => Err(format!("{program} answered with empty credentials")),
        HelperOutcome::Invalid(why) => Err(format!("{program}: {why}")),
    }
}

/// Everything a pipe gives until it closes (bytes that are not UTF-8
/// become U+FFFD rather than losing the rest).
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut out);
        }
        String::from_utf8_lossy(&out).into_owned()
    })
}

/// The longest helper message shown, in characters.
pub const MAX_SHOWN: usize = 400;

/// A failed helper's message as one line, whole up to [`MAX_SHOWN`]
/// characters; a longer one ends at a word with `…`. `None` for nothing to
/// show, or for JSON: an answer's shape may carry a secret.
pub fn shown(text: &str) -> Option<String> {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() || line.starts_with('{') {
        return None;
    }
    Some(clip(&line, MAX_SHOWN))
}

/// `text` if it has at most `max` characters; else cut after the last
/// whole word that fits (mid-word only when a single word is longer than
/// `max`, and then at a character), with `…`.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    // Room for the ellipsis; `end` is a byte index on a character boundary.
    let end = text
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let next_is_space = text[end..].starts_with(char::is_whitespace);
    let cut = match head.rfind(char::is_whitespace) {
        _ if next_is_space => head,
        Some(i) if i > 0 => &head[..i],
        _ => head,
    };
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_ends_at_a_word_never_mid_word() {
        let msg = "error getting credentials - err: exit status 1, out: `no basic auth credentials for this registry; see the documentation for more information about logging in`";
        assert_eq!(clip(msg, 500), msg, "whole when it fits");
        let c = clip(msg, 120);
        assert!(c.ends_with('…'), "{c}");
        assert!(c.chars().count() <= 120, "{c}");
        let body = c.trim_end_matches('…');
        assert!(msg.starts_with(body));
        let after = &msg[body.len()..];
        assert!(after.starts_with(' '), "cut at a word boundary: {c:?}");
        assert!(!c.contains("informa…"));
        // One word longer than the cap: cut at a character, still marked.
        let word = "é".repeat(50);
        let w = clip(&word, 10);
        assert_eq!(w, format!("{}…", "é".repeat(9)));
        // Exactly the boundary: the next character is a space.
        assert_eq!(clip("abcd efgh", 5), "abcd…");
    }

    #[test]
    fn helper_output_becomes_one_line_or_nothing() {
        assert_eq!(
            shown("first line\n  second   line\n").as_deref(),
            Some("first line second line")
        );
        assert_eq!(shown("  \n"), None);
        assert_eq!(
            shown("{\"ServerURL\":\"x\",\"Username\":\"u\",\"Secret\":\"s\"}"),
            None,
            "an answer's shape is never shown"
        );
        let long = "word ".repeat(200);
        let s = shown(&long).unwrap();
        assert!(
            s.chars().count() <= MAX_SHOWN && s.ends_with("word…"),
            "{s}"
        );
    }
}
