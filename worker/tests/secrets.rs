//! Unit tests of `secrets` through its public API.

use regcred_worker::secrets::*;
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
