//! The offline decoder: whatever was pasted in (an `auth` token, a
//! `config.json`, a `.dockerconfigjson` value, a whole Secret manifest),
//! names and passwords out. `shared::paste` tells them apart, as it does for
//! `regcred decode`; the page never sends anything.

use shared::paste::{decode_paste, Found, Pasted};
use shared::Credentials;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    Empty,
    Token(Credentials),
    Configs(Vec<Found>),
    Error(String),
}

pub fn decode_input(text: &str) -> Decoded {
    match decode_paste(text) {
        Ok(Pasted::Empty) => Decoded::Empty,
        Ok(Pasted::Token(c)) => Decoded::Token(c),
        Ok(Pasted::Configs(found)) => Decoded::Configs(found),
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
        let found = match decode_input(
            r#"{"auths":{"a.io":{"auth":"dTpw"},"b.io":{}},"credsStore":"desktop"}"#,
        ) {
            Decoded::Configs(f) => f,
            other => panic!("{other:?}"),
        };
        let rows = found[0].rows.as_ref().unwrap();
        assert!(matches!(rows[0].status, ImportStatus::Importable { .. }));
        assert!(
            matches!(&rows[1].status, ImportStatus::InHelper { helper } if helper == "desktop")
        );
    }

    #[test]
    fn base64_of_a_dockerconfigjson_is_not_a_token() {
        // base64 of {"auths":{"ghcr.io":{"auth":"Ym9iOnB3"}}}
        match decode_input("eyJhdXRocyI6eyJnaGNyLmlvIjp7ImF1dGgiOiJZbTlpT25CMyJ9fX0=") {
            Decoded::Configs(f) => assert_eq!(f[0].rows.as_ref().unwrap()[0].server, "ghcr.io"),
            other => panic!("{other:?}"),
        }
    }
}
