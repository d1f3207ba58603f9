//! Kubernetes Secret manifests as people paste them: the YAML that
//! `kubectl create secret docker-registry … --dry-run=client -o yaml` and
//! `kubectl get secret … -o yaml` print (one Secret, several behind `---`, or
//! a `kind: List`), and the same as JSON (`-o json`). Only what a pull
//! secret needs is read: each Secret's `metadata.name`, `type`, and the
//! strings under `data` and `stringData`.
//!
//! Not a YAML parser: the decoder's wasm size is measured, and a YAML crate
//! would weigh more than the decoder. This reads block mappings and block
//! sequences of scalars (plain, quoted, `|` and `>` blocks, continued on
//! more-indented lines), which is all kubectl prints; anything else it does
//! not understand it skips. It never panics on any input (fuzzed).

use serde_json::Value;

/// One Secret found in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretManifest {
    pub name: Option<String>,
    /// `type`, e.g. `kubernetes.io/dockerconfigjson`.
    pub kind: Option<String>,
    /// `(key, value)` of `data`: base64, as Kubernetes stores them.
    pub data: Vec<(String, String)>,
    /// `(key, value)` of `stringData`: plain text.
    pub string_data: Vec<(String, String)>,
    /// Where it starts (1-based), for messages; `None` for JSON.
    pub line: Option<usize>,
}

impl SecretManifest {
    fn is_empty(&self) -> bool {
        self.data.is_empty() && self.string_data.is_empty() && self.kind.is_none()
    }
}

/// Whether `text` reads as YAML: some line is `key: value` or `key:`. An
/// auth token or base64 never holds ':'; `user:password` has no space after it.
pub fn looks_like_yaml(text: &str) -> bool {
    text.lines().any(|line| {
        let body = line.trim_start().trim_start_matches("- ");
        !body.starts_with('#') && split_key(body).is_some()
    })
}

/// Whether a JSON object is a Kubernetes object (a Secret, or a List of them)
/// rather than a Docker config.
pub fn is_manifest_json(root: &serde_json::Map<String, Value>) -> bool {
    root.contains_key("apiVersion")
        || root.contains_key("kind")
        || root.contains_key("data")
        || root.contains_key("stringData")
}

/// The Secrets of a JSON manifest: one object, or a List's `items`.
pub fn secrets_from_json(root: &serde_json::Map<String, Value>) -> Vec<SecretManifest> {
    match root.get("items") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_object)
            .map(secret_from_json)
            .collect(),
        _ => vec![secret_from_json(root)],
    }
}

fn secret_from_json(obj: &serde_json::Map<String, Value>) -> SecretManifest {
    let strings = |field: &str| -> Vec<(String, String)> {
        match obj.get(field) {
            Some(Value::Object(m)) => m
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect(),
            _ => Vec::new(),
        }
    };
    SecretManifest {
        name: obj
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        kind: obj.get("type").and_then(Value::as_str).map(str::to_owned),
        data: strings("data"),
        string_data: strings("stringData"),
        line: None,
    }
}

/// A path segment: a mapping key, or an item of a sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Item(usize),
}

/// An open mapping key (whose value is on the lines below) or sequence item.
#[derive(Debug)]
struct Frame {
    indent: usize,
    seg: Seg,
    /// The next item number of a sequence under this key.
    items: usize,
}

/// One scalar found: its path from the document's root, its text, its line.
#[derive(Debug)]
struct Scalar {
    doc: usize,
    path: Vec<Seg>,
    value: String,
    line: usize,
}

/// The Secrets of a YAML manifest, in document order. A document (or List
/// item) with neither `data`, `stringData` nor `type` is not one.
pub fn secrets_from_yaml(text: &str) -> Vec<SecretManifest> {
    let scalars = scalars(text);
    // A Secret is the mapping that holds `data`/`stringData`/`type`: its
    // path is theirs less the last key (and the key inside `data`).
    let mut found: Vec<((usize, Vec<Seg>), SecretManifest)> = Vec::new();
    for s in &scalars {
        let (owner, field) = match s.path.as_slice() {
            [owner @ .., Seg::Key(f), Seg::Key(k)] if f == "data" || f == "stringData" => {
                (owner, (f.as_str(), Some(k.clone())))
            }
            [owner @ .., Seg::Key(f)] if f == "type" => (owner, ("type", None)),
            [owner @ .., Seg::Key(m), Seg::Key(n)] if m == "metadata" && n == "name" => {
                (owner, ("name", None))
            }
            _ => continue,
        };
        let id = (s.doc, owner.to_vec());
        let at = match found.iter().position(|(k, _)| *k == id) {
            Some(i) => i,
            None => {
                found.push((id, SecretManifest::default()));
                found.len() - 1
            }
        };
        let secret = &mut found[at].1;
        secret.line = Some(secret.line.map_or(s.line, |l| l.min(s.line)));
        match field {
            ("data", Some(k)) => secret.data.push((k, s.value.clone())),
            ("stringData", Some(k)) => secret.string_data.push((k, s.value.clone())),
            ("type", _) => secret.kind = Some(s.value.clone()),
            _ => secret.name = Some(s.value.clone()),
        }
    }
    found
        .into_iter()
        .map(|(_, s)| s)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Every scalar of the block structure, with its path.
fn scalars(text: &str) -> Vec<Scalar> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut doc = 0;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end_matches('\r');
        i += 1;
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if line.starts_with("---") || line.starts_with("...") {
            doc += 1;
            stack.clear();
            continue;
        }
        let mut indent = line.len() - trimmed.len();
        let mut body = trimmed;
        if body == "-" || body.starts_with("- ") {
            // A sequence item: its parent is the key at this indent or less
            // (kubectl writes `items:` and its `- ` at the same column).
            stack.retain(|f| f.indent <= indent);
            if matches!(stack.last(), Some(f) if f.indent == indent && matches!(f.seg, Seg::Item(_)))
            {
                stack.pop();
            }
            let n = match stack.last_mut() {
                Some(parent) => {
                    parent.items += 1;
                    parent.items - 1
                }
                None => 0,
            };
            stack.push(Frame {
                indent,
                seg: Seg::Item(n),
                items: 0,
            });
            let rest = body[1..].trim_start();
            indent += body.len() - rest.len();
            body = rest;
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
        } else {
            stack.retain(|f| f.indent < indent);
        }
        let Some((key, value)) = split_key(body) else {
            // An item that is a plain scalar, or a line this reader does
            // not know: neither can hold a Secret's fields.
            continue;
        };
        let path = || {
            let mut p: Vec<Seg> = stack.iter().map(|f| f.seg.clone()).collect();
            p.push(Seg::Key(key.clone()));
            p
        };
        let first_line = i;
        if value.is_empty() {
            stack.push(Frame {
                indent,
                seg: Seg::Key(key),
                items: 0,
            });
            continue;
        }
        // The value goes on for as long as the lines are indented deeper.
        let start = i;
        while i < lines.len() {
            let next = lines[i].trim_end_matches('\r');
            let t = next.trim_start();
            if !t.is_empty() && next.len() - t.len() <= indent {
                break;
            }
            i += 1;
        }
        let more = &lines[start..i];
        let text = if let Some(header) = block_header(value) {
            block(header, more)
        } else {
            flow(value, more)
        };
        out.push(Scalar {
            doc,
            path: path(),
            value: text,
            line: first_line,
        });
    }
    out
}

/// `key: value` or `key:`, the key plain or quoted; `None` for anything else.
fn split_key(body: &str) -> Option<(String, &str)> {
    let (key, rest) = match body.chars().next()? {
        q @ ('"' | '\'') => {
            let (key, len) = quoted(body, q)?;
            (key, body.get(len..)?)
        }
        _ => {
            let end = body
                .match_indices(':')
                .map(|(i, _)| i)
                .find(|&i| body[i + 1..].is_empty() || body[i + 1..].starts_with([' ', '\t']))?;
            let key = body[..end].trim_end();
            if key.is_empty() || key.starts_with(['{', '[', '&', '*', '!', '|', '>', '%', '@', '`'])
            {
                return None;
            }
            (key.to_owned(), &body[end..])
        }
    };
    let rest = rest.trim_start_matches([' ', '\t']).strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let value = rest.trim();
    // A comment alone is no value.
    let value = if value.starts_with('#') { "" } else { value };
    Some((key, value))
}

/// A quoted scalar at the start of `text`: its value and the bytes it took
/// (quotes included); `None` when it does not close.
fn quoted(text: &str, q: char) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if q == '\'' => {
                if matches!(chars.peek(), Some((_, '\''))) {
                    chars.next();
                    out.push('\'');
                } else {
                    return Some((out, i + 1));
                }
            }
            '"' if q == '"' => return Some((out, i + 1)),
            '\\' if q == '"' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '0' => out.push('\0'),
                    'x' | 'u' | 'U' => {
                        let width = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut code = 0u32;
                        for _ in 0..width {
                            let (_, h) = chars.next()?;
                            code = code * 16 + h.to_digit(16)?;
                        }
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    // An escaped line break joins the lines.
                    '\n' => {}
                    other => out.push(other),
                }
            }
            _ => out.push(c),
        }
    }
    None
}

/// A `|` or `>` block header (with chomping and indentation indicators, and
/// maybe a comment): whether it folds.
fn block_header(value: &str) -> Option<bool> {
    let head = value.split(" #").next().unwrap_or(value).trim_end();
    let mut chars = head.chars();
    let folds = match chars.next()? {
        '|' => false,
        '>' => true,
        _ => return None,
    };
    chars
        .all(|c| c == '-' || c == '+' || c.is_ascii_digit())
        .then_some(folds)
}

/// A block scalar's lines, their common indentation removed.
fn block(folds: bool, lines: &[&str]) -> String {
    let indent = lines
        .iter()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let body: Vec<&str> = lines
        .iter()
        .map(|l| {
            let l = l.trim_end_matches('\r');
            l.get(indent..).unwrap_or("")
        })
        .collect();
    let joined = body.join(if folds { " " } else { "\n" });
    joined.trim_end().to_owned()
}

/// A plain or quoted scalar, maybe continued on the lines below (folded
/// with spaces, as YAML does).
fn flow(first: &str, more: &[&str]) -> String {
    let mut text = first.to_owned();
    let double = first.starts_with('"');
    for l in more {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        // In double quotes, a backslash ending a line joins it to the next.
        if double && text.ends_with('\\') && !text.ends_with("\\\\") {
            text.pop();
        } else {
            text.push(' ');
        }
        text.push_str(l);
    }
    match text.chars().next() {
        Some(q @ ('"' | '\'')) => match quoted(&text, q) {
            Some((value, _)) => value,
            None => text,
        },
        // A comment ends a plain scalar.
        _ => text
            .split(" #")
            .next()
            .unwrap_or_default()
            .trim_end()
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATED: &str = "apiVersion: v1
data:
  .dockerconfigjson: eyJhdXRocyI6e319
kind: Secret
metadata:
  creationTimestamp: null
  name: regcred
type: kubernetes.io/dockerconfigjson
";

    #[test]
    fn reads_what_kubectl_create_prints() {
        let s = secrets_from_yaml(CREATED);
        assert_eq!(
            s,
            vec![SecretManifest {
                name: Some("regcred".into()),
                kind: Some("kubernetes.io/dockerconfigjson".into()),
                data: vec![(".dockerconfigjson".into(), "eyJhdXRocyI6e319".into())],
                string_data: vec![],
                line: Some(3),
            }]
        );
        assert!(looks_like_yaml(CREATED));
        assert!(!looks_like_yaml("eyJhdXRocyI6e319"));
        assert!(!looks_like_yaml("user:password"));
    }

    #[test]
    fn skips_annotations_and_reads_lists_and_documents() {
        let got = "apiVersion: v1
items:
- apiVersion: v1
  data:
    \".dockerconfigjson\": 'b25l'
  kind: Secret
  metadata:
    annotations:
      kubectl.kubernetes.io/last-applied-configuration: |
        {\"apiVersion\":\"v1\",\"data\":{\".dockerconfigjson\":\"bm90LWl0\"},
         \"metadata\":{\"name\":\"not-it\"}}
    name: one
  type: kubernetes.io/dockerconfigjson
- apiVersion: v1
  kind: Secret
  metadata: {name: flow-is-skipped}
  stringData:
    .dockerconfigjson: >-
      {\"auths\":
      {}}
  type: kubernetes.io/dockerconfigjson
kind: List
---
# a comment
data:
  .dockerconfigjson: \"dGhy\\
    ZWU=\" # trailing comment
";
        let s = secrets_from_yaml(got);
        assert_eq!(s.len(), 3, "{s:?}");
        assert_eq!(s[0].name.as_deref(), Some("one"));
        assert_eq!(s[0].data, vec![(".dockerconfigjson".into(), "b25l".into())]);
        assert_eq!(s[1].name, None);
        assert_eq!(
            s[1].string_data,
            vec![(".dockerconfigjson".into(), "{\"auths\": {}}".into())]
        );
        assert_eq!(s[2].data[0].1, "dGhyZWU=");
        assert_eq!(s[2].line, Some(26));
    }

    #[test]
    fn reads_json_manifests() {
        let one: Value = serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "a"}, "data": {".dockerconfigjson": "e30="}});
        let obj = one.as_object().unwrap();
        assert!(is_manifest_json(obj));
        assert_eq!(secrets_from_json(obj)[0].name.as_deref(), Some("a"));
        let list = serde_json::json!({"kind": "List", "items": [one, {"data": {"x": "eA=="}}]});
        assert_eq!(secrets_from_json(list.as_object().unwrap()).len(), 2);
        let config = serde_json::json!({"auths": {}});
        assert!(!is_manifest_json(config.as_object().unwrap()));
    }

    #[test]
    fn never_panics_on_odd_text() {
        for text in [
            "- - -\n  -",
            "a: \"unclosed\n  b",
            "é: 'x''y'\n  ü: |9\n\u{00a0}",
            ":\n: :\n\"\":",
            "k: \"\\u12\"",
            "data:\n  .dockerconfigjson: |\n",
            "\t- a: b\n\t\tc: d",
        ] {
            let _ = secrets_from_yaml(text);
            let _ = looks_like_yaml(text);
        }
    }
}
