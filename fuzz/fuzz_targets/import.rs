//! Import classification never panics, never yields a secret without
//! credentials, and suggests only valid, distinct names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::{classify, ImportStatus, SecretName};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(rows) = classify(text) else { return };
    let mut names = std::collections::BTreeSet::new();
    for row in &rows {
        match &row.status {
            ImportStatus::Importable { entry, suggested_name, .. } => {
                assert!(!entry.credentials.username.is_empty());
                assert_eq!(SecretName::parse(suggested_name.as_str()).as_ref(), Ok(suggested_name));
                assert!(names.insert(suggested_name.to_string()), "duplicate suggestion");
                assert!(row.dockerconfig().is_some());
            }
            _ => assert!(row.dockerconfig().is_none()),
        }
    }
});
