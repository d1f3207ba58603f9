use std::process::ExitCode;

use clap::Parser;
use regcred_cli::{args::Cli, cmd};

fn main() -> ExitCode {
    match cmd::run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("regcred: {e}");
            ExitCode::from(e.code)
        }
    }
}
