//! The decoder's reader of pasted text (tokens, configs, Secret manifests in
//! a hand-written YAML reader) never panics, and every registry row it
//! yields as importable carries a username and builds a config that parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::paste::{decode_paste, Pasted};
use shared::{parse_stored_dockerconfigjson, ImportStatus};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = shared::manifest::secrets_from_yaml(text);
    let Ok(Pasted::Configs(found)) = decode_paste(text) else { return };
    for f in &found {
        for row in f.rows.iter().flatten() {
            if let ImportStatus::Importable { entry, .. } = &row.status {
                assert!(!entry.credentials.username.is_empty());
                let config = row.dockerconfig().expect("importable rows build a config");
                // Read as stored: the decoder keeps an email kubectl never checked.
                parse_stored_dockerconfigjson(&config.to_json()).expect("and it parses");
            }
        }
    }
});
