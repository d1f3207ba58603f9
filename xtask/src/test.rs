//! `cargo xtask test`: every check, in the order a failure is cheapest to see.
//! Runs all steps it can, then prints each runner's summary and one total.

use std::process::Command;

use crate::build;
use crate::run::{self, step, streamed, Timer};
use crate::tools::{self, Tools};

struct Outcome {
    name: &'static str,
    ok: bool,
    secs: f64,
}

#[derive(Default)]
struct Counts {
    passed: u64,
    failed: u64,
    summaries: Vec<String>,
}

impl Counts {
    /// Reads `cargo test`'s and `node --test`'s closing lines.
    fn read(&mut self, line: &str) {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("test result: ") {
            self.passed += number_before(rest, " passed");
            self.failed += number_before(rest, " failed");
            self.summaries.push(t.to_owned());
        } else if let Some(n) = t.strip_prefix("ℹ pass ") {
            self.passed += n.trim().parse::<u64>().unwrap_or(0);
            self.summaries.push(t.to_owned());
        } else if let Some(n) = t.strip_prefix("ℹ fail ") {
            self.failed += n.trim().parse::<u64>().unwrap_or(0);
            self.summaries.push(t.to_owned());
        }
    }
}

fn number_before(text: &str, marker: &str) -> u64 {
    text.find(marker)
        .and_then(|end| text[..end].rsplit([' ', '.', ';']).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn is_summary(line: &str) -> bool {
    let t = line.trim();
    t.starts_with("test result: ") || t.starts_with("ℹ pass ") || t.starts_with("ℹ fail ")
}

pub fn run_all() -> Result<(), String> {
    let all = Timer::start();
    let tools = tools::ensure_test_tools()?;
    let mut outcomes = Vec::new();
    let mut counts = Counts::default();

    let mut check = |name: &'static str, f: &mut dyn FnMut(&mut Counts) -> Result<(), String>| {
        step(name);
        let t = Timer::start();
        let result = f(&mut counts);
        if let Err(e) = &result {
            println!("xtask: {name}: {e}");
        }
        outcomes.push(Outcome {
            name,
            ok: result.is_ok(),
            secs: t.secs(),
        });
        result.is_ok()
    };

    check("cargo fmt --check", &mut |_| {
        cargo(&tools, &["fmt", "--all", "--", "--check"])
    });
    check(
        "imports point down (no cycle in worker/src, frontend/src)",
        &mut |_| {
            let mut found = Vec::new();
            for src in ["worker/src", "frontend/src"] {
                for c in crate::cycles::cycles(&tools.root.join(src))? {
                    found.push(format!("{src}: {}", c.join(" <-> ")));
                }
            }
            if found.is_empty() {
                return Ok(());
            }
            Err(format!(
                "move what both sides need into its own module:\n  {}",
                found.join("\n  ")
            ))
        },
    );
    check("cargo clippy (native, all targets)", &mut |_| {
        cargo(
            &tools,
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )
    });
    check("cargo clippy (wasm32: worker, frontend)", &mut |_| {
        cargo(
            &tools,
            &[
                "clippy",
                "--target",
                "wasm32-unknown-unknown",
                "-p",
                "regcred-worker",
                "-p",
                "frontend",
                "--",
                "-D",
                "warnings",
            ],
        )
    });
    check("native tests (cargo test --workspace)", &mut |c| {
        let mut cmd = tools.command("cargo");
        cmd.args(["test", "--workspace"]);
        runner(&mut cmd, c)
    });
    check(
        "fuzz targets, briefly from their corpus (cargo +nightly fuzz)",
        &mut |_| {
            crate::fuzz::fuzz_targets(&tools, "-max_total_time=5")
                .map(|n| println!("{n} fuzz executions"))
        },
    );
    let built = check("release builds (console, worker, CLI)", &mut |_| {
        build::console(&tools)?;
        build::worker(&tools, true)?;
        build::cli(&tools)
    });
    if built {
        check("API fuzzing: schemathesis, short run", &mut |_| {
            crate::fuzz::schemathesis(&tools, "15", None)
        });
        check(
            "end-to-end: worker in workerd, console in Chromium",
            &mut |c| {
                let mut cmd = tools.command("node");
                cmd.args([
                    "--test",
                    "--test-concurrency=1",
                    "--test-reporter=spec",
                    "tests/e2e/",
                ])
                .env("REGCRED_ROOT", &tools.root)
                .env("REGCRED_CLI_BIN", build::cli_bin(&tools));
                runner(&mut cmd, c)
            },
        );
    }

    println!("\n==> summary ({:.0} s in all)", all.secs());
    for o in &outcomes {
        let mark = if o.ok { "ok  " } else { "FAIL" };
        println!("  {mark} {:>6.1} s  {}", o.secs, o.name);
    }
    if !built {
        println!("  skip          end-to-end (the builds failed)");
    }
    for s in &counts.summaries {
        println!("  {s}");
    }
    let failed_steps = outcomes.iter().filter(|o| !o.ok).count();
    println!("{} passed, {} failed", counts.passed, counts.failed);
    if failed_steps > 0 || !built {
        return Err(format!("{failed_steps} step(s) failed"));
    }
    Ok(())
}

fn cargo(tools: &Tools, args: &[&str]) -> Result<(), String> {
    let mut cmd = tools.command("cargo");
    cmd.args(args);
    run::status(&mut cmd, &format!("cargo {}", args.join(" ")))
}

fn runner(cmd: &mut Command, counts: &mut Counts) -> Result<(), String> {
    let (ok, lines) = streamed(cmd, is_summary)?;
    for l in &lines {
        counts.read(l);
    }
    if ok {
        Ok(())
    } else {
        Err("some tests failed".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_runner_summaries() {
        let mut c = Counts::default();
        c.read("test result: ok. 23 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.02s");
        c.read("test result: FAILED. 1 passed; 2 failed; 0 ignored");
        c.read("ℹ pass 4");
        c.read("ℹ fail 1");
        c.read("unrelated 9 passed");
        assert_eq!((c.passed, c.failed), (28, 3));
        assert_eq!(c.summaries.len(), 4);
    }
}
