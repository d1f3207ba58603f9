//! Runs every case in `tests/vectors/*.json`. A new case is a new file.
//!
//! A case: `{"description", "kind": "auth" | "dockerconfigjson" | "import" | "name" | "paste" | "sigv4",
//! "input": <JSON value> | "input_text": "<raw text>", "expect": {...}}`.
//! An error case may say `error_contains`, `error_path` and `error_lacks`
//! (a secret the message must not repeat).

use std::path::{Path, PathBuf};

use serde_json::Value;
use shared::address::{parse_url, realm_allowed, vet_url};
use shared::paste::{decode_paste, Pasted};
use shared::{auth, classify, parse_dockerconfigjson, ImportStatus, SecretName};

/// Every `*.json` case in `dir` (relative to the crate), in name order;
/// fewer than `at_least` means the files went missing.
fn cases(dir: &str, at_least: usize) -> Vec<(PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("vectors dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= at_least,
        "expected the vector files in {dir:?}"
    );
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("read");
            let case = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file:?}: {e}"));
            (file, case)
        })
        .collect()
}

#[test]
fn every_vector_holds() {
    let mut failures = Vec::new();
    for (file, case) in &cases("tests/vectors", 20) {
        if let Err(why) = run(case) {
            failures.push(format!("{}: {why}", file.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "failed vectors:\n{}",
        failures.join("\n")
    );
}

fn run(case: &Value) -> Result<(), String> {
    let input = match (case.get("input_text"), case.get("input")) {
        (Some(Value::String(t)), _) => t.clone(),
        (_, Some(v)) => v.to_string(),
        _ => return Err("no input".into()),
    };
    let expect = &case["expect"];
    match case["kind"].as_str() {
        Some("auth") => check_auth(&input, expect),
        Some("dockerconfigjson") => check_dcj(&input, expect),
        Some("import") => check_import(&input, expect),
        Some("name") => check_name(&input, expect),
        Some("paste") => check_paste(&input, expect),
        Some("sigv4") => check_sigv4(&case["input"], expect),
        other => Err(format!("unknown kind {other:?}")),
    }
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn check_error(msg: &str, path: Option<&str>, expect: &Value) -> Result<(), String> {
    if let Some(want) = expect.get("error_path") {
        if path != want.as_str() {
            return Err(format!("error path {path:?}, want {want}"));
        }
    }
    if let Some(want) = expect.get("error_contains") {
        if !msg.contains(str_of(want)) {
            return Err(format!("error {msg:?} lacks {want}"));
        }
    }
    if let Some(secret) = expect.get("error_lacks") {
        let shown = format!("{msg} {}", path.unwrap_or_default());
        if shown.contains(str_of(secret)) {
            return Err(format!("error {shown:?} repeats {secret}"));
        }
    }
    Ok(())
}

fn check_auth(input: &str, expect: &Value) -> Result<(), String> {
    match (auth::decode(input), expect.get("user")) {
        (Ok(c), Some(want)) => {
            if c.username == str_of(&want[0]) && c.password == str_of(&want[1]) {
                Ok(())
            } else {
                Err(format!("decoded {c:?}, want {want}"))
            }
        }
        (Err(e), None) => check_error(&e.to_string(), None, expect),
        (got, _) => Err(format!("got {got:?}, want {expect}")),
    }
}

fn check_dcj(input: &str, expect: &Value) -> Result<(), String> {
    let parsed = match parse_dockerconfigjson(input) {
        Err(e) if expect.get("users").is_none() => {
            return check_error(&e.to_string(), Some(&e.path), expect)
        }
        Err(e) => return Err(format!("unexpected error {e}")),
        Ok(p) => p,
    };
    let users = expect
        .get("users")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("parsed, but expected an error: {parsed:?}"))?;
    for (server, want) in users {
        let entry = parsed
            .config
            .entries()
            .iter()
            .find(|e| &e.server == server)
            .ok_or_else(|| format!("no entry {server}"))?;
        let c = &entry.credentials;
        if c.username != str_of(&want[0]) || c.password != str_of(&want[1]) {
            return Err(format!("{server}: got {c:?}, want {want}"));
        }
    }
    let warnings = expect.get("warnings").and_then(Value::as_u64).unwrap_or(0);
    if parsed.warnings.len() as u64 != warnings {
        return Err(format!("warnings {:?}, want {warnings}", parsed.warnings));
    }
    if let Some(tokens) = expect.get("identitytoken").and_then(Value::as_object) {
        for (server, want) in tokens {
            let got = parsed.config.entries().iter().find(|e| &e.server == server);
            if got.and_then(|e| e.identitytoken.as_deref()) != want.as_str() {
                return Err(format!("{server}: identitytoken lost"));
            }
        }
    }
    // What we generate must parse back to the same credentials.
    let again = parse_dockerconfigjson(&parsed.config.to_json()).map_err(|e| e.to_string())?;
    if again.config != parsed.config || !again.warnings.is_empty() {
        return Err("generated JSON does not round-trip".into());
    }
    Ok(())
}

fn check_import(input: &str, expect: &Value) -> Result<(), String> {
    let rows = match classify(input) {
        Err(e) if expect.get("rows").is_none() => {
            return check_error(&e.to_string(), Some(&e.path), expect)
        }
        Err(e) => return Err(format!("unexpected error {e}")),
        Ok(r) => r,
    };
    let want_rows = expect["rows"].as_array().ok_or("expected an error")?;
    if rows.len() != want_rows.len() {
        return Err(format!(
            "{} rows, want {}: {rows:?}",
            rows.len(),
            want_rows.len()
        ));
    }
    for (row, want) in rows.iter().zip(want_rows) {
        if row.server != str_of(&want["server"]) {
            return Err(format!("row {}, want {}", row.server, want["server"]));
        }
        let ok = match (&row.status, str_of(&want["status"])) {
            (
                ImportStatus::Importable {
                    entry,
                    suggested_name,
                    ..
                },
                "importable",
            ) => {
                entry.credentials.username == str_of(&want["username"])
                    && entry.credentials.password == str_of(&want["password"])
                    && suggested_name.as_str() == str_of(&want["name"])
                    && row.dockerconfig().is_some()
            }
            (ImportStatus::InHelper { helper }, "helper") => {
                helper == str_of(&want["helper"]) && row.dockerconfig().is_none()
            }
            (ImportStatus::Invalid { reason }, "invalid") => {
                reason.contains(str_of(&want["reason_contains"])) && row.dockerconfig().is_none()
            }
            _ => false,
        };
        if !ok {
            return Err(format!(
                "row {}: got {:?}, want {want}",
                row.server, row.status
            ));
        }
    }
    Ok(())
}

/// `expect`: `token` (`[username, password]`), or `configs` (one per Docker
/// config found: `{"secret"?, "rows": [[server, username, password]]}` or
/// `{"secret"?, "error_contains"}`), or an error.
fn check_paste(input: &str, expect: &Value) -> Result<(), String> {
    let pasted = match decode_paste(input) {
        Err(e) if expect.get("token").is_none() && expect.get("configs").is_none() => {
            return check_error(&e.to_string(), None, expect)
        }
        Err(e) => return Err(format!("unexpected error {e}")),
        Ok(p) => p,
    };
    match (&pasted, expect.get("token"), expect.get("configs")) {
        (Pasted::Token(c), Some(want), _) => {
            if c.username == str_of(&want[0]) && c.password == str_of(&want[1]) {
                Ok(())
            } else {
                Err(format!("decoded {c:?}, want {want}"))
            }
        }
        (Pasted::Configs(found), _, Some(Value::Array(want))) => {
            if found.len() != want.len() {
                return Err(format!(
                    "{} configs, want {}: {found:?}",
                    found.len(),
                    want.len()
                ));
            }
            for (f, w) in found.iter().zip(want) {
                if f.secret.as_deref() != w["secret"].as_str() {
                    return Err(format!("secret {:?}, want {}", f.secret, w["secret"]));
                }
                let got: Vec<[String; 3]> = match (&f.rows, w.get("error_contains")) {
                    (Err(e), Some(want)) if e.contains(str_of(want)) => continue,
                    (Ok(rows), None) => rows
                        .iter()
                        .map(|r| match &r.status {
                            ImportStatus::Importable { entry, .. } => [
                                r.server.clone(),
                                entry.credentials.username.clone(),
                                entry.credentials.password.clone(),
                            ],
                            other => [r.server.clone(), format!("{other:?}"), String::new()],
                        })
                        .collect(),
                    (got, _) => return Err(format!("got {got:?}, want {w}")),
                };
                let want_rows: Vec<[String; 3]> = w["rows"]
                    .as_array()
                    .ok_or("rows")?
                    .iter()
                    .map(|r| [0, 1, 2].map(|i| str_of(&r[i]).to_owned()))
                    .collect();
                if got != want_rows {
                    return Err(format!("rows {got:?}, want {want_rows:?}"));
                }
            }
            Ok(())
        }
        _ => Err(format!("got {pasted:?}, want {expect}")),
    }
}

/// `expect`: `valid` (whether it parses); `suggest` (the suggested name),
/// which always parses.
fn check_name(input: &str, expect: &Value) -> Result<(), String> {
    let valid = SecretName::parse(input).is_ok();
    if Some(valid) != expect["valid"].as_bool() {
        return Err(format!("valid: {valid}, want {}", expect["valid"]));
    }
    let suggested = SecretName::suggest(input);
    if SecretName::parse(suggested.as_str()).is_err() {
        return Err(format!("the suggestion {suggested} does not parse"));
    }
    match expect.get("suggest").and_then(Value::as_str) {
        Some(want) if want != suggested.as_str() => {
            Err(format!("suggested {suggested}, want {want}"))
        }
        _ => Ok(()),
    }
}

/// Runs `tests/vectors/outbound/*.json` (a new case is a new file):
/// `{"description", "kind": "address", "input": {"url", "allow_loopback"},
/// "expect": {"host"?, "kind"?, "allowed", "error_contains"?}}` or
/// `{"kind": "realm", "input": {"registry", "realm", "allow_loopback"},
/// "expect": {"allowed", "error_contains"?}}`.
#[test]
fn every_outbound_vector_holds() {
    let mut failures = Vec::new();
    for (file, case) in &cases("tests/vectors/outbound", 40) {
        let input = &case["input"];
        let expect = &case["expect"];
        let allow = input["allow_loopback"].as_bool().unwrap_or(false);
        let mut why = Vec::new();
        let verdict = match case["kind"].as_str() {
            Some("address") => {
                let url = input["url"].as_str().unwrap_or_default();
                if let Ok((target, _)) = parse_url(url) {
                    if let Some(want) = expect["host"].as_str() {
                        if target.host.to_string() != want {
                            why.push(format!("host {}, want {want}", target.host));
                        }
                    }
                    if let Some(want) = expect["kind"].as_str() {
                        let got = shared::address::classify(&target.host).kind.as_str();
                        if got != want {
                            why.push(format!("kind {got}, want {want}"));
                        }
                    }
                } else if expect.get("kind").is_some() {
                    why.push("does not parse, but a kind is expected".into());
                }
                vet_url(url, allow).map(|_| ())
            }
            Some("realm") => {
                let parse =
                    |k: &str| parse_url(input[k].as_str().unwrap_or_default()).map(|(t, _)| t);
                match (parse("registry"), parse("realm")) {
                    (Ok(registry), Ok(realm)) => realm_allowed(&registry, &realm, allow),
                    (Err(e), _) | (_, Err(e)) => Err(e),
                }
            }
            other => {
                failures.push(format!("{}: unknown kind {other:?}", file.display()));
                continue;
            }
        };
        match (&verdict, expect["allowed"].as_bool()) {
            (Ok(()), Some(true)) => {}
            (Err(e), Some(false)) => {
                if let Some(want) = expect["error_contains"].as_str() {
                    if !e.message.contains(want) {
                        why.push(format!("refusal {:?} lacks {want:?}", e.message));
                    }
                }
            }
            (got, want) => why.push(format!("got {got:?}, want allowed = {want:?}")),
        }
        if !why.is_empty() {
            failures.push(format!("{}: {}", file.display(), why.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "failed vectors:\n{}",
        failures.join("\n")
    );
}

/// An AWS SigV4 vector: `input` = `{"signer": {...}, "request": {"method", "path",
/// "query", "headers": [[name, value]], "payload"}}`; `expect` = the
/// `authorization`, and optionally `canonical_sha256` and `signing_key` (hex).
fn check_sigv4(input: &Value, expect: &Value) -> Result<(), String> {
    use shared::sigv4::{self, Signer, Unsigned};
    let s = &input["signer"];
    let signer = Signer {
        access_key_id: str_of(&s["access_key_id"]),
        secret_access_key: str_of(&s["secret_access_key"]),
        region: str_of(&s["region"]),
        service: str_of(&s["service"]),
        amz_date: str_of(&s["amz_date"]),
    };
    let r = &input["request"];
    let headers: Vec<(&str, &str)> = r["headers"]
        .as_array()
        .ok_or("request.headers is not a list")?
        .iter()
        .map(|h| (str_of(&h[0]), str_of(&h[1])))
        .collect();
    let req = Unsigned {
        method: str_of(&r["method"]),
        path: str_of(&r["path"]),
        query: str_of(&r["query"]),
        headers: &headers,
        payload: str_of(&r["payload"]).as_bytes(),
    };
    if let Some(want) = expect.get("canonical_sha256") {
        let got = sigv4::sha256_hex(sigv4::canonical_request(&req).0.as_bytes());
        if got != str_of(want) {
            return Err(format!("canonical request hash {got}, want {want}"));
        }
    }
    if let Some(want) = expect.get("signing_key") {
        let got = shared::apitoken::hex(&sigv4::signing_key(&signer));
        if got != str_of(want) {
            return Err(format!("signing key {got}, want {want}"));
        }
    }
    let got = sigv4::authorization(&signer, &req);
    if got != str_of(&expect["authorization"]) {
        return Err(format!(
            "authorization {got:?}, want {}",
            expect["authorization"]
        ));
    }
    Ok(())
}
