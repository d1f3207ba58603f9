//! `cargo xtask fuzz [--seconds N]`: every cargo-fuzz target for N seconds
//! (default 60) from its corpus, then the long API fuzzing run
//! (schemathesis: fuzzing, then N s of stateful scenarios). `cargo xtask
//! test` runs each target briefly.

use std::process::Command;

use crate::build;
use crate::run::{self, output, status, step, streamed};
use crate::tools::{self, Tools};

pub const TARGETS: [&str; 5] = ["auth_token", "dockerconfigjson", "import", "name", "paste"];
const CARGO_FUZZ: &str = "0.13.1";

pub fn run(args: &[String]) -> Result<(), String> {
    let seconds = match args.iter().position(|a| a == "--seconds") {
        Some(i) => args
            .get(i + 1)
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or("--seconds takes a whole number")?,
        None => 60,
    };
    let tools = tools::ensure_test_tools()?;
    let total = fuzz_targets(&tools, &format!("-max_total_time={seconds}"))?;
    println!("fuzzing: {total} executions in all ({seconds} s per target)");
    build::console(&tools)?;
    build::worker(&tools, true)?;
    let examples = std::env::var("SCHEMATHESIS_MAX_EXAMPLES").unwrap_or_else(|_| "200".into());
    step(&format!(
        "schemathesis, {examples} examples per operation, then stateful for {seconds} s"
    ));
    schemathesis(&tools, &examples, Some(seconds))
}

/// schemathesis against the built worker, `examples` per operation. The
/// stateful phase (create, then the linked operations on that secret) runs
/// once after fuzzing, or on its own for `stateful_seconds`.
pub fn schemathesis(
    tools: &Tools,
    examples: &str,
    stateful_seconds: Option<u64>,
) -> Result<(), String> {
    let mut cmd = tools.command("node");
    cmd.arg("tests/fuzz/schemathesis.mjs")
        .env("REGCRED_ROOT", &tools.root)
        .env("SCHEMATHESIS", tools::schemathesis_bin()?)
        .env("SCHEMATHESIS_MAX_EXAMPLES", examples);
    if let Some(s) = stateful_seconds {
        cmd.env("SCHEMATHESIS_STATEFUL_SECONDS", s.max(1).to_string());
    }
    run::status(&mut cmd, "schemathesis")
}

/// Whether the nightly toolchain cargo-fuzz needs is installed (it cannot be
/// downloaded here: only package registries are reachable).
pub fn nightly_present() -> bool {
    output(Command::new("rustup").args(["toolchain", "list"]))
        .is_some_and(|l| l.lines().any(|t| t.starts_with("nightly")))
}

fn ensure_cargo_fuzz(tools: &Tools) -> Result<(), String> {
    let found = output(Command::new(tools.bin("cargo-fuzz")).arg("--version")).unwrap_or_default();
    if found.contains(CARGO_FUZZ) {
        step(&format!("cargo-fuzz {CARGO_FUZZ}: present"));
        return Ok(());
    }
    step(&format!(
        "cargo-fuzz {CARGO_FUZZ}: installing with cargo install"
    ));
    status(
        Command::new("cargo").args(["install", "--locked", &format!("cargo-fuzz@{CARGO_FUZZ}")]),
        "cargo install cargo-fuzz",
    )
}

/// Runs every target with `limit` (a libFuzzer flag) from a corpus seeded
/// with the test vectors (`shared/tests/vectors/`, written out by
/// `shared/examples/fuzz_seeds.rs`); returns the executions counted.
pub fn fuzz_targets(tools: &Tools, limit: &str) -> Result<u64, String> {
    if !nightly_present() {
        return Err(
            "the nightly toolchain is not installed (rustup toolchain install nightly)".into(),
        );
    }
    ensure_cargo_fuzz(tools)?;
    let corpora = tools.root.join("target/fuzz-corpus");
    let mut seeds = tools.command("cargo");
    seeds
        .args([
            "run",
            "--quiet",
            "-p",
            "shared",
            "--example",
            "fuzz_seeds",
            "--",
        ])
        .arg(&corpora);
    status(&mut seeds, "the fuzz seeds from the test vectors")?;
    let mut total = 0;
    for target in TARGETS {
        let corpus = corpora.join(target);
        step(&format!("fuzz target {target} ({limit})"));
        // libFuzzer reports on stderr; `sh` merges it so the counts are read.
        let mut cmd = tools.command("sh");
        cmd.args([
            "-c",
            "exec \"$0\" \"$@\" 2>&1",
            "cargo",
            "+nightly",
            "fuzz",
            "run",
            target,
        ])
        .arg(&corpus)
        .args(["--", limit, "-print_final_stats=1"]);
        let (ok, lines) = streamed(&mut cmd, |l| l.starts_with("Done "))?;
        let runs = lines
            .iter()
            .find_map(|l| {
                l.strip_prefix("Done ")?
                    .split_whitespace()
                    .next()?
                    .parse::<u64>()
                    .ok()
            })
            .unwrap_or(0);
        println!("fuzz target {target}: {runs} executions");
        total += runs;
        if !ok {
            return Err(format!(
                "fuzz target {target} found a crash; see fuzz/artifacts/{target}/"
            ));
        }
    }
    Ok(total)
}
