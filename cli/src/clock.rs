//! The one wall clock the CLI reads (shared takes time as a value).

use shared::time::Timestamp;

pub fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Timestamp::from_unix_seconds(secs)
}
