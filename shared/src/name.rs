//! Secret names: the identity of a secret, fixed at creation.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub const MAX_NAME_LEN: usize = 253;

/// The naming rule as a regular expression (ECMA-262, as JSON Schema reads
/// it), declared with [`MAX_NAME_LEN`] in the OpenAPI document so generated
/// requests name valid secrets. [`SecretName::parse`] is the rule; the e2e
/// tests check the served pattern against the server's answers.
pub const NAME_PATTERN: &str = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$";

/// A secret name that is valid by construction: only [`SecretName::parse`]
/// (and [`SecretName::suggest`], which cannot fail) make one.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretName(String);

/// Which naming rule an input broke, and where (0-based character index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    Empty,
    TooLong { len: usize },
    BadChar { ch: char, position: usize },
    BadStart { ch: char },
    BadEnd { ch: char, position: usize },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(f, "the secret name is empty; give 1 to {MAX_NAME_LEN} characters of a-z, 0-9 and '-'"),
            NameError::TooLong { len } => write!(
                f,
                "the secret name has {len} characters; shorten it to at most {MAX_NAME_LEN}"
            ),
            NameError::BadChar { ch, position } => write!(
                f,
                "the secret name has {} at position {}; use only lowercase a-z, digits 0-9 and '-'",
                describe(*ch),
                position + 1
            ),
            NameError::BadStart { ch } => write!(
                f,
                "the secret name starts with {}; it must start with a letter a-z or a digit",
                describe(*ch)
            ),
            NameError::BadEnd { ch, position } => write!(
                f,
                "the secret name ends with {} at position {}; it must end with a letter a-z or a digit",
                describe(*ch),
                position + 1
            ),
        }
    }
}

impl std::error::Error for NameError {}

fn describe(ch: char) -> String {
    if ch.is_ascii_uppercase() {
        format!(
            "the uppercase letter '{ch}' (write '{}')",
            ch.to_ascii_lowercase()
        )
    } else if ch.is_whitespace() {
        "a space".to_string()
    } else {
        format!("'{ch}'")
    }
}

fn allowed(ch: char) -> bool {
    ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'
}

impl SecretName {
    /// Parses a name. The error names the first broken rule and its position.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let len = input.chars().count();
        if len == 0 {
            return Err(NameError::Empty);
        }
        if len > MAX_NAME_LEN {
            return Err(NameError::TooLong { len });
        }
        if let Some((position, ch)) = input.chars().enumerate().find(|(_, c)| !allowed(*c)) {
            return Err(NameError::BadChar { ch, position });
        }
        // Only '-' can be allowed yet not alphanumeric.
        if input.starts_with('-') {
            return Err(NameError::BadStart { ch: '-' });
        }
        if input.ends_with('-') {
            return Err(NameError::BadEnd {
                ch: '-',
                position: len - 1,
            });
        }
        Ok(SecretName(input.to_owned()))
    }

    /// A valid name derived from any text (a registry address, a file name),
    /// for forms that propose a name the user may edit.
    pub fn suggest(from: &str) -> SecretName {
        let mut out = String::new();
        for ch in from.chars().flat_map(char::to_lowercase) {
            if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
                out.push(ch);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        out.truncate(MAX_NAME_LEN);
        while out.ends_with('-') {
            out.pop();
        }
        if out.is_empty() {
            out.push_str("registry");
        }
        SecretName(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretName({:?})", self.0)
    }
}

impl std::str::FromStr for SecretName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SecretName::parse(s)
    }
}

impl AsRef<str> for SecretName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for SecretName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        SecretName::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_names() {
        for ok in ["a", "0", "my-registry", "a-b-c", "x9", &"a".repeat(253)] {
            assert_eq!(SecretName::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn names_the_rule_and_position() {
        assert_eq!(SecretName::parse(""), Err(NameError::Empty));
        assert_eq!(
            SecretName::parse(&"a".repeat(254)),
            Err(NameError::TooLong { len: 254 })
        );
        assert_eq!(
            SecretName::parse("my_reg"),
            Err(NameError::BadChar {
                ch: '_',
                position: 2
            })
        );
        assert_eq!(
            SecretName::parse("-abc"),
            Err(NameError::BadStart { ch: '-' })
        );
        assert_eq!(
            SecretName::parse("abc-"),
            Err(NameError::BadEnd {
                ch: '-',
                position: 3
            })
        );
        let msg = SecretName::parse("myReg").unwrap_err().to_string();
        assert!(msg.contains("position 3") && msg.contains("'r'"), "{msg}");
    }

    #[test]
    fn suggestions_are_valid() {
        assert_eq!(
            SecretName::suggest("https://index.docker.io/v1/").as_str(),
            "https-index-docker-io-v1"
        );
        assert_eq!(SecretName::suggest("ghcr.io").as_str(), "ghcr-io");
        assert_eq!(SecretName::suggest("---").as_str(), "registry");
        assert_eq!(SecretName::suggest("ÄÖ").as_str(), "registry");
    }

    #[test]
    fn deserialize_rejects_invalid() {
        assert!(serde_json::from_slice::<SecretName>(b"\"ok-name\"").is_ok());
        assert!(serde_json::from_slice::<SecretName>(b"\"Bad\"").is_err());
    }
}
