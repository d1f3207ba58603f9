//! `regcred decode`: what the console's decoder does, offline. Nothing is
//! sent anywhere.

use std::io::Read;

use shared::{auth, classify, ImportStatus};

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
    let trimmed = input.trim();
    if trimmed.starts_with('{') {
        let rows = classify(trimmed).map_err(|e| CliError::new(format!("stdin: {e}")))?;
        let out: Vec<Vec<String>> = rows
            .iter()
            .map(|r| match &r.status {
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
            })
            .collect();
        print!("{}", table(&["registry", "username", "password"], out));
        return Ok(());
    }
    let c = auth::decode(trimmed).map_err(|e| CliError::new(e.to_string()))?;
    println!("username: {}", c.username);
    println!("password: {}", shown(&c.password, reveal));
    Ok(())
}
