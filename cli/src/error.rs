//! The CLI's errors: what went wrong, where, and how to fix it, with the
//! exit code it ends in (1 failure, 2 usage; see README).

use std::fmt;

#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub code: u8,
}

pub const FAILURE: u8 = 1;
pub const USAGE: u8 = 2;

impl CliError {
    pub fn new(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            code: FAILURE,
        }
    }

    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            code: USAGE,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::new(e.to_string())
    }
}

impl From<shared::api::ApiError> for CliError {
    fn from(e: shared::api::ApiError) -> CliError {
        CliError::new(e.message)
    }
}

pub type Result<T> = std::result::Result<T, CliError>;
