//! `cargo xtask fuzz`: the long API fuzzing run (schemathesis against the
//! built worker). The short run is part of `cargo xtask test`.

use crate::build;
use crate::run::{self, step};
use crate::tools;

pub fn run() -> Result<(), String> {
    let tools = tools::ensure_test_tools()?;
    build::console(&tools)?;
    build::worker(&tools, true)?;
    let examples = std::env::var("SCHEMATHESIS_MAX_EXAMPLES").unwrap_or_else(|_| "200".into());
    step(&format!("schemathesis, {examples} examples per operation"));
    let mut cmd = tools.command("node");
    cmd.arg("tests/fuzz/schemathesis.mjs")
        .env("REGCRED_ROOT", &tools.root)
        .env("SCHEMATHESIS", tools::schemathesis_bin()?)
        .env("SCHEMATHESIS_MAX_EXAMPLES", examples);
    run::status(&mut cmd, "schemathesis")
}
