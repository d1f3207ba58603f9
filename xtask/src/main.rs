//! `cargo xtask <command>`: the project's automation, std-only so it builds in seconds.

mod bench;
mod build;
mod cycles;
mod devvars;
mod fuzz;
mod run;
mod serve;
mod test;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

  dev           install what is missing, build, serve console + API on http://127.0.0.1:8787
  test          install what is missing, run every check and test
  build         build the console (dist/) and the worker (worker/build/), release
  bench         print size and latency figures (also target/bench.json)
  fuzz [--seconds N]  every cargo-fuzz target N s (default 60), then schemathesis (SCHEMATHESIS_MAX_EXAMPLES, default 200; stateful N s)
  build-worker  build the worker if its sources changed (wrangler's [build] command)
  cycles        list import cycles in worker/src and frontend/src (imports must point down)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dev") => dev(),
        Some("test") => test::run_all(),
        Some("bench") => bench::run(),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("build") => tools::ensure_build_tools().and_then(|t| {
            build::console(&t)?;
            build::worker(&t, true)
        }),
        Some("cycles") => print_cycles(),
        Some("build-worker") => tools::Tools::locate().and_then(|t| build::worker(&t, false)),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn dev() -> Result<(), String> {
    let tools = tools::ensure_build_tools()?;
    build::console(&tools)?;
    build::worker(&tools, true)?;
    let vars = devvars::ensure(&run::root().join(".dev.vars"))?;
    println!("\n  regcred is starting on http://127.0.0.1:8787");
    println!("  console:  http://127.0.0.1:8787/");
    println!("  API:      http://127.0.0.1:8787/v2/health");
    println!("  tokens (from .dev.vars; paste one into the console or send 'Authorization: Bearer <token>'):");
    for (role, token) in &vars.tokens {
        println!("    {role:<7} {token}");
    }
    println!("  (admin also opens Tokens, backup, key rotation and purge)");
    println!("  KV is persisted under .wrangler/state; stop with Ctrl-C (or SIGTERM).\n");
    let mut cmd = tools.wrangler_dev("127.0.0.1", 8787);
    // Caught from here on, so a stop reaches wrangler and workerd too.
    serve::catch_stop_signals();
    let mut child =
        serve::spawn_group(&mut cmd).map_err(|e| format!("could not start wrangler dev: {e}"))?;
    match serve::supervise(&mut child, std::time::Duration::from_secs(5), serve::caught) {
        Ok(serve::Ended::Exited(st)) if st.success() => Ok(()),
        Ok(serve::Ended::Exited(st)) => Err(format!("wrangler dev failed ({st})")),
        Ok(serve::Ended::Stopped(sig)) => {
            run::step(&format!(
                "{}: wrangler and workerd stopped",
                serve::name(sig)
            ));
            // As a shell reports a death by that signal.
            std::process::exit(128 + sig)
        }
        Err(e) => Err(format!("wrangler dev: {e}")),
    }
}

fn print_cycles() -> Result<(), String> {
    let root = run::root();
    let mut any = false;
    for src in ["worker/src", "frontend/src"] {
        for c in cycles::cycles(&root.join(src))? {
            any = true;
            println!("cycle in {src}: {}", c.join(" <-> "));
        }
    }
    if any {
        return Err("imports must only point down".into());
    }
    println!("no import cycles");
    Ok(())
}
