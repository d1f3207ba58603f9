//! What people paste into the decoder (`/decode`, `regcred decode`), told
//! apart and decoded in one place so the page and the CLI agree: an `auth`
//! token; a Docker `config.json` or `.dockerconfigjson` as JSON, or as base64
//! of it (the value a Secret's `data` holds, the thing pasted most); or a
//! whole Kubernetes Secret manifest in YAML or JSON (see `manifest`), whose
//! every registry entry is decoded.

use std::fmt;

use serde_json::Value;

use crate::auth::{self, AuthError, Credentials};
use crate::dockerconfig::{parse_object, Rules};
use crate::import::{classify_with, ImportRow};
use crate::manifest::{self, SecretManifest};

/// Most bytes the decoder reads: a Secret with its last-applied annotation
/// holds its `.dockerconfigjson` (at most 64 KiB) about three times over.
pub const MAX_PASTE_BYTES: usize = 1024 * 1024;

const DCJ: &str = ".dockerconfigjson";
/// The legacy `kubernetes.io/dockercfg` key: the `auths` object alone.
const DOCKERCFG: &str = ".dockercfg";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pasted {
    /// Nothing but whitespace.
    Empty,
    /// An `auth` token: base64 of `username:password`.
    Token(Credentials),
    /// One or more Docker configs, every registry a row.
    Configs(Vec<Found>),
}

/// One Docker config found in the paste.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The Secret it came from, when it came from a manifest.
    pub secret: Option<String>,
    /// What it was, said plainly: "a Docker config.json", "the Secret regcred's
    /// data.\".dockerconfigjson\" (base64 of JSON)".
    pub source: String,
    /// Its registries; or why this one could not be read (other Secrets of
    /// the same paste may still be).
    pub rows: Result<Vec<ImportRow>, String>,
}

/// Why nothing could be decoded: what is wrong, and what to paste instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasteError(pub String);

impl fmt::Display for PasteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PasteError {}

/// Tells what `text` is and decodes it. A JSON object is a Docker config or
/// a Secret manifest; text with `key: value` lines is a YAML manifest; else
/// it is base64: of a Docker config when it decodes to JSON, else of
/// `username:password`.
pub fn decode_paste(text: &str) -> Result<Pasted, PasteError> {
    if text.len() > MAX_PASTE_BYTES {
        return Err(PasteError(format!(
            "the pasted text is {} bytes; the decoder reads at most {} KiB (one Secret or config.json)",
            text.len(),
            MAX_PASTE_BYTES / 1024
        )));
    }
    let t = text.trim().trim_start_matches('\u{feff}').trim();
    if t.is_empty() {
        return Ok(Pasted::Empty);
    }
    if t.starts_with('{') || t.starts_with('[') {
        return from_json(t, "a Docker config.json").map(Pasted::Configs);
    }
    if manifest::looks_like_yaml(t) {
        return from_yaml(t).map(Pasted::Configs);
    }
    match auth::decode_base64_text(t) {
        Ok(decoded) if decoded.trim_start().starts_with('{') => from_json(
            decoded.trim(),
            "base64 of a Docker config (a .dockerconfigjson value)",
        )
        .map(Pasted::Configs)
        .map_err(|e| PasteError(format!("this is base64 of {}", e.0))),
        _ => auth::decode(t)
            .map(Pasted::Token)
            .map_err(|e| token_error(&e)),
    }
}

fn token_error(e: &AuthError) -> PasteError {
    let hint = match e {
        AuthError::NotBase64 { .. } => {
            "; paste an auth token, a config.json, a .dockerconfigjson value or a whole Secret (YAML or JSON)"
        }
        _ => "",
    };
    PasteError(format!("{e}{hint}"))
}

/// A JSON document: a Secret manifest (or List), else a Docker config.
fn from_json(text: &str, what: &str) -> Result<Vec<Found>, PasteError> {
    let root = match serde_json::from_slice::<Value>(text.as_bytes()) {
        Ok(Value::Object(root)) => root,
        Ok(_) => {
            return Err(PasteError(format!(
                "{what} must be a JSON object ({{\"auths\": {{...}}}}), not an array or a value"
            )))
        }
        Err(e) => {
            return Err(PasteError(format!(
            "text that starts like JSON but is not valid JSON: {e}; check that it was copied whole"
        )))
        }
    };
    if manifest::is_manifest_json(&root) && !root.contains_key("auths") {
        return secrets(manifest::secrets_from_json(&root), "JSON");
    }
    let rows = config_rows(text).map_err(PasteError)?;
    Ok(vec![Found {
        secret: None,
        source: what.to_owned(),
        rows: Ok(rows),
    }])
}

fn from_yaml(text: &str) -> Result<Vec<Found>, PasteError> {
    let found = manifest::secrets_from_yaml(text);
    if found.is_empty() {
        return Err(PasteError(
            "this looks like YAML but holds no Kubernetes Secret (no \"data\" or \"stringData\"); paste what kubectl get secret NAME -o yaml prints, or the .dockerconfigjson value alone".into(),
        ));
    }
    secrets(found, "YAML")
}

/// Every Secret's Docker config. One Secret that cannot be read is the error;
/// among several, it is a row of its own.
fn secrets(found: Vec<SecretManifest>, format: &str) -> Result<Vec<Found>, PasteError> {
    if found.is_empty() {
        return Err(PasteError(format!(
            "this {format} is a Kubernetes object but holds no Secret"
        )));
    }
    let out: Vec<Found> = found.iter().map(|s| secret(s, format)).collect();
    match out.as_slice() {
        [one] => match &one.rows {
            Err(e) => Err(PasteError(e.clone())),
            Ok(_) => Ok(out),
        },
        _ => Ok(out),
    }
}

fn secret(s: &SecretManifest, format: &str) -> Found {
    let who = match (&s.name, s.line) {
        (Some(n), _) => format!("the Secret {n}"),
        (None, Some(line)) => format!("the Secret at line {line}"),
        (None, None) => "the Secret".to_owned(),
    };
    let field = |list: &[(String, String)], key: &str| {
        list.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    };
    // Kubernetes lays stringData over data, so it wins.
    let picked = [
        ("stringData", DCJ, field(&s.string_data, DCJ)),
        ("data", DCJ, field(&s.data, DCJ)),
        ("stringData", DOCKERCFG, field(&s.string_data, DOCKERCFG)),
        ("data", DOCKERCFG, field(&s.data, DOCKERCFG)),
    ]
    .into_iter()
    .find_map(|(place, key, v)| v.map(|v| (place, key, v)));
    let found = |source: String, rows| Found {
        secret: s.name.clone(),
        source,
        rows,
    };
    let Some((place, key, value)) = picked else {
        let kind = s
            .kind
            .as_deref()
            .map(|k| format!(" (its type is {k})"))
            .unwrap_or_default();
        return found(
            format!("{who} ({format})"),
            Err(format!(
                "{who} has no data.\"{DCJ}\"{kind}; an image pull secret is of type kubernetes.io/dockerconfigjson"
            )),
        );
    };
    let at = format!("{who}'s {place}.\"{key}\"");
    let text = if place == "data" {
        match auth::decode_base64_text(&value) {
            Ok(t) => t,
            Err(AuthError::Empty) => {
                return found(at.clone(), Err(format!("{at} is empty")));
            }
            Err(e) => {
                // The token's words, said of this field.
                let why = e.to_string().replacen("the auth token", "it", 1);
                return found(
                    at.clone(),
                    Err(format!("{at} is not base64 as data values are: {why}")),
                );
            }
        }
    } else {
        value
    };
    let text = if key == DOCKERCFG {
        // The legacy format is the `auths` object itself.
        format!("{{\"auths\": {}}}", text.trim())
    } else {
        text
    };
    let source = format!(
        "{at} ({format}{})",
        if place == "data" {
            ", base64 of JSON"
        } else {
            ""
        }
    );
    let rows = config_rows(&text).map_err(|e| format!("{at}: {e}"));
    found(source, rows)
}

/// A Docker config's rows; a config with no registries is an error. Read
/// as stored: the decoder shows what a Secret holds, also an old email.
fn config_rows(text: &str) -> Result<Vec<ImportRow>, String> {
    // `classify` reads a config.json; say "not JSON" in the paste's terms.
    if let Err(e) = parse_object(text) {
        return Err(format!("the Docker config {e}"));
    }
    match classify_with(text, Rules::Stored) {
        Ok(rows) if rows.is_empty() => Err(
            "the Docker config lists no registries (no \"auths\" and no \"credHelpers\")".into(),
        ),
        Ok(rows) => Ok(rows),
        Err(e) => Err(format!("the Docker config {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::B64;
    use crate::import::ImportStatus;
    use base64::Engine;

    const CONFIG: &str =
        r#"{"auths":{"ghcr.io":{"username":"bob","password":"pw","auth":"Ym9iOnB3"}}}"#;

    fn users(p: &Pasted) -> Vec<(Option<String>, String, String)> {
        let Pasted::Configs(found) = p else {
            panic!("{p:?}")
        };
        found
            .iter()
            .flat_map(|f| {
                f.rows.as_ref().unwrap().iter().map(|r| match &r.status {
                    ImportStatus::Importable { entry, .. } => (
                        f.secret.clone(),
                        r.server.clone(),
                        entry.credentials.username.clone(),
                    ),
                    other => panic!("{other:?}"),
                })
            })
            .collect()
    }

    #[test]
    fn base64_of_a_config_is_a_config_not_a_token() {
        let got = decode_paste(&B64.encode(CONFIG)).unwrap();
        assert_eq!(users(&got), [(None, "ghcr.io".into(), "bob".into())]);
        let Pasted::Configs(f) = got else { panic!() };
        assert!(f[0].source.contains("base64"), "{}", f[0].source);
    }

    #[test]
    fn tokens_and_configs_as_before() {
        assert_eq!(
            decode_paste(" YWI6Yw\r\n").unwrap(),
            Pasted::Token(Credentials {
                username: "ab".into(),
                password: "c".into()
            })
        );
        assert_eq!(decode_paste(" \n").unwrap(), Pasted::Empty);
        assert_eq!(
            users(&decode_paste(CONFIG).unwrap()),
            [(None, "ghcr.io".into(), "bob".into())]
        );
        let e = decode_paste("no*base64").unwrap_err();
        assert!(
            e.0.contains("not valid base64") && e.0.contains("whole Secret"),
            "{e}"
        );
        let e = decode_paste("dXNlcg==").unwrap_err();
        assert!(e.0.contains("':'"), "{e}");
    }

    #[test]
    fn a_secret_manifest_from_kubectl_or_ours() {
        let name = crate::SecretName::parse("regcred").unwrap();
        let config = crate::parse_dockerconfigjson(CONFIG).unwrap().config;
        let yaml = crate::forms::k8s_secret_manifest(&name, &config, Some("ci"));
        assert_eq!(
            users(&decode_paste(&yaml).unwrap()),
            [(Some("regcred".into()), "ghcr.io".into(), "bob".into())]
        );
        let json = serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "j"}, "type": "kubernetes.io/dockerconfigjson",
            "stringData": {".dockerconfigjson": CONFIG}});
        assert_eq!(
            users(&decode_paste(&json.to_string()).unwrap()),
            [(Some("j".into()), "ghcr.io".into(), "bob".into())]
        );
    }

    #[test]
    fn says_what_is_wrong_with_a_manifest() {
        let e = decode_paste("apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ntype: Opaque\ndata:\n  token: eA==\n")
            .unwrap_err();
        assert!(
            e.0.contains("the Secret x has no data.\".dockerconfigjson\" (its type is Opaque)"),
            "{e}"
        );
        let e = decode_paste("metadata:\n  name: x\ndata:\n  .dockerconfigjson: not*base64\n")
            .unwrap_err();
        assert!(
            e.0.contains("the Secret x's data.\".dockerconfigjson\" is not base64"),
            "{e}"
        );
        assert!(e.0.contains("position 4"), "{e}");
        let e = decode_paste("kind: ConfigMap\nfoo: bar\n").unwrap_err();
        assert!(e.0.contains("holds no Kubernetes Secret"), "{e}");
        let e = decode_paste(&B64.encode("{\"auths\": ")).unwrap_err();
        assert!(
            e.0.starts_with("this is base64 of text that starts like JSON"),
            "{e}"
        );
    }

    #[test]
    fn a_secret_with_an_email_kubectl_never_checked_still_decodes() {
        let config = r#"{"auths":{"r.io":{"username":"u","password":"p","email":"unused"}}}"#;
        let got = decode_paste(&B64.encode(config)).unwrap();
        assert_eq!(users(&got), [(None, "r.io".into(), "u".into())]);
    }

    #[test]
    fn several_secrets_each_on_their_own() {
        let one = B64.encode(CONFIG);
        let yaml = format!("metadata:\n  name: a\ndata:\n  .dockerconfigjson: {one}\n---\nmetadata:\n  name: b\ndata:\n  .dockerconfigjson: '%%'\n");
        let Pasted::Configs(found) = decode_paste(&yaml).unwrap() else {
            panic!()
        };
        assert_eq!(found.len(), 2);
        assert!(found[0].rows.is_ok());
        assert!(found[1]
            .rows
            .as_ref()
            .unwrap_err()
            .contains("the Secret b's"));
    }
}
