//! `.dev.vars`: the local Worker secrets (API tokens and the encryption
//! keyring), generated once with fresh randomness and never committed.

use std::io::Read;
use std::path::Path;

use crate::run::step;

pub const ROLES: [&str; 3] = ["viewer", "editor", "puller"];

pub struct DevVars {
    /// (role, token) in ROLES order.
    pub tokens: Vec<(String, String)>,
}

/// Reads `.dev.vars`, writing a fresh one first if there is none.
pub fn ensure(path: &Path) -> Result<DevVars, String> {
    if !path.exists() {
        step(".dev.vars: generating API tokens and an encryption key");
        std::fs::write(path, generate()?).map_err(|e| format!("{}: {e}", path.display()))?;
    } else {
        step(".dev.vars: present (delete it to get new tokens)");
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(DevVars {
        tokens: parse_tokens(&text),
    })
}

/// Token format: `label:role:token`, comma-separated; the first key in
/// REGCRED_KEYS encrypts, every key decrypts (see worker README).
fn generate() -> Result<String, String> {
    let mut tokens = Vec::new();
    for role in ROLES {
        tokens.push(format!("local-{role}:{role}:rc_{}", hex(&random(24)?)));
    }
    Ok(format!(
        "# Local Worker secrets for `wrangler dev`. Never commit this file.\n\
         REGCRED_TOKENS=\"{}\"\n\
         REGCRED_KEYS=\"k1:{}\"\n\
         # Local only: lets the login check use plain http to a loopback registry.\n\
         REGCRED_ALLOW_HTTP_LOOPBACK=\"true\"\n",
        tokens.join(","),
        hex(&random(32)?)
    ))
}

fn parse_tokens(text: &str) -> Vec<(String, String)> {
    let Some(line) = text.lines().find_map(|l| l.strip_prefix("REGCRED_TOKENS=")) else {
        return Vec::new();
    };
    line.trim_matches('"')
        .split(',')
        .filter_map(|entry| {
            let mut parts = entry.splitn(3, ':');
            let (_label, role, token) = (parts.next()?, parts.next()?, parts.next()?);
            Some((role.to_owned(), token.to_owned()))
        })
        .collect()
}

fn random(n: usize) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| format!("/dev/urandom: {e}"))?;
    Ok(buf)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse_back() {
        let text = generate().unwrap();
        let tokens = parse_tokens(&text);
        assert_eq!(tokens.len(), 3);
        assert_eq!(tokens[1].0, "editor");
        assert!(tokens
            .iter()
            .all(|(_, t)| t.starts_with("rc_") && t.len() == 51));
        assert_ne!(tokens[0].1, tokens[1].1);
    }
}
