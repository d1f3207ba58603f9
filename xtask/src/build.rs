//! Release builds of the console and its decoder entry (Trunk → dist/)
//! and the worker (worker-build → worker/build/).

use std::path::Path;
use std::time::SystemTime;

use crate::run::{status, step};
use crate::tools::Tools;

pub fn console(tools: &Tools) -> Result<(), String> {
    step("building the console with trunk (release) into dist/");
    let mut cmd = tools.command(tools.bin("trunk"));
    cmd.args(["build", "--release"]);
    status(&mut cmd, "trunk build")?;
    let dist = tools.root.join("dist");
    externalize_boot_script(&dist.join("index.html"), &dist.join("boot.js"))?;
    decoder_entry(tools, &dist)
}

/// The decoder is its own small entry (`decoder.html`, bin `decoder`):
/// Trunk builds one page per run and empties its dist, so it is built
/// aside and its files join `dist/`, its page as `decode.html` (served at
/// `/decode`). Hashed names keep its wasm and script apart from the console's.
fn decoder_entry(tools: &Tools, dist: &Path) -> Result<(), String> {
    step("building the decoder's own entry with trunk (release) into dist/decode.html");
    let aside = tools.root.join("target/console-decoder");
    let mut cmd = tools.command(tools.bin("trunk"));
    // The target first: `--release` takes an optional value.
    cmd.args(["build", "decoder.html", "--release", "--dist"])
        .arg(&aside);
    status(&mut cmd, "trunk build (decoder)")?;
    externalize_boot_script(&aside.join("index.html"), &aside.join("decode-boot.js"))?;
    let files = std::fs::read_dir(&aside).map_err(|e| format!("{}: {e}", aside.display()))?;
    for file in files.filter_map(Result::ok) {
        let name = file.file_name();
        let to = match name.to_str() {
            Some("index.html") => dist.join("decode.html"),
            _ => dist.join(&name),
        };
        std::fs::copy(file.path(), &to).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    Ok(())
}

/// Trunk writes an inline `<script type="module">` that loads the wasm; the
/// console's CSP allows no inline script, so it moves into its own file
/// (`boot`, beside the page).
fn externalize_boot_script(index: &Path, boot: &Path) -> Result<(), String> {
    let html = std::fs::read_to_string(index).map_err(|e| format!("{}: {e}", index.display()))?;
    let name = boot
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("the boot script needs a file name")?;
    let (new_html, script) = split_inline_module(&html, name).ok_or_else(|| {
        format!(
            "{} has no inline module script to move (did Trunk change?)",
            index.display()
        )
    })?;
    std::fs::write(boot, script).map_err(|e| format!("{}: {e}", boot.display()))?;
    std::fs::write(index, new_html).map_err(|e| format!("{}: {e}", index.display()))
}

fn split_inline_module(html: &str, boot: &str) -> Option<(String, String)> {
    const OPEN: &str = "<script type=\"module\">";
    let start = html.find(OPEN)?;
    let body_start = start + OPEN.len();
    let end = body_start + html[body_start..].find("</script>")?;
    let script = html[body_start..end].trim().to_owned();
    let tag = format!("<script type=\"module\" src=\"/{boot}\"></script>");
    let rewritten = format!(
        "{}{tag}{}",
        &html[..start],
        &html[end + "</script>".len()..]
    );
    Some((rewritten, script))
}

/// The bare baselines `cargo xtask bench` measures ours against, built the
/// same way: a one-component Leptos page with the console's Trunk, wasm-opt
/// and rustflags (into `target/bench/bare-console/`), and a workers-rs
/// worker answering one KV get with worker-build and the same name stripping
/// (into `tests/bench/bare-worker/build/`).
pub fn baselines(tools: &Tools) -> Result<(), String> {
    step("building the bare Leptos page (trunk, release) into target/bench/bare-console/");
    let mut cmd = tools.command(tools.bin("trunk"));
    // The target first: `--release` takes an optional value.
    cmd.args([
        "build",
        "tests/bench/bare-console/index.html",
        "--release",
        "--dist",
    ])
    .arg(tools.root.join("target/bench/bare-console"));
    status(&mut cmd, "trunk build (bare page)")?;
    step("building the bare workers-rs worker (worker-build, release)");
    let dir = tools.root.join("tests/bench/bare-worker");
    let mut cmd = tools.command(tools.bin("worker-build"));
    cmd.current_dir(&dir).arg("--release");
    status(&mut cmd, "worker-build (bare worker)")?;
    strip_names(tools, &dir.join("build/index_bg.wasm"))
}

/// The release before objects per secret (one Durable Object for every
/// secret), which the bench measures beside today's for its before and
/// after figures.
pub const BEFORE_COMMIT: &str = "9c6be8e4384d1676345e47a9295f87335360b8c6";

/// That release's worker, built once into `target/before/` from `git
/// archive` (its own target directory, so no artifact is shared with the
/// workspace's). Answers the directory holding its `wrangler.toml`.
pub fn before(tools: &Tools) -> Result<std::path::PathBuf, String> {
    let dir = tools.root.join("target/before");
    let wasm = dir.join("worker/build/index_bg.wasm");
    if wasm.exists() {
        step("the release before objects per secret: built already (target/before/)");
        return Ok(dir);
    }
    step(&format!(
        "building the release before objects per secret ({}) into target/before/",
        &BEFORE_COMMIT[..7]
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let archive = std::process::Command::new("git")
        .current_dir(&tools.root)
        .args(["archive", "--format=tar", BEFORE_COMMIT])
        .output()
        .map_err(|e| format!("git archive: {e}"))?;
    if !archive.status.success() {
        return Err(format!(
            "git archive {BEFORE_COMMIT} failed: {}",
            String::from_utf8_lossy(&archive.stderr)
        ));
    }
    let mut tar = std::process::Command::new("tar")
        .current_dir(&dir)
        .args(["-x", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("tar: {e}"))?;
    if let Some(stdin) = tar.stdin.as_mut() {
        use std::io::Write;
        stdin
            .write_all(&archive.stdout)
            .map_err(|e| format!("tar: {e}"))?;
    }
    drop(tar.stdin.take());
    if !tar.wait().map_err(|e| format!("tar: {e}"))?.success() {
        return Err("tar -x of the archive failed".into());
    }
    let mut cmd = tools.command(tools.bin("worker-build"));
    cmd.current_dir(dir.join("worker"))
        .arg("--release")
        .env("CARGO_TARGET_DIR", tools.root.join("target/before-target"));
    status(&mut cmd, "worker-build (the release before)")?;
    strip_names(tools, &wasm)?;
    Ok(dir)
}

/// Where `cli()` installs `regcred` and `docker-credential-regcred`.
pub fn cli_bin(tools: &Tools) -> std::path::PathBuf {
    tools.root.join("target/cli/bin")
}

/// Installs the CLI the way its README says (`cargo install --path cli
/// --locked`), into `target/cli`, reusing the workspace's build cache. The
/// end-to-end tests and the bench run these installed binaries.
pub fn cli(tools: &Tools) -> Result<(), String> {
    step("installing the CLI (cargo install --path cli --locked) into target/cli/bin");
    let mut cmd = tools.command("cargo");
    cmd.args(["install", "--quiet", "--locked", "--path", "cli", "--root"])
        .arg(tools.root.join("target/cli"))
        .arg("--target-dir")
        .arg(tools.root.join("target"));
    status(&mut cmd, "cargo install --path cli")
}

/// Builds the worker unless its output is newer than every input. wrangler
/// calls this on `dev` start (twice, in 4.86), so a no-op must be cheap.
pub fn worker(tools: &Tools, announce: bool) -> Result<(), String> {
    let out = tools.root.join("worker/build/index_bg.wasm");
    let inputs = [
        "worker/src",
        "worker/Cargo.toml",
        "worker/openapi.json",
        "shared/src",
        "shared/Cargo.toml",
        "Cargo.toml",
        "Cargo.lock",
    ];
    let newest_input = inputs
        .iter()
        .filter_map(|p| newest(&tools.root.join(p)))
        .max();
    // A build that kept its names (tests/bench/profile.mjs) is only up to
    // date for another such build, and the other way round.
    let keep_names = std::env::var_os("REGCRED_KEEP_NAMES").is_some();
    let names_marker = tools.root.join("worker/build/names-kept");
    let same_kind = names_marker.exists() == keep_names;
    if let (Some(built), Some(input)) = (modified(&out), newest_input) {
        if built > input && same_kind {
            if announce {
                step("worker: up to date (worker/build/)");
            }
            return Ok(());
        }
    }
    step("building the worker with worker-build (release) into worker/build/");
    let mut cmd = tools.command(tools.bin("worker-build"));
    cmd.current_dir(tools.root.join("worker")).arg("--release");
    status(&mut cmd, "worker-build")?;
    // tests/bench/profile.mjs names wasm functions only if they keep theirs.
    if keep_names {
        step("worker: keeping function names (REGCRED_KEEP_NAMES), ~115 KB more");
        return std::fs::write(&names_marker, "")
            .map_err(|e| format!("writing {}: {e}", names_marker.display()));
    }
    let _ = std::fs::remove_file(&names_marker);
    strip_names(tools, &out)
}

/// worker-build passes `--debuginfo` to wasm-opt, keeping the name section
/// (~115 KB of function names) that workerd never needs. The feature list is
/// worker-build's own, so nothing workerd cannot run is emitted.
fn strip_names(tools: &Tools, wasm: &Path) -> Result<(), String> {
    let mut cmd = tools.command(tools.node_bin().join("wasm-opt"));
    cmd.arg(wasm)
        .args(["--strip-debug", "--strip-producers", "-o"])
        .arg(wasm);
    for feature in [
        "mutable-globals",
        "sign-ext",
        "nontrapping-float-to-int",
        "bulk-memory",
        "multivalue",
        "reference-types",
        "exception-handling",
    ] {
        cmd.arg(format!("--enable-{feature}"));
    }
    status(&mut cmd, "wasm-opt --strip-debug")
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).ok()?.modified().ok()
}

fn newest(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| newest(&e.path()))
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_the_inline_module_script_out() {
        let html = "<head><script type=\"module\">\nimport init from '/a.js';\nawait init();\n</script><link></head>";
        let (out, script) = split_inline_module(html, "boot.js").unwrap();
        assert_eq!(
            out,
            "<head><script type=\"module\" src=\"/boot.js\"></script><link></head>"
        );
        assert_eq!(script, "import init from '/a.js';\nawait init();");
        assert!(split_inline_module(&out, "boot.js").is_none());
    }
}
