//! `cargo xtask test`'s import-graph check: within one crate's `src/`, a
//! file that names `crate::a::b` or `super::x` depends on that module's
//! file; imports must only point down, so the graph may have no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The `.rs` files under `src`, as module paths (`["edge", "kv"]`).
fn modules(src: &Path) -> Result<BTreeMap<Vec<String>, PathBuf>, String> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.insert(module_path(src, &path), path);
            }
        }
    }
    Ok(out)
}

fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        parts.clear();
    }
    parts
}

/// Code without comments, string literals and a trailing `#[cfg(test)] mod`.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if !escaped && c == '"' {
                        break;
                    }
                    escaped = !escaped && c == '\\';
                }
                out.push_str("\"\"");
            }
            c => out.push(c),
        }
    }
    match out.find("#[cfg(test)]\nmod ") {
        Some(i) => out[..i].to_owned(),
        None => out,
    }
}

/// The module paths a file's code names, `{a, b::c}` groups expanded once.
fn named_paths(code: &str, me: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for (i, _) in code.match_indices("::") {
        // The head word just before this `::`.
        let start = code[..i]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |s| s + 1);
        let head = &code[start..i];
        if head != "crate" && head != "super" {
            continue;
        }
        if start > 0 && bytes[start - 1] == b':' {
            continue; // `super::super::x` is read from its first `super`.
        }
        let rest = &code[start..];
        let end = rest
            .find(|c: char| {
                !(c.is_alphanumeric()
                    || c == '_'
                    || c == ':'
                    || c == '{'
                    || c == '}'
                    || c == ','
                    || c == ' '
                    || c == '\n')
            })
            .unwrap_or(rest.len());
        let text: String = rest[..end].split_whitespace().collect();
        let (base, group) = match text.split_once("::{") {
            Some((b, g)) => (
                b.to_owned(),
                g.split('}').next().unwrap_or_default().to_owned(),
            ),
            None => (
                text.split('{').next().unwrap_or_default().to_owned(),
                String::new(),
            ),
        };
        let mut heads: Vec<String> = base
            .trim_end_matches(':')
            .split("::")
            .map(str::to_owned)
            .collect();
        let mut resolved = if heads[0] == "crate" {
            heads.remove(0);
            heads
        } else {
            let mut m = me.to_vec();
            while heads.first().is_some_and(|h| h == "super") {
                heads.remove(0);
                m.pop();
            }
            m.extend(heads);
            m
        };
        resolved.retain(|p| !p.is_empty() && p != "self");
        if group.is_empty() {
            out.push(resolved);
        } else {
            for item in group.split(',') {
                let item = item.split(" as ").next().unwrap_or_default().trim();
                let mut p = resolved.clone();
                if !item.is_empty() && item != "self" {
                    p.extend(item.split("::").map(str::to_owned));
                }
                out.push(p);
            }
        }
    }
    out
}

/// The deepest module file a path names, if any.
fn file_of(modules: &BTreeMap<Vec<String>, PathBuf>, path: &[String]) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains_key(p))
}

/// Every cycle in the import graph of `src`, each as its files.
pub fn cycles(src: &Path) -> Result<Vec<Vec<String>>, String> {
    let modules = modules(src)?;
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (me, file) in &modules {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let deps = graph.entry(me.clone()).or_default();
        for p in named_paths(&code_of(&text), me) {
            if let Some(target) = file_of(&modules, &p) {
                if &target != me && !target.is_empty() {
                    deps.insert(target);
                }
            }
        }
    }
    let name = |m: &Vec<String>| {
        modules[m]
            .strip_prefix(src)
            .unwrap_or(&modules[m])
            .display()
            .to_string()
    };
    Ok(strongly_connected(&graph)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| c.iter().map(name).collect())
        .collect())
}

/// Tarjan's strongly connected components.
fn strongly_connected<N: Ord + Clone>(graph: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    struct State<N> {
        index: BTreeMap<N, usize>,
        low: BTreeMap<N, usize>,
        stack: Vec<N>,
        on: BTreeSet<N>,
        out: Vec<Vec<N>>,
    }
    fn visit<N: Ord + Clone>(v: &N, g: &BTreeMap<N, BTreeSet<N>>, s: &mut State<N>) {
        let i = s.index.len();
        s.index.insert(v.clone(), i);
        s.low.insert(v.clone(), i);
        s.stack.push(v.clone());
        s.on.insert(v.clone());
        for w in g.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(w, g, s);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(&w);
                let done = &w == v;
                comp.push(w);
                if done {
                    break;
                }
            }
            comp.sort();
            s.out.push(comp);
        }
    }
    let mut s = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v) {
            visit(v, graph, &mut s);
        }
    }
    s.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "xtask-cycles-{}-{}",
            std::process::id(),
            files.len()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    #[test]
    fn finds_a_cycle_through_groups_and_super_and_none_in_comments() {
        let src = tree(&[
            ("lib.rs", "mod a; mod b; mod edge;"),
            ("a.rs", "use crate::{b::Thing, edge};\n"),
            (
                "b.rs",
                "// use crate::a;\nconst S: &str = \"crate::a::x\";\n",
            ),
            ("edge/mod.rs", "mod kv;"),
            ("edge/kv.rs", "use super::super::a::f;\n"),
        ]);
        assert!(
            cycles(&src).unwrap().is_empty(),
            "comments and strings do not count"
        );
        std::fs::write(src.join("b.rs"), "fn f() { crate::edge::kv::g() }\n").unwrap();
        let found = cycles(&src).unwrap();
        assert_eq!(found, vec![vec!["a.rs", "b.rs", "edge/kv.rs"]]);
    }
}
