//! `cargo xtask bench`: every figure of the measuring issue, with its goal
//! and pass/fail, printed as a table and written to `target/bench.json`.
//! Timings are medians or percentiles of many runs; see each script.

use crate::build;
use crate::run::{step, streamed};
use crate::tools::{self, Tools};

/// (id, figure, field, goal, is the goal a maximum). Sizes and first render
/// are judged as ratios to bare baselines built and measured in the same
/// run, throughput as a ratio to the JS reference worker, so a noisy or
/// slow machine cannot decide a result.
const GOALS: [(&str, &str, &str, f64, bool); 21] = [
    // Issue 22 replaced 1.3x/1.6x gzip, which a ten-page Leptos console
    // cannot reach: brotli is what Cloudflare serves.
    ("L1", "console_vs_bare", "brotli_ratio", 8.0, true),
    ("L1", "decoder_vs_bare", "brotli_ratio", 8.0, true),
    ("L1", "first_render_vs_bare", "ratio", 2.0, true),
    ("L2", "worker_wasm", "gzip9_bytes", 300_000.0, true),
    ("L3", "throughput_get", "ratio", 1.0, false),
    ("L3", "throughput_list_50", "ratio", 1.0, false),
    ("L3", "throughput_pull", "ratio", 1.0, false),
    // Issue 22: no object takes more than 5% of a mixed load's object
    // requests with 100 or more secrets (one global object took 100%).
    ("O1", "object_load", "busiest_share", 0.05, true),
    ("L3", "native_list_50", "p99_us", 50.0, true),
    ("L3", "load_mixed", "create_p99_over_p50", 4.0, true),
    (
        "P5",
        "kv_calls_list_top50_of_10000",
        "list_calls",
        1.0,
        true,
    ),
    ("P5", "kv_calls_list_top50_of_10000", "get_calls", 0.0, true),
    (
        "P5",
        "kv_calls_list_top50_skip9950_of_10000",
        "list_calls",
        10.0,
        true,
    ),
    ("load", "load_mixed", "errors", 0.0, true),
    ("load", "load_mixed", "lost", 0.0, true),
    ("C1", "credential_helper_get", "p50_ms", 30.0, true),
    ("C2", "cli_binary", "stripped_bytes", 6_000_000.0, true),
    ("A1", "create_under_flood", "p99_ratio", 1.5, true),
    ("A2", "get_managed_token", "p50_ratio", 1.1, true),
    // Issue 23: a brokered secret's pull that hands out the kept
    // credential costs at most 1.2x a plain secret's, in the same run.
    ("M1", "brokered_pull", "cached_over_plain_p50", 1.2, true),
    // Issue 24: receivers that hang never slow a write (like A1's flood).
    ("W1", "create_while_webhooks_hang", "p99_ratio", 1.5, true),
];

/// The number after `"field":` in a one-line JSON object.
fn field(line: &str, name: &str) -> Option<f64> {
    let key = format!("\"{name}\":");
    let start = line.find(&key)? + key.len();
    let rest = &line[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

fn is_figure(line: &str) -> bool {
    line.starts_with("{\"figure\"")
}

pub fn run() -> Result<(), String> {
    let tools = tools::ensure_test_tools()?;
    build::console(&tools)?;
    build::worker(&tools, true)?;
    build::cli(&tools)?;
    build::baselines(&tools)?;
    let before = build::before(&tools)?;
    let mut figures: Vec<String> = Vec::new();
    step("sizes: ours and the bare baselines (raw, gzip -9, brotli)");
    figures.extend(collect(
        &mut node(&tools, "tests/bench/sizes.mjs"),
        "tests/bench/sizes.mjs",
    )?);
    step("native request path and KV calls (cargo bench --bench request_path)");
    let mut cmd = tools.command("cargo");
    cmd.args([
        "bench",
        "-q",
        "-p",
        "regcred-worker",
        "--bench",
        "request_path",
    ]);
    figures.extend(collect(&mut cmd, "cargo bench")?);
    // Its import check must hold, or the bench fails: a figure of a broken
    // import would measure nothing.
    let script = "tests/bench/cli.mjs";
    step(&format!(
        "node {script} (installed CLI against the built worker in workerd, loopback)"
    ));
    let mut cmd = node(&tools, script);
    cmd.env("REGCRED_CLI_BIN", build::cli_bin(&tools));
    let (ok, lines) = streamed(&mut cmd, is_figure)?;
    if !ok {
        return Err(format!("{script} failed"));
    }
    figures.extend(lines);
    let script = "tests/bench/objects.mjs";
    step(&format!(
        "node {script} (built worker in workerd with its objects traced, and the release before)"
    ));
    let mut cmd = node(&tools, script);
    cmd.env("BENCH_BEFORE_DIR", &before);
    figures.extend(collect(&mut cmd, script)?);
    for script in [
        "tests/bench/api-latency.mjs",
        "tests/bench/auth.mjs",
        "tests/bench/durability.mjs",
        "tests/bench/console-render.mjs",
        "tests/bench/load.mjs",
        "tests/bench/throughput.mjs",
        "tests/bench/mint.mjs",
        "tests/bench/webhooks.mjs",
        "tests/bench/workload.mjs",
    ] {
        step(&format!(
            "node {script} (built worker in workerd, loopback)"
        ));
        figures.extend(collect(&mut node(&tools, script), script)?);
    }
    report(&tools, &figures)
}

fn node(tools: &Tools, script: &str) -> std::process::Command {
    let mut cmd = tools.command("node");
    cmd.arg(script).env("REGCRED_ROOT", &tools.root);
    cmd
}

fn collect(cmd: &mut std::process::Command, what: &str) -> Result<Vec<String>, String> {
    let (ok, lines) = streamed(cmd, is_figure)?;
    if !ok && lines.is_empty() {
        return Err(format!("{what} failed"));
    }
    Ok(lines)
}

fn report(tools: &Tools, figures: &[String]) -> Result<(), String> {
    println!("\n==> bench (all figures also in target/bench.json)");
    println!(
        "  {:<5} {:<42} {:>14} {:>10}  result",
        "goal", "figure.field", "value", "goal"
    );
    let mut rows = Vec::new();
    let mut missed = 0;
    for (id, figure, name, goal, max) in GOALS {
        let value = figures
            .iter()
            .find(|l| l.contains(&format!("\"figure\":\"{figure}\"")))
            .and_then(|l| field(l, name));
        let pass = value.map(|v| if max { v <= goal } else { v >= goal });
        let verdict = match pass {
            Some(true) => "pass",
            Some(false) => "MISS",
            None => "not measured",
        };
        if pass != Some(true) {
            missed += 1;
        }
        let shown = value.map(|v| format!("{v}")).unwrap_or_else(|| "-".into());
        println!(
            "  {id:<5} {:<42} {shown:>14} {:>10}  {verdict}",
            format!("{figure}.{name}"),
            format!("{} {goal}", if max { "<=" } else { ">=" })
        );
        rows.push(format!(
            "{{\"goal\":\"{id}\",\"figure\":\"{figure}\",\"field\":\"{name}\",\"value\":{},\"{}\":{goal},\"result\":\"{verdict}\"}}",
            value.map(|v| v.to_string()).unwrap_or_else(|| "null".into()),
            if max { "max" } else { "min" }
        ));
    }
    for f in figures {
        println!("  {f}");
    }
    let json = format!(
        "{{\n\"figures\": [\n  {}\n],\n\"goals\": [\n  {}\n]\n}}\n",
        figures.join(",\n  "),
        rows.join(",\n  ")
    );
    let out = tools.root.join("target/bench.json");
    std::fs::write(&out, json).map_err(|e| format!("{}: {e}", out.display()))?;
    println!(
        "{} goals met, {missed} missed or not measured",
        GOALS.len() - missed
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_of_figure_lines() {
        let l = r#"{"figure":"x","n":3,"p99_us":12.5}"#;
        assert_eq!(field(l, "p99_us"), Some(12.5));
        assert_eq!(field(l, "n"), Some(3.0));
        assert_eq!(field(l, "nope"), None);
        assert!(is_figure(l));
    }
}
