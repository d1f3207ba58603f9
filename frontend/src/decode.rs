//! The offline decoder: an `auth` token or a whole `config.json` in, names
//! and passwords out. Pure functions; the page never sends anything.

use shared::{auth, classify, Credentials, ImportRow};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    Empty,
    Token(Credentials),
    Config(Vec<ImportRow>),
    Error(String),
}

/// A JSON object is read as a `config.json`; anything else as a token.
pub fn decode_input(text: &str) -> Decoded {
    let t = text.trim();
    if t.is_empty() {
        return Decoded::Empty;
    }
    if t.starts_with('{') {
        return match classify(t) {
            Ok(rows) if rows.is_empty() => Decoded::Error(
                "this config.json lists no registries (no \"auths\" and no \"credHelpers\")".into(),
            ),
            Ok(rows) => Decoded::Config(rows),
            Err(e) => Decoded::Error(format!("config.json {e}")),
        };
    }
    match auth::decode(t) {
        Ok(c) => Decoded::Token(c),
        Err(e) => Decoded::Error(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::ImportStatus;

    #[test]
    fn decodes_tokens_with_tolerance() {
        assert_eq!(
            decode_input(" YWI6Yw\r\n"),
            Decoded::Token(Credentials {
                username: "ab".into(),
                password: "c".into()
            })
        );
    }

    #[test]
    fn says_what_is_wrong() {
        match decode_input("dXNlcg==") {
            Decoded::Error(e) => assert!(e.contains("':'")),
            other => panic!("{other:?}"),
        }
        match decode_input("no*base64") {
            Decoded::Error(e) => assert!(e.contains("base64")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_a_config_json_with_helpers() {
        let rows = match decode_input(
            r#"{"auths":{"a.io":{"auth":"dTpw"},"b.io":{}},"credsStore":"desktop"}"#,
        ) {
            Decoded::Config(r) => r,
            other => panic!("{other:?}"),
        };
        assert!(matches!(rows[0].status, ImportStatus::Importable { .. }));
        assert!(
            matches!(&rows[1].status, ImportStatus::InHelper { helper } if helper == "desktop")
        );
    }
}
