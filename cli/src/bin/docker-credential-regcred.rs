use std::process::ExitCode;

use regcred_cli::credhelper;

fn main() -> ExitCode {
    let verb = std::env::args().nth(1);
    match credhelper::run(verb.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        // The protocol: errors on stdout, exit 1.
        Err(e) => {
            println!("{e}");
            ExitCode::from(e.code.max(1))
        }
    }
}
