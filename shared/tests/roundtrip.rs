//! Property tests: every encode/parse pair in `shared` round-trips.

use proptest::prelude::*;
use shared::{
    auth, parse_dockerconfigjson, Credentials, DockerConfig, Registry, RegistryEntry, SecretName,
};

fn username() -> impl Strategy<Value = String> {
    // Anything but ':' (a username cannot hold one) and not empty.
    "[^:]{1,40}"
}

fn password() -> impl Strategy<Value = String> {
    // Any unicode, including ':', quotes and backslashes.
    prop_oneof![any::<String>(), r#"[:"\\'a-z0-9 ]{0,30}"#]
}

fn name() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,60}[a-z0-9])?"
}

fn registry() -> impl Strategy<Value = Registry> {
    prop_oneof![
        Just(Registry::DockerHub),
        (
            "[a-z][a-z0-9-]{0,20}(\\.[a-z]{2,6}){1,2}",
            proptest::option::of(1u16..)
        )
            .prop_map(|(host, port)| {
                let text = match port {
                    Some(p) => format!("{host}:{p}"),
                    None => host,
                };
                Registry::parse(&text).expect("generated host is valid")
            }),
    ]
}

proptest! {
    #[test]
    fn token_round_trips(u in username(), p in password()) {
        let token = auth::encode(&u, &p);
        prop_assert_eq!(auth::decode(&token), Ok(Credentials { username: u.clone(), password: p.clone() }));
        // Unpadded and line-wrapped copies decode the same.
        let unpadded = token.trim_end_matches('=');
        prop_assert_eq!(auth::decode(unpadded).map(|c| c.password), Ok(p.clone()));
        let wrapped: String = token.chars().enumerate()
            .flat_map(|(i, c)| if i % 7 == 6 { vec![c, '\r', '\n'] } else { vec![c] })
            .collect();
        prop_assert_eq!(auth::decode(&wrapped).map(|c| c.username), Ok(u));
    }

    #[test]
    fn decode_never_panics(s in any::<String>()) {
        let _ = auth::decode(&s);
        let _ = parse_dockerconfigjson(&s);
        let _ = shared::classify(&s);
        let _ = Registry::parse(&s);
        let _ = shared::paste::decode_paste(&s);
    }

    #[test]
    fn the_paste_reader_never_panics_on_yaml_like_text(
        lines in proptest::collection::vec(
            ("[ \t-]{0,6}", prop_oneof![
                Just("data:".to_owned()),
                Just(".dockerconfigjson: ".to_owned()),
                Just("- ".to_owned()),
                Just("---".to_owned()),
                r#"[a-z\\"' :|>#{}\[\]é-]{0,12}"#,
            ], r#"[A-Za-z0-9+/="'|>\\ -]{0,12}"#),
            0..12,
        )
    ) {
        let text: String = lines.iter().map(|(i, k, v)| format!("{i}{k}{v}\n")).collect();
        let _ = shared::paste::decode_paste(&text);
        let _ = shared::manifest::secrets_from_yaml(&text);
    }

    #[test]
    fn a_secret_manifest_we_write_decodes_to_its_entries(
        entries in proptest::collection::vec((registry(), username(), password()), 1..4),
        namespace in proptest::option::of("[a-z]{1,8}"),
    ) {
        let mut seen = std::collections::BTreeSet::new();
        let entries: Vec<RegistryEntry> = entries.into_iter()
            .filter(|(r, ..)| seen.insert(r.server_key()))
            .map(|(r, u, p)| RegistryEntry::new(r, Credentials { username: u, password: p }, None))
            .collect();
        let config = DockerConfig::new(entries).expect("at least one entry");
        let name = SecretName::parse("pull-secret").expect("valid");
        let yaml = shared::forms::k8s_secret_manifest(&name, &config, namespace.as_deref());
        let shared::paste::Pasted::Configs(found) = shared::paste::decode_paste(&yaml).expect("decodes") else {
            panic!("not a config: {yaml}");
        };
        prop_assert_eq!(found.len(), 1);
        prop_assert_eq!(found[0].secret.as_deref(), Some("pull-secret"));
        let rows = found[0].rows.as_ref().expect("rows");
        prop_assert_eq!(rows.len(), config.entries().len());
        for (row, entry) in rows.iter().zip(config.entries()) {
            prop_assert_eq!(row.dockerconfig().map(|c| c.entries()[0].credentials.clone()), Some(entry.credentials.clone()));
        }
    }

    #[test]
    fn valid_names_parse_and_reparse(n in name()) {
        let parsed = SecretName::parse(&n).expect("generated names are valid");
        prop_assert_eq!(parsed.as_str(), n.as_str());
        prop_assert_eq!(SecretName::parse(parsed.as_str()), Ok(parsed));
    }

    #[test]
    fn suggested_names_always_parse(s in any::<String>()) {
        let suggested = SecretName::suggest(&s);
        prop_assert_eq!(SecretName::parse(suggested.as_str()), Ok(suggested));
    }

    #[test]
    fn dockerconfigjson_round_trips(
        entries in proptest::collection::vec((registry(), username(), password(), proptest::option::of("[a-z]{1,8}@[a-z]{1,8}\\.io")), 1..4)
    ) {
        let mut seen = std::collections::BTreeSet::new();
        let entries: Vec<RegistryEntry> = entries.into_iter()
            .filter(|(r, ..)| seen.insert(r.server_key()))
            .map(|(r, u, p, e)| RegistryEntry::new(r, Credentials { username: u, password: p }, e))
            .collect();
        let config = DockerConfig::new(entries).expect("at least one entry");
        let parsed = parse_dockerconfigjson(&config.to_json()).expect("our own output parses");
        prop_assert!(parsed.warnings.is_empty());
        // JSON objects come back in key order.
        let mut want: Vec<_> = config.entries().iter().collect();
        want.sort_by(|a, b| a.server.cmp(&b.server));
        prop_assert_eq!(parsed.config.entries().len(), want.len());
        for (a, b) in parsed.config.entries().iter().zip(want) {
            prop_assert_eq!(&a.server, &b.server);
            prop_assert_eq!(&a.credentials, &b.credentials);
            prop_assert_eq!(&a.email, &b.email);
        }
    }
}
