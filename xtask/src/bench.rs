//! `cargo xtask bench`: figures, printed as a table and written to
//! `target/bench.json`. Timings are medians of many sequential requests.

use std::path::Path;

use crate::build;
use crate::run::{step, streamed};
use crate::tools;

pub fn run() -> Result<(), String> {
    let tools = tools::ensure_build_tools()?;
    build::console(&tools)?;
    build::worker(&tools, true)?;
    let mut figures: Vec<String> = Vec::new();
    for (name, path) in [
        ("console_wasm", find_wasm(&tools.root.join("dist"))?),
        ("worker_wasm", tools.root.join("worker/build/index_bg.wasm")),
    ] {
        let raw = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let gz = gzip9_len(&path)?;
        figures.push(format!(
            "{{\"figure\":\"{name}\",\"raw_bytes\":{},\"gzip9_bytes\":{gz}}}",
            raw.len()
        ));
    }
    for script in [
        "tests/bench/api-latency.mjs",
        "tests/bench/console-render.mjs",
    ] {
        step(&format!(
            "node {script} (built worker in workerd, loopback)"
        ));
        let mut cmd = tools.command("node");
        cmd.arg(script).env("REGCRED_ROOT", &tools.root);
        let (ok, lines) = streamed(&mut cmd, |l| l.starts_with("{\"figure\""))?;
        if !ok {
            return Err(format!("{script} failed"));
        }
        figures.extend(lines);
    }
    let json = format!("[\n  {}\n]\n", figures.join(",\n  "));
    let out = tools.root.join("target/bench.json");
    std::fs::write(&out, &json).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("\n==> figures (also in target/bench.json)");
    for f in &figures {
        println!("  {f}");
    }
    Ok(())
}

fn find_wasm(dist: &Path) -> Result<std::path::PathBuf, String> {
    std::fs::read_dir(dist)
        .map_err(|e| format!("{}: {e}", dist.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))
        .ok_or_else(|| "no .wasm in dist/".to_string())
}

fn gzip9_len(path: &Path) -> Result<usize, String> {
    let out = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .map_err(|e| format!("gzip: {e}"))?;
    Ok(out.stdout.len())
}
