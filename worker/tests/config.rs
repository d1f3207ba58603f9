//! Unit tests of `config` (the Access settings) through its public API.

mod support;

use regcred_worker::config::Config;

const ROLES: (&str, &str) = ("REGCRED_ACCESS_ROLES", "*@example.com:viewer");
/// Plain http to loopback is allowed only where a test says so.
const NO_LOOPBACK: (&str, &str) = ("REGCRED_ALLOW_HTTP_LOOPBACK", "false");

fn with(vars: &[(&str, &str)]) -> Result<Config, String> {
    let mut all = vec![NO_LOOPBACK];
    all.extend_from_slice(vars);
    // Later entries win: support::config takes the first match.
    all.reverse();
    support::config(&all)
}

#[test]
fn access_is_off_unless_both_are_set() {
    assert!(with(&[]).unwrap().access.is_none());
    assert!(with(&[ROLES]).unwrap().access.is_none());
    let e = with(&[
        ("REGCRED_ACCESS_TEAM_DOMAIN", "team.cloudflareaccess.com"),
        ROLES,
    ])
    .err()
    .unwrap();
    assert!(e.contains("REGCRED_ACCESS_AUD is not"), "{e}");
    let e = with(&[("REGCRED_ACCESS_AUD", "tag"), ROLES]).err().unwrap();
    assert!(e.contains("REGCRED_ACCESS_TEAM_DOMAIN is not"), "{e}");
}

#[test]
fn access_settings_are_normalised_and_checked() {
    let c = with(&[
        ("REGCRED_ACCESS_TEAM_DOMAIN", "Team.cloudflareaccess.com/"),
        ("REGCRED_ACCESS_AUD", " tag "),
        ROLES,
    ])
    .unwrap();
    let a = c.access.unwrap();
    assert_eq!(a.team_domain, "https://team.cloudflareaccess.com");
    assert_eq!(a.aud, "tag");
    assert!(a.roles.grant("x@example.com").is_some());
    let base = [
        ("REGCRED_ACCESS_TEAM_DOMAIN", "http://127.0.0.1:9000"),
        ("REGCRED_ACCESS_AUD", "tag"),
        ROLES,
    ];
    assert!(with(&base).err().unwrap().contains("https"));
    let mut loopback = base.to_vec();
    loopback.push(("REGCRED_ALLOW_HTTP_LOOPBACK", "true"));
    assert_eq!(
        with(&loopback).unwrap().access.unwrap().team_domain,
        "http://127.0.0.1:9000"
    );
    let no_roles: Vec<_> = loopback
        .iter()
        .filter(|(k, _)| *k != "REGCRED_ACCESS_ROLES")
        .copied()
        .collect();
    let e = with(&no_roles).err().unwrap();
    assert!(e.contains("REGCRED_ACCESS_ROLES is not set"), "{e}");
    let mut bad = base.to_vec();
    bad[2] = ("REGCRED_ACCESS_ROLES", "a@example.com:root");
    bad.push(("REGCRED_ALLOW_HTTP_LOOPBACK", "true"));
    assert!(with(&bad).err().unwrap().contains("entry 1"));
}
