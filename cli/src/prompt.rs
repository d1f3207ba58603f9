//! Questions on a terminal. Without one, nothing is asked: a missing value
//! is an error that names the flag.

use std::io::{BufRead, IsTerminal, Write};

use crate::error::{CliError, Result};

pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// A visible answer; `flag` is named when there is no terminal.
pub fn ask(question: &str, flag: &str) -> Result<String> {
    if !interactive() {
        return Err(CliError::usage(format!(
            "{flag} is required (no terminal to ask on)"
        )));
    }
    eprint!("{question}: ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// A hidden answer, asked twice when `confirm`.
pub fn ask_secret(question: &str, flag: &str, confirm: bool) -> Result<String> {
    if !interactive() {
        return Err(CliError::usage(format!(
            "{flag} is required (no terminal to ask on)"
        )));
    }
    let first = rpassword::prompt_password(format!("{question}: "))?;
    if confirm {
        let again = rpassword::prompt_password(format!("{question} (again): "))?;
        if again != first {
            return Err(CliError::new("the two entries differ; nothing was changed"));
        }
    }
    Ok(first)
}

/// Yes or no; `default` is taken on an empty answer.
pub fn confirm(question: &str, default: bool) -> Result<bool> {
    let hint = if default { "[Y/n]" } else { "[y/N]" };
    eprint!("{question} {hint} ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(match line.trim().to_ascii_lowercase().as_str() {
        "" => default,
        a => a.starts_with('y'),
    })
}

/// One line from stdin (a token or password piped in), without its newline.
pub fn read_stdin_line(what: &str) -> Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let value = line.trim_end_matches(['\r', '\n']).to_owned();
    if value.is_empty() {
        return Err(CliError::usage(format!("{what} on stdin is empty")));
    }
    Ok(value)
}
