//! A parsed name re-validates and is the input unchanged; a suggested name
//! always parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::SecretName;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(name) = SecretName::parse(text) {
        assert_eq!(name.as_str(), text);
        assert_eq!(SecretName::parse(name.as_str()), Ok(name));
    }
    let s = SecretName::suggest(text);
    assert_eq!(SecretName::parse(s.as_str()), Ok(s));
});
