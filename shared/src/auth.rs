//! Docker `auth` tokens: standard base64 of `username:password`.

use std::fmt;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// Decodes with or without `=` padding; encodes with it, as Docker does.
pub(crate) const B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a username cannot go into an `auth` token: Docker splits
/// `username:password` at the first ':'.
pub const COLON_IN_USERNAME: &str =
    "cannot contain ':' (Docker's auth is username:password, split at the first ':')";

/// A username that `auth` can carry: not empty, no ':'.
pub fn check_username(username: &str) -> Result<(), &'static str> {
    if username.is_empty() {
        Err("is empty; the username is required")
    } else if username.contains(':') {
        Err(COLON_IN_USERNAME)
    } else {
        Ok(())
    }
}

/// A username and password pair. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    Empty,
    /// `position` is the index in the token with whitespace removed.
    NotBase64 {
        position: Option<usize>,
    },
    NotUtf8,
    MissingColon,
    EmptyUsername,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Empty => f.write_str("the auth token is empty; paste the value of an \"auth\" field"),
            AuthError::NotBase64 { position: Some(p) } => write!(
                f,
                "the auth token is not valid base64 (bad character at position {}); it should only hold A-Z, a-z, 0-9, '+', '/' and '=' padding",
                p + 1
            ),
            AuthError::NotBase64 { position: None } => f.write_str(
                "the auth token is not valid base64 (its length is wrong); check that it was copied whole",
            ),
            AuthError::NotUtf8 => f.write_str(
                "the auth token decodes to bytes that are not UTF-8 text; it is not a username:password pair",
            ),
            AuthError::MissingColon => f.write_str(
                "the auth token decodes to text without ':'; a Docker auth token is base64 of username:password",
            ),
            AuthError::EmptyUsername => f.write_str(
                "the auth token has an empty username (it starts with ':'); the username is required",
            ),
        }
    }
}

impl std::error::Error for AuthError {}

/// Encodes as `docker login` and kubectl do.
pub fn encode(username: &str, password: &str) -> String {
    B64.encode(format!("{username}:{password}"))
}

/// Decodes an `auth` token, tolerating missing padding and stray whitespace
/// (tokens get wrapped and pasted). Splits at the first ':' because a
/// username cannot hold one and a password can.
pub fn decode(token: &str) -> Result<Credentials, AuthError> {
    let text = decode_base64_text(token)?;
    let (username, password) = text.split_once(':').ok_or(AuthError::MissingColon)?;
    if username.is_empty() {
        return Err(AuthError::EmptyUsername);
    }
    Ok(Credentials {
        username: username.to_owned(),
        password: password.to_owned(),
    })
}

/// Base64 (padding optional, whitespace ignored) to UTF-8 text.
pub(crate) fn decode_base64_text(input: &str) -> Result<String, AuthError> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(AuthError::Empty);
    }
    let bytes = B64.decode(compact.as_bytes()).map_err(|e| match e {
        base64::DecodeError::InvalidByte(p, _) => AuthError::NotBase64 { position: Some(p) },
        base64::DecodeError::InvalidLastSymbol(p, _) => AuthError::NotBase64 { position: Some(p) },
        _ => AuthError::NotBase64 { position: None },
    })?;
    String::from_utf8(bytes).map_err(|_| AuthError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(u: &str, p: &str) -> Credentials {
        Credentials {
            username: u.into(),
            password: p.into(),
        }
    }

    #[test]
    fn encodes_like_docker() {
        assert_eq!(encode("user", "pass"), "dXNlcjpwYXNz");
        assert_eq!(encode("a", "b"), "YTpi");
        assert_eq!(encode("ab", "c"), "YWI6Yw==");
    }

    #[test]
    fn tolerates_missing_padding_and_whitespace() {
        assert_eq!(decode("YWI6Yw"), Ok(creds("ab", "c")));
        assert_eq!(decode(" YWI6\r\nYw==\n"), Ok(creds("ab", "c")));
    }

    #[test]
    fn splits_at_first_colon() {
        assert_eq!(decode(&encode("u", "p:a:ss")), Ok(creds("u", "p:a:ss")));
        assert_eq!(decode(&encode("u", "")), Ok(creds("u", "")));
    }

    #[test]
    fn reports_each_failure() {
        assert_eq!(decode(" \n"), Err(AuthError::Empty));
        assert_eq!(
            decode("ab$c"),
            Err(AuthError::NotBase64 { position: Some(2) })
        );
        assert_eq!(decode("a"), Err(AuthError::NotBase64 { position: None }));
        assert_eq!(decode("//79"), Err(AuthError::NotUtf8));
        assert_eq!(decode("dXNlcg=="), Err(AuthError::MissingColon));
        assert_eq!(decode(&encode("", "pw")), Err(AuthError::EmptyUsername));
    }

    #[test]
    fn debug_hides_the_password() {
        let shown = format!("{:?}", creds("bob", "hunter2"));
        assert!(shown.contains("bob") && !shown.contains("hunter2"));
    }
}
