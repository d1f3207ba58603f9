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
    );
    assert_eq!(m["v"], 3);
    assert_eq!(m["e"], "2027-01-01T00:00:00Z");
    assert!(m.to_string().len() <= MAX_METADATA_BYTES);
    let kept = m["r"].as_array().unwrap().len() as u64;
    assert!(kept > 0 && kept < 100);
    assert_eq!(kept + m["x"].as_u64().unwrap(), 100);
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
