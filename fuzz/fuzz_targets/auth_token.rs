//! Token decoding never panics; decode(encode(x)) == x for any username
//! without ':' and any password.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::auth;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(c) = auth::decode(text) {
        assert!(!c.username.is_empty() && !c.username.contains(':'));
        assert_eq!(auth::decode(&auth::encode(&c.username, &c.password)), Ok(c));
    }
    let (user, password) = text.split_once('\0').unwrap_or((text, ""));
    if !user.is_empty() && !user.contains(':') {
        let back = auth::decode(&auth::encode(user, password)).expect("our own token decodes");
        assert_eq!((back.username.as_str(), back.password.as_str()), (user, password));
    }
});
