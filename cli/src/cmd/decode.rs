//! `regcred decode`: what the console's decoder does, offline: an auth
//! token, a config.json, a `.dockerconfigjson` value (base64 of JSON) or a
//! whole Secret manifest, told apart by `shared::paste`. Nothing is sent
//! anywhere.

use std::io::Read;

use shared::paste::{decode_paste, Pasted};
use shared::ImportStatus;

use crate::error::{CliError, Result};
use crate::output::table;

fn shown(password: &str, reveal: bool) -> String {
    if reveal {
        password.to_owned()
    } else {
        format!(
            "({} characters; --reveal shows it)",
            password.chars().count()
        )
    }
}

pub fn run(token: Option<&str>, reveal: bool) -> Result<()> {
    let input = match token {
        Some("-") | None => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            s
        }
        Some(t) => t.to_owned(),
    };
    let found = match decode_paste(&input).map_err(|e| CliError::new(e.to_string()))? {
        Pasted::Empty => {
            return Err(CliError::usage(
                "nothing to decode; give an auth token, a config.json, a .dockerconfigjson value or a Secret manifest (or - to read stdin)",
            ))
        }
        Pasted::Token(c) => {
            println!("username: {}", c.username);
            println!("password: {}", shown(&c.password, reveal));
            return Ok(());
        }
        Pasted::Configs(found) => found,
    };
    // What it was read as goes to stderr, so the table stays the output.
    for f in &found {
        eprintln!("read as {}", f.source);
    }
    let several = found.len() > 1;
    let mut out = Vec::new();
    for f in &found {
        let secret = f.secret.clone().unwrap_or_else(|| "-".into());
        let mut push = |mut row: Vec<String>| {
            if several {
                row.insert(0, secret.clone());
            }
            out.push(row);
        };
        let rows = match &f.rows {
            Ok(rows) => rows,
            Err(why) => {
                push(vec!["-".into(), "-".into(), why.clone()]);
                continue;
            }
        };
        for r in rows {
            push(match &r.status {
                ImportStatus::Importable { entry, .. } => vec![
                    r.server.clone(),
                    entry.credentials.username.clone(),
                    shown(&entry.credentials.password, reveal),
                ],
                ImportStatus::InHelper { helper } => vec![
                    r.server.clone(),
                    "-".into(),
                    format!("in the credential helper {helper}"),
                ],
                ImportStatus::Invalid { reason } => {
                    vec![r.server.clone(), "-".into(), reason.clone()]
                }
            });
        }
    }
    let headers: &[&str] = if several {
        &["secret", "registry", "username", "password"]
    } else {
        &["registry", "username", "password"]
    };
    print!("{}", table(headers, out));
    Ok(())
}
