//! Token scopes: the secret names a token may see, as patterns. A pattern
//! is a secret name in which `*` stands for any run of characters
//! (`team-a-*`, `*-prod`, `ci-pull`, `*`). A token without a scope sees
//! every secret; one with a scope sees only names that match a pattern,
//! and everything else behaves as if it did not exist.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::name::MAX_NAME_LEN;

/// A scope is checked on every request; keep it short enough to read.
pub const MAX_PATTERNS: usize = 10;

/// A valid, non-empty list of name patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope(Vec<String>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeError {
    /// The list holds no pattern.
    Empty,
    TooMany {
        count: usize,
    },
    EmptyPattern {
        index: usize,
    },
    TooLong {
        pattern: String,
    },
    /// `position` is the 0-based character index in the pattern.
    BadChar {
        pattern: String,
        ch: char,
        position: usize,
    },
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeError::Empty => f.write_str(
                "the scope holds no pattern; give secret names or patterns such as team-a-*, or leave the scope out to see every secret",
            ),
            ScopeError::TooMany { count } => write!(
                f,
                "the scope has {count} patterns; at most {MAX_PATTERNS} are allowed (one pattern such as team-a-* covers many names)"
            ),
            ScopeError::EmptyPattern { index } => write!(
                f,
                "scope pattern {} is empty; write a secret name, with * for any run of characters",
                index + 1
            ),
            ScopeError::TooLong { pattern } => write!(
                f,
                "the scope pattern \"{pattern}\" is longer than {MAX_NAME_LEN} characters"
            ),
            ScopeError::BadChar {
                pattern,
                ch,
                position,
            } => write!(
                f,
                "the scope pattern \"{pattern}\" has '{ch}' at position {}; use lowercase a-z, digits 0-9, '-' and * for any run of characters",
                position + 1
            ),
        }
    }
}

impl std::error::Error for ScopeError {}

fn pattern_char(ch: char) -> bool {
    ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-' || ch == '*'
}

impl Scope {
    pub fn parse<I, P>(patterns: I) -> Result<Scope, ScopeError>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<str>,
    {
        let mut out: Vec<String> = Vec::new();
        for (index, p) in patterns.into_iter().enumerate() {
            let p = p.as_ref().trim();
            if p.is_empty() {
                return Err(ScopeError::EmptyPattern { index });
            }
            if p.chars().count() > MAX_NAME_LEN {
                return Err(ScopeError::TooLong {
                    pattern: p.to_owned(),
                });
            }
            if let Some((position, ch)) = p.chars().enumerate().find(|(_, c)| !pattern_char(*c)) {
                return Err(ScopeError::BadChar {
                    pattern: p.to_owned(),
                    ch,
                    position,
                });
            }
            if !out.iter().any(|o| o == p) {
                out.push(p.to_owned());
            }
        }
        if out.is_empty() {
            return Err(ScopeError::Empty);
        }
        if out.len() > MAX_PATTERNS {
            return Err(ScopeError::TooMany { count: out.len() });
        }
        Ok(Scope(out))
    }

    /// A request body's `"scope"`: absent or null is no scope, otherwise a
    /// list of name patterns. The error is the field's message. Managed
    /// tokens and workload identity rules take it alike.
    pub fn from_json(value: Option<&serde_json::Value>) -> Result<Option<Scope>, String> {
        use serde_json::Value;
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => {
                let mut patterns = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) => patterns.push(s.as_str()),
                        _ => {
                            return Err(
                                "\"scope\" must be a list of strings, e.g. [\"team-a-*\"]".into()
                            )
                        }
                    }
                }
                Scope::parse(patterns).map(Some).map_err(|e| e.to_string())
            }
            Some(_) => Err(
                "\"scope\" must be a list of secret names or patterns, e.g. [\"team-a-*\"]".into(),
            ),
        }
    }

    /// Patterns separated by `|` (how settings strings write a list whose
    /// entries are already separated by commas).
    pub fn parse_bars(text: &str) -> Result<Scope, ScopeError> {
        Scope::parse(text.split('|'))
    }

    pub fn patterns(&self) -> &[String] {
        &self.0
    }

    /// Whether the secret `name` is inside the scope.
    pub fn allows(&self, name: &str) -> bool {
        self.0.iter().any(|p| glob(p.as_bytes(), name.as_bytes()))
    }
}

/// Whether `optional` allows `name`: no scope allows every name.
pub fn sees(optional: Option<&Scope>, name: &str) -> bool {
    optional.is_none_or(|s| s.allows(name))
}

/// Whether `text` matches `pattern`: `*` is any run of bytes (`/` and `:`
/// too), everything else itself. Scopes and workload identity claims match
/// this way. Backtracks only to the last `*`, so it is linear in practice.
pub fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(", "))
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Vec::<String>::deserialize(d)?;
        Scope::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(p: &[&str]) -> Scope {
        Scope::parse(p).unwrap()
    }

    #[test]
    fn matches_exact_names_and_globs() {
        let s = scope(&["team-a-*", "ci-pull"]);
        assert!(s.allows("team-a-prod") && s.allows("team-a-") && s.allows("ci-pull"));
        assert!(!s.allows("team-b-prod") && !s.allows("ci-pull-2") && !s.allows("xteam-a-1"));
        let s = scope(&["*-prod", "a*b*c"]);
        assert!(s.allows("x-prod") && s.allows("abc") && s.allows("aXXbYYc"));
        assert!(!s.allows("x-prod-2") && !s.allows("acb"));
        assert!(scope(&["*"]).allows("anything"));
        assert!(sees(None, "anything") && !sees(Some(&scope(&["a"])), "b"));
    }

    #[test]
    fn refuses_bad_patterns() {
        assert_eq!(Scope::parse::<_, &str>([]), Err(ScopeError::Empty));
        assert_eq!(
            Scope::parse(["a", " "]),
            Err(ScopeError::EmptyPattern { index: 1 })
        );
        assert!(matches!(
            Scope::parse(["Team-*"]),
            Err(ScopeError::BadChar {
                ch: 'T',
                position: 0,
                ..
            })
        ));
        let many: Vec<String> = (0..11).map(|i| format!("n{i}")).collect();
        assert_eq!(Scope::parse(&many), Err(ScopeError::TooMany { count: 11 }));
        assert!(Scope::parse(["x".repeat(254)]).is_err());
        let msg = Scope::parse(["a b"]).unwrap_err().to_string();
        assert!(
            msg.contains("\"a b\"") && msg.contains("position 2"),
            "{msg}"
        );
    }

    #[test]
    fn duplicates_fold_and_bars_split() {
        assert_eq!(scope(&["a", "a", "b"]).patterns(), ["a", "b"]);
        assert_eq!(
            Scope::parse_bars("team-a-*|ci").unwrap(),
            scope(&["team-a-*", "ci"])
        );
        assert_eq!(scope(&["a", "b-*"]).to_string(), "a, b-*");
    }

    #[test]
    fn serde_validates() {
        let s: Scope = serde_json::from_slice(br#"["team-a-*"]"#).unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"["team-a-*"]"#);
        assert!(serde_json::from_slice::<Scope>(br#"["BAD"]"#).is_err());
        assert!(serde_json::from_slice::<Scope>(b"[]").is_err());
    }
}
