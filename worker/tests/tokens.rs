//! Unit tests of `tokens` through its public API.

use regcred_worker::tokens::*;
use shared::Role;
/// What the front door does with an `Authorization` header.
fn auth(t: &TokenTable, header: Option<&str>) -> Option<Principal> {
    t.authenticate(bearer(header?)?)
}

const SPEC: &str = "alice:editor:aaaaaaaaaaaaaaaaaaaa, ci:puller:pppppppppppppppppppp";

#[test]
fn finds_the_role_for_a_token() {
    let t = TokenTable::parse(SPEC).unwrap();
    let p = auth(&t, Some("Bearer aaaaaaaaaaaaaaaaaaaa")).unwrap();
    assert_eq!((p.label.as_str(), p.role), ("alice", Role::Editor));
    assert_eq!(
        auth(&t, Some("Bearer pppppppppppppppppppp")).unwrap().role,
        Role::Puller
    );
}

#[test]
fn missing_and_unknown_are_alike() {
    let t = TokenTable::parse(SPEC).unwrap();
    for h in [
        None,
        Some(""),
        Some("Bearer "),
        Some("Bearer nope"),
        Some("Basic aaaaaaaaaaaaaaaaaaaa"),
        Some("aaaaaaaaaaaaaaaaaaaa"),
    ] {
        assert_eq!(auth(&t, h), None, "{h:?}");
    }
}

#[test]
fn bad_specs_are_refused() {
    for bad in [
        "",
        "a:editor",
        "a:root:xxxxxxxxxxxxxxxxxxxx",
        "a:viewer:short",
    ] {
        assert!(TokenTable::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn one_token_twice_is_a_configuration_error_naming_both_labels() {
    let err = TokenTable::parse("a:viewer:tttttttttttttttttttt,b:editor:tttttttttttttttttttt")
        .err()
        .unwrap();
    assert!(err.contains("\"a\"") && err.contains("\"b\""), "{err}");
    assert!(
        !err.contains("tttt"),
        "the token must not be in the message: {err}"
    );
}

#[test]
fn a_token_that_shares_a_prefix_or_differs_in_length_is_unknown() {
    let t = TokenTable::parse(SPEC).unwrap();
    for h in [
        "Bearer aaaaaaaaaaaaaaaaaaa",
        "Bearer aaaaaaaaaaaaaaaaaaaaa",
        "Bearer aaaaaaaaaaaaaaaaaaab",
    ] {
        assert_eq!(auth(&t, Some(h)), None, "{h}");
    }
}
