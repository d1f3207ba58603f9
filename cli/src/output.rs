//! kubectl-like output: a table by default, `-o json|yaml|name`.

use comfy_table::presets::NOTHING;
use comfy_table::{ContentArrangement, Table};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Json,
    Yaml,
    Name,
}

/// A table with these headers, aligned as `kubectl get` prints them.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut t = Table::new();
    t.load_preset(NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.iter().map(|h| h.to_uppercase()));
    for r in rows {
        t.add_row(r);
    }
    let text = t.to_string();
    // comfy-table pads each line with a leading space; kubectl does not.
    let mut out: String = text
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

/// `value` as YAML (block style; strings quoted when YAML would misread them).
pub fn yaml(value: &Value) -> String {
    let mut out = String::new();
    write_yaml(value, 0, &mut out, false);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_alphanumeric() || "-_./@".contains(c))
                && !matches!(
                    s.as_str(),
                    "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
                )
                && s.parse::<f64>().is_err();
            if plain {
                s.clone()
            } else {
                serde_json::to_string(s).unwrap_or_default()
            }
        }
        _ => String::new(),
    }
}

fn write_yaml(v: &Value, indent: usize, out: &mut String, in_list: bool) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if m.is_empty() => out.push_str("{}\n"),
        Value::Array(a) if a.is_empty() => out.push_str("[]\n"),
        Value::Object(m) => {
            for (i, (k, val)) in m.iter().enumerate() {
                if !(in_list && i == 0) {
                    out.push_str(&pad);
                }
                out.push_str(&scalar(&Value::String(k.clone())));
                out.push(':');
                match val {
                    Value::Object(o) if !o.is_empty() => {
                        out.push('\n');
                        write_yaml(val, indent + 2, out, false);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push('\n');
                        write_yaml(val, indent, out, false);
                    }
                    _ => {
                        out.push(' ');
                        write_yaml(val, indent + 2, out, false);
                    }
                }
            }
        }
        Value::Array(a) => {
            for item in a {
                out.push_str(&pad);
                out.push_str("- ");
                write_yaml(item, indent + 2, out, true);
            }
        }
        _ => {
            out.push_str(&scalar(v));
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_reads_back_the_same_shapes() {
        let v = json!({"count": 2, "resources": [{"name": "a", "registries": ["ghcr.io"]}, {"name": "b", "registries": []}], "ok": "true"});
        assert_eq!(
            yaml(&v),
            "count: 2\nok: \"true\"\nresources:\n- name: a\n  registries:\n  - ghcr.io\n- name: b\n  registries: []\n"
        );
    }

    #[test]
    fn tables_are_aligned_without_borders() {
        let t = table(
            &["name", "registries"],
            vec![
                vec!["a".into(), "ghcr.io".into()],
                vec!["longer".into(), "x".into()],
            ],
        );
        assert_eq!(t, "NAME    REGISTRIES\na       ghcr.io\nlonger  x\n");
    }
}
