//! Unit tests of the stored record (`record`) through its public API.

use regcred_worker::record::*;
use regcred_worker::store::Stored;
#[test]
fn metadata_fits_kv_limit() {
    let many: Vec<String> = (0..100)
        .map(|i| format!("registry-{i}.example.com:5000"))
        .collect();
    let m = metadata(
        &many,
        "2026-01-01T00:00:00.000Z",
        "2026-01-01T00:00:00.000Z",
        Some("2027-01-01T00:00:00Z"),
        3,
        "k1",
        "ci-bot",
    );
    assert_eq!(m["b"], "ci-bot");
    assert_eq!(m["v"], 3);
    assert_eq!(m["k"], "k1");
    assert_eq!(m["e"], "2027-01-01T00:00:00Z");
    assert!(m.to_string().len() <= MAX_METADATA_BYTES);
    let kept = m["r"].as_array().unwrap().len() as u64;
    assert!(kept > 0 && kept < 100);
    assert_eq!(kept + m["x"].as_u64().unwrap(), 100);
}

/// The metadata as it was built before: serialized again after each dropped
/// registry (quadratic in their number), kept here as the reference.
fn metadata_by_retrying(
    registries: &[String],
    created: &str,
    expires: Option<&str>,
) -> serde_json::Value {
    let mut kept = registries.len();
    loop {
        let m = SecretMeta {
            registries: registries[..kept].to_vec(),
            created_at: created.to_owned(),
            modified_at: created.to_owned(),
            omitted: (registries.len() - kept) as u64,
            expires_at: expires.map(str::to_owned),
            version: 1,
            key_id: Some("k1".into()),
            created_by: Some("deploy-bot".into()),
            deleted_at: None,
            source: None,
            watch: None,
        };
        let value = serde_json::to_value(&m).unwrap();
        if value.to_string().len() <= MAX_METADATA_BYTES || kept == 0 {
            return value;
        }
        kept -= 1;
    }
}

#[test]
fn metadata_keeps_as_many_registries_as_retrying_would() {
    let now = "2026-01-01T00:00:00.000Z";
    // Lengths around where `x` gains a digit, names that need escapes,
    // one registry alone too long to keep.
    let shapes: [fn(usize) -> String; 5] = [
        |i| format!("r{i}.io"),
        |i| format!("registry-{i}.example.com:5000"),
        |i| format!("h\"{i}\\q\u{1}.example.org/path"),
        |i| format!("ünïcode-{i}.example"),
        |i| "x".repeat(i * 37 % 1100),
    ];
    for shape in shapes {
        for n in [0, 1, 2, 9, 10, 11, 30, 60, 99, 100, 101, 150] {
            let many: Vec<String> = (0..n).map(shape).collect();
            for expires in [None, Some("2027-01-01T00:00:00Z")] {
                let fast = metadata(&many, now, now, expires, 1, "k1", "deploy-bot");
                assert_eq!(
                    fast,
                    metadata_by_retrying(&many, now, expires),
                    "{n} {:?}",
                    many.first()
                );
                let kept = fast["r"].as_array().unwrap().len();
                assert!(kept == 0 || fast.to_string().len() <= MAX_METADATA_BYTES);
            }
        }
    }
}

/// Metadata as the code before the readable field names wrote it still reads.
#[test]
fn metadata_written_by_earlier_code_still_reads() {
    let stored = Stored {
        value: String::new(),
        metadata: Some(serde_json::json!({
            "r": ["ghcr.io", "https://index.docker.io/v1/"],
            "c": "2026-11-20T10:00:00.000Z",
            "m": "2026-11-21T10:00:00.000Z",
            "x": 2,
            "e": "2027-01-01T00:00:00Z",
            "v": 7
        })),
    };
    let m = SecretMeta::of(&stored);
    assert_eq!(m.registries, ["ghcr.io", "https://index.docker.io/v1/"]);
    assert_eq!(
        (m.created_at.as_str(), m.modified_at.as_str()),
        ("2026-11-20T10:00:00.000Z", "2026-11-21T10:00:00.000Z")
    );
    assert_eq!((m.omitted, m.version), (2, 7));
    assert_eq!(m.expires_at.as_deref(), Some("2027-01-01T00:00:00Z"));
    // Before versions existed: version 1.
    let older = Stored {
        value: String::new(),
        metadata: Some(serde_json::json!({"r": [], "c": "", "m": ""})),
    };
    assert_eq!(SecretMeta::of(&older).version, 1);
}
