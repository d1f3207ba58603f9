//! Unit tests of `tokens` through its public API.

use regcred_worker::tokens::*;
use shared::Role;
const SPEC: &str = "alice:editor:aaaaaaaaaaaaaaaaaaaa, ci:puller:pppppppppppppppppppp";

#[test]
fn finds_the_role_for_a_token() {
    let t = TokenTable::parse(SPEC).unwrap();
    let p = t.authenticate(Some("Bearer aaaaaaaaaaaaaaaaaaaa")).unwrap();
    assert_eq!((p.label.as_str(), p.role), ("alice", Role::Editor));
    assert_eq!(
        t.authenticate(Some("Bearer pppppppppppppppppppp"))
            .unwrap()
            .role,
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
        assert_eq!(t.authenticate(h), None, "{h:?}");
    }
}

#[test]
fn bad_specs_are_refused() {
    for bad in [
        "",
        "a:editor",
        "a:admin:xxxxxxxxxxxxxxxxxxxx",
        "a:viewer:short",
    ] {
        assert!(TokenTable::parse(bad).is_err(), "{bad}");
    }
}
