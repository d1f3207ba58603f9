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

/// A visible answer with the current value shown in brackets: an empty
/// answer keeps it (the caller compares). Only called on a terminal.
pub fn ask_default(question: &str, current: &str) -> Result<String> {
    if current.is_empty() {
        eprint!("{question}: ");
    } else {
        eprint!("{question} [{current}]: ");
    }
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

/// A new password, hidden; empty keeps the current one, anything else is
/// asked again. Only called on a terminal.
pub fn ask_new_secret(question: &str) -> Result<String> {
    let first = rpassword::prompt_password(format!("{question} (empty: keep): "))?;
    if !first.is_empty() {
        let again = rpassword::prompt_password(format!("{question} (again): "))?;
        if again != first {
            return Err(CliError::new("the two entries differ; nothing was changed"));
        }
    }
    Ok(first)
}

/// One of `options`, by its number or as written; asked until one is given
/// (an empty answer or end of input gives up). Only called on a terminal.
pub fn choose(question: &str, options: &[String]) -> Result<usize> {
    for (i, o) in options.iter().enumerate() {
        eprintln!("  {}) {o}", i + 1);
    }
    loop {
        eprint!("{question} [1-{}]: ", options.len());
        std::io::stderr().flush()?;
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line)? == 0 || line.trim().is_empty() {
            return Err(CliError::new("nothing chosen; nothing was changed"));
        }
        if let Some(i) = pick_option(line.trim(), options) {
            return Ok(i);
        }
        eprintln!(
            "{:?} is not one of them: answer with its number",
            line.trim()
        );
    }
}

/// The option an answer names: its number (from 1) or its exact text.
fn pick_option(answer: &str, options: &[String]) -> Option<usize> {
    match answer.parse::<usize>() {
        Ok(n) if (1..=options.len()).contains(&n) => Some(n - 1),
        _ => options.iter().position(|o| o == answer),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_option_is_picked_by_number_or_text_only() {
        let o = ["ghcr.io".to_owned(), "quay.io".to_owned()];
        assert_eq!(pick_option("1", &o), Some(0));
        assert_eq!(pick_option("2", &o), Some(1));
        assert_eq!(pick_option("quay.io", &o), Some(1));
        for bad in ["0", "3", "-1", "docker.io", "1.0"] {
            assert_eq!(pick_option(bad, &o), None, "{bad}");
        }
    }
}
