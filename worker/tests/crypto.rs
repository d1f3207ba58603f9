//! Unit tests of `crypto` through its public API.

use regcred_worker::crypto::*;
use shared::SecretName;
const KEY_A: &str = "k1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const KEY_B: &str = "k2:1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

/// Recorded once under KEY_A for the name "golden" with nonce 0..12.
/// Every future version must still open it.
const GOLDEN: &str = include_str!("golden-envelope.json");
const GOLDEN_PLAINTEXT: &str = r#"{"auths":{"registry.example.com":{"username":"golden","password":"p@ss:w0rd","auth":"Z29sZGVuOnBAc3M6dzByZA=="}}}"#;

fn name(s: &str) -> SecretName {
    SecretName::parse(s).unwrap()
}

#[test]
fn golden_vector_still_decrypts() {
    let ring = Keyring::parse(KEY_A).unwrap();
    let plain = ring.open(&name("golden"), 1, GOLDEN.trim()).unwrap();
    assert_eq!(String::from_utf8(plain).unwrap(), GOLDEN_PLAINTEXT);
}

#[test]
fn round_trip_and_rotation() {
    let old = Keyring::parse(KEY_A).unwrap();
    let sealed = old.seal(&name("s"), 1, b"hello", [7; 12]).unwrap();
    assert!(!sealed.contains("hello"));
    // New key first, old key still listed: old data opens, new data uses k2.
    let rotated = Keyring::parse(&format!("{KEY_B},{KEY_A}")).unwrap();
    assert_eq!(rotated.open(&name("s"), 1, &sealed).unwrap(), b"hello");
    assert!(rotated
        .seal(&name("s"), 1, b"x", [1; 12])
        .unwrap()
        .contains("\"kid\":\"k2\""));
}

#[test]
fn wrong_key_or_name_fails() {
    let ring = Keyring::parse(KEY_A).unwrap();
    let sealed = ring.seal(&name("one"), 4, b"secret", [3; 12]).unwrap();
    assert_eq!(
        ring.open(&name("two"), 4, &sealed),
        Err(OpenError::Rejected)
    );
    let other = Keyring::parse(&KEY_B.replace("k2", "k1")).unwrap();
    assert_eq!(
        other.open(&name("one"), 4, &sealed),
        Err(OpenError::Rejected)
    );
    let only_b = Keyring::parse(KEY_B).unwrap();
    assert_eq!(
        only_b.open(&name("one"), 4, &sealed),
        Err(OpenError::UnknownKey("k1".into()))
    );
    assert_eq!(
        ring.open(&name("one"), 4, "garbage"),
        Err(OpenError::NotAnEnvelope)
    );
}

#[test]
fn an_older_value_copied_over_the_current_one_does_not_open() {
    let ring = Keyring::parse(KEY_A).unwrap();
    let v3 = ring.seal(&name("s"), 3, b"old creds", [5; 12]).unwrap();
    assert_eq!(ring.open(&name("s"), 3, &v3).unwrap(), b"old creds");
    // The metadata says version 4: the version 3 ciphertext is refused.
    assert_eq!(ring.open(&name("s"), 4, &v3), Err(OpenError::Rejected));
    assert_eq!(envelope_key(&v3).as_deref(), Some("k1"));
    // The golden version-1 envelope opens at any version (it binds none).
    assert!(ring.open(&name("golden"), 9, GOLDEN.trim()).is_ok());
}

#[test]
fn bad_keyrings_are_refused() {
    for bad in ["", "k1", "k1:abcd", "k 1:00", &format!("{KEY_A}x")] {
        assert!(Keyring::parse(bad).is_err(), "{bad}");
    }
}
