//! Writes every test vector's input as a fuzz seed, so the fuzzers start
//! from the cases the tests pin down and a new vector is a new seed:
//! `cargo run -p shared --example fuzz_seeds -- OUT` makes
//! `OUT/<fuzz target>/<vector name>`. `cargo xtask fuzz` and
//! `cargo xtask test` run it before fuzzing.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The fuzz target that takes a vector of each kind.
fn target_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "auth" => "auth_token",
        "dockerconfigjson" => "dockerconfigjson",
        "import" => "import",
        "name" => "name",
        "paste" => "paste",
        _ => return None,
    })
}

/// Kinds whose input is not bytes from outside (a SigV4 signer and its
/// request are built by us): they make no seed.
const NOT_FUZZED: [&str; 1] = ["sigv4"];

fn main() -> Result<(), String> {
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: fuzz_seeds OUT_DIR")?;
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut written = 0;
    for entry in std::fs::read_dir(&vectors).map_err(|e| format!("{}: {e}", vectors.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let case: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        if case["kind"]
            .as_str()
            .is_some_and(|k| NOT_FUZZED.contains(&k))
        {
            continue;
        }
        let target = case["kind"]
            .as_str()
            .and_then(target_of)
            .ok_or_else(|| format!("{}: no fuzz target for its kind", path.display()))?;
        let input = match (&case["input_text"], &case["input"]) {
            (Value::String(t), _) => t.clone(),
            (_, Value::Null) => return Err(format!("{}: no input", path.display())),
            (_, v) => v.to_string(),
        };
        let dir = out.join(target);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let stem = path.file_stem().unwrap_or_default();
        std::fs::write(dir.join(stem), input).map_err(|e| format!("{}: {e}", dir.display()))?;
        written += 1;
    }
    println!("{written} fuzz seeds from {}", vectors.display());
    Ok(())
}
