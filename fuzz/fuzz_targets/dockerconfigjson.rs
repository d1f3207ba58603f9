//! Parsing never panics; what we generate from a parsed document parses back
//! to the same registries and credentials.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::parse_dockerconfigjson;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(parsed) = parse_dockerconfigjson(text) {
        let again = parse_dockerconfigjson(&parsed.config.to_json()).expect("our own output parses");
        assert_eq!(again.config, parsed.config);
        assert!(again.warnings.is_empty());
        assert!(parsed.config.entries().iter().all(|e| !e.credentials.username.is_empty()));
    }
});
