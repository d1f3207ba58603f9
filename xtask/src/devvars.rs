//! `.dev.vars`: the local Worker secrets (API tokens and the encryption
//! keyring), generated once with fresh randomness and never committed. A
//! file from before a role existed (the admin token came later) gets a token
//! for each missing role added; everything else in it stays as it was.

use std::io::{Read, Write};
use std::path::Path;

use crate::run::step;

/// Every role gets a local token; admin opens Tokens, backup, key rotation
/// and purge, which a newcomer wants to try.
pub const ROLES: [&str; 4] = ["viewer", "editor", "puller", "admin"];

const TOKENS_KEY: &str = "REGCRED_TOKENS=";

pub struct DevVars {
    /// (role, token) in the file's order.
    pub tokens: Vec<(String, String)>,
}

/// Reads `.dev.vars`, writing a fresh one first if there is none, and
/// adding a token for any role it lacks.
pub fn ensure(path: &Path) -> Result<DevVars, String> {
    let shown = |e: std::io::Error| format!("{}: {e}", path.display());
    let fresh = !path.exists();
    let text = if fresh {
        generate()?
    } else {
        std::fs::read_to_string(path).map_err(shown)?
    };
    let (text, added) = add_missing_roles(&text, |role| {
        Ok(format!("local-{role}:{role}:rc_{}", hex(&random(24)?)))
    })?;
    if fresh {
        step(".dev.vars: generating API tokens and an encryption key");
    } else if added.is_empty() {
        step(".dev.vars: present (delete it to get new tokens)");
    } else {
        step(&format!(
            ".dev.vars: present; added a token for {} (the rest kept)",
            added.join(", ")
        ));
    }
    if fresh || !added.is_empty() {
        write_private(path, &text).map_err(shown)?;
    }
    Ok(DevVars {
        tokens: parse_tokens(&text),
    })
}

/// Written 0600 when created: it holds every token and the keyring.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// Token format: `label:role:token`, comma-separated; the first key in
/// REGCRED_KEYS encrypts, every key decrypts (see worker README).
fn generate() -> Result<String, String> {
    Ok(format!(
        "# Local Worker secrets for `wrangler dev`. Never commit this file.\n\
         {TOKENS_KEY}\"\"\n\
         REGCRED_KEYS=\"k1:{}\"\n\
         # Local only: lets the login check use plain http to a loopback registry.\n\
         REGCRED_ALLOW_HTTP_LOOPBACK=\"true\"\n",
        hex(&random(32)?)
    ))
}

/// `text` with a token (made by `token(role)`) added to REGCRED_TOKENS for
/// every role in ROLES it has none for; the line is added when missing.
/// Returns the new text and the roles added. Other lines, and the entries
/// already there, stay byte for byte.
fn add_missing_roles(
    text: &str,
    mut token: impl FnMut(&str) -> Result<String, String>,
) -> Result<(String, Vec<String>), String> {
    let have: Vec<String> = parse_tokens(text).into_iter().map(|(r, _)| r).collect();
    let missing: Vec<&str> = ROLES
        .into_iter()
        .filter(|r| !have.iter().any(|h| h == r))
        .collect();
    if missing.is_empty() {
        return Ok((text.to_owned(), Vec::new()));
    }
    let mut new = Vec::new();
    for role in &missing {
        new.push(token(role)?);
    }
    let mut out = String::with_capacity(text.len() + 64 * new.len());
    let mut done = false;
    for line in text.split_inclusive('\n') {
        match line.strip_prefix(TOKENS_KEY).filter(|_| !done) {
            Some(value) => {
                let body = value.trim_end_matches(['\r', '\n']);
                let end = &value[body.len()..];
                let (quote, inner) = match body.chars().next() {
                    Some(q @ ('"' | '\'')) if body.len() >= 2 && body.ends_with(q) => {
                        (q.to_string(), &body[1..body.len() - 1])
                    }
                    _ => (String::new(), body),
                };
                let mut entries: Vec<&str> =
                    inner.split(',').filter(|e| !e.trim().is_empty()).collect();
                entries.extend(new.iter().map(String::as_str));
                out.push_str(&format!(
                    "{TOKENS_KEY}{quote}{}{quote}{end}",
                    entries.join(",")
                ));
                done = true;
            }
            None => out.push_str(line),
        }
    }
    if !done {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("{TOKENS_KEY}\"{}\"\n", new.join(",")));
    }
    Ok((out, missing.into_iter().map(str::to_owned).collect()))
}

fn parse_tokens(text: &str) -> Vec<(String, String)> {
    let Some(line) = text.lines().find_map(|l| l.strip_prefix(TOKENS_KEY)) else {
        return Vec::new();
    };
    line.trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .split(',')
        .filter_map(|entry| {
            let mut parts = entry.trim().splitn(3, ':');
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

    fn fresh(role: &str) -> Result<String, String> {
        Ok(format!("local-{role}:{role}:rc_{}", hex(&random(24)?)))
    }

    #[test]
    fn a_new_file_has_a_token_for_every_role_admin_included() {
        let (text, added) = add_missing_roles(&generate().unwrap(), fresh).unwrap();
        assert_eq!(added, ROLES);
        let tokens = parse_tokens(&text);
        let roles: Vec<&str> = tokens.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(roles, ROLES);
        assert!(tokens
            .iter()
            .all(|(_, t)| t.starts_with("rc_") && t.len() == 51));
        assert_ne!(tokens[0].1, tokens[3].1);
        assert!(text.contains("REGCRED_KEYS=\"k1:"));
    }

    #[test]
    fn an_old_file_gets_an_admin_token_and_keeps_the_rest() {
        let old = "# mine\n\
                   REGCRED_TOKENS=\"me:viewer:rc_aaaaaaaaaaaaaaaaaaaa,ci:editor:rc_bbbbbbbbbbbbbbbbbbbb,k:puller:rc_cccccccccccccccccccc\"\n\
                   REGCRED_KEYS=\"k2:00,k1:11\"\n\
                   OTHER=x";
        let (text, added) =
            add_missing_roles(old, |r| Ok(format!("local-{r}:{r}:rc_new"))).unwrap();
        assert_eq!(added, ["admin"]);
        assert_eq!(
            text,
            "# mine\n\
             REGCRED_TOKENS=\"me:viewer:rc_aaaaaaaaaaaaaaaaaaaa,ci:editor:rc_bbbbbbbbbbbbbbbbbbbb,k:puller:rc_cccccccccccccccccccc,local-admin:admin:rc_new\"\n\
             REGCRED_KEYS=\"k2:00,k1:11\"\n\
             OTHER=x"
        );
        // Once there, nothing changes.
        let (again, added) = add_missing_roles(&text, |_| Err("not called".into())).unwrap();
        assert!(added.is_empty());
        assert_eq!(again, text);
    }

    #[test]
    fn a_file_without_tokens_or_quotes_gets_them() {
        let (text, added) =
            add_missing_roles("REGCRED_KEYS=k1:00", |r| Ok(format!("l:{r}:t"))).unwrap();
        assert_eq!(added.len(), 4);
        assert_eq!(
            text,
            "REGCRED_KEYS=k1:00\nREGCRED_TOKENS=\"l:viewer:t,l:editor:t,l:puller:t,l:admin:t\"\n"
        );
        let (text, _) =
            add_missing_roles("REGCRED_TOKENS=a:admin:x\r\n", |r| Ok(format!("l:{r}:t"))).unwrap();
        assert_eq!(
            text,
            "REGCRED_TOKENS=a:admin:x,l:viewer:t,l:editor:t,l:puller:t\r\n"
        );
    }

    #[test]
    fn ensure_writes_and_extends_the_file() {
        let dir = std::env::temp_dir().join(format!("xtask-devvars-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".dev.vars");
        let _ = std::fs::remove_file(&path);
        let first = ensure(&path).unwrap();
        assert_eq!(first.tokens.len(), 4);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A file from before the admin token: the admin token is added.
        std::fs::write(
            &path,
            "REGCRED_TOKENS=\"v:viewer:rc_1111111111111111\"\nREGCRED_KEYS=\"k1:ab\"\n",
        )
        .unwrap();
        let second = ensure(&path).unwrap();
        assert_eq!(
            second.tokens[0],
            ("viewer".into(), "rc_1111111111111111".into())
        );
        assert!(second.tokens.iter().any(|(r, _)| r == "admin"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("\nREGCRED_KEYS=\"k1:ab\"\n"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
