//! The backup file: JSON Lines, a header line, then one stored record per
//! line, exactly as the store keeps it (sealed values, never plaintext). A
//! backup restores only with the keyring that sealed it. Also the record
//! keys a backup may hold, and how a restore is cut into request-sized
//! chunks.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::api::BackupItem;
use crate::name::SecretName;

pub const FORMAT: &str = "regcred-backup/1";

/// The first line of a backup file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupHeader {
    /// Always [`FORMAT`].
    pub format: String,
    /// When the export started (RFC 3339).
    pub created_at: String,
    /// The API it came from.
    pub source: String,
    /// How many records follow.
    pub items: u64,
}

/// A record key in a backup: the only keys a restore writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordKey {
    /// `secret:<name>`, the current version.
    Secret(SecretName),
    /// `deleted:<name>`, a deleted secret kept for undelete.
    Deleted(SecretName),
    /// `version:<name>/<version>`, an earlier version (zero-padded to 10
    /// digits, so key order is version order).
    Version(SecretName, u64),
}

pub const SECRET_PREFIX: &str = "secret:";
pub const DELETED_PREFIX: &str = "deleted:";
pub const VERSION_PREFIX: &str = "version:";
/// Not a record: the id of the restore under way, which alone may write
/// into a store that is no longer empty.
pub const RESTORING_KEY: &str = "restoring:";

impl RecordKey {
    pub fn parse(key: &str) -> Result<RecordKey, String> {
        let name = |n: &str| {
            SecretName::parse(n)
                .map_err(|e| format!("the record key {key:?} names no valid secret: {e}"))
        };
        if let Some(n) = key.strip_prefix(SECRET_PREFIX) {
            return Ok(RecordKey::Secret(name(n)?));
        }
        if let Some(n) = key.strip_prefix(DELETED_PREFIX) {
            return Ok(RecordKey::Deleted(name(n)?));
        }
        if let Some(rest) = key.strip_prefix(VERSION_PREFIX) {
            let (n, v) = rest
                .split_once('/')
                .ok_or_else(|| format!("the record key {key:?} has no /<version>"))?;
            let version = v
                .parse::<u64>()
                .ok()
                .filter(|v| *v > 0 && v.to_string().len() <= 10)
                .ok_or_else(|| format!("the record key {key:?} has no valid version"))?;
            return Ok(RecordKey::Version(name(n)?, version));
        }
        Err(format!(
            "the record key {key:?} is not secret:<name>, deleted:<name> or version:<name>/<version>"
        ))
    }

    pub fn name(&self) -> &SecretName {
        match self {
            RecordKey::Secret(n) | RecordKey::Deleted(n) | RecordKey::Version(n, _) => n,
        }
    }

    /// The prefix a name's kept versions share.
    pub fn versions_of(name: &SecretName) -> String {
        format!("{VERSION_PREFIX}{name}/")
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordKey::Secret(n) => write!(f, "{SECRET_PREFIX}{n}"),
            RecordKey::Deleted(n) => write!(f, "{DELETED_PREFIX}{n}"),
            RecordKey::Version(n, v) => write!(f, "{VERSION_PREFIX}{n}/{v:010}"),
        }
    }
}

/// The secret name part of a record key, as written (the whole key when
/// it has no prefix; the server checks keys).
fn record_name(key: &str) -> &str {
    let rest = [SECRET_PREFIX, DELETED_PREFIX, VERSION_PREFIX]
        .iter()
        .find_map(|p| key.strip_prefix(p))
        .unwrap_or(key);
    rest.split('/').next().unwrap_or(rest)
}

/// A backup file that cannot be read, with the line it failed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for BackupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for BackupError {}

/// The header and records of a backup file; every record key is checked.
pub fn parse(text: &str) -> Result<(BackupHeader, Vec<BackupItem>), BackupError> {
    let err = |line: usize, message: String| BackupError { line, message };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, first) = lines.next().ok_or_else(|| {
        err(
            1,
            "the file is empty; a backup starts with its header line".into(),
        )
    })?;
    let header: BackupHeader = serde_json::from_slice(first.as_bytes())
        .map_err(|e| err(1, format!("this is not a regcred backup header ({e})")))?;
    if header.format != FORMAT {
        return Err(err(
            1,
            format!(
                "the format is {:?}; this regcred reads {FORMAT}",
                header.format
            ),
        ));
    }
    let mut items = Vec::new();
    for (i, line) in lines {
        let item: BackupItem = serde_json::from_slice(line.as_bytes())
            .map_err(|e| err(i + 1, format!("this is not a backup record ({e})")))?;
        RecordKey::parse(&item.key).map_err(|m| err(i + 1, m))?;
        items.push(item);
    }
    if items.len() as u64 != header.items {
        return Err(err(
            text.lines().count(),
            format!(
                "the header promises {} records but the file holds {}: it was cut short",
                header.items,
                items.len()
            ),
        ));
    }
    Ok((header, items))
}

/// The file text of a backup.
pub fn render(header: &BackupHeader, items: &[BackupItem]) -> String {
    let mut out = serde_json::to_string(header).unwrap_or_default();
    out.push('\n');
    for item in items {
        out.push_str(&serde_json::to_string(item).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// The most secrets a restore chunk may hold records of: the server writes
/// each secret's records through its own object, one call each, and a
/// request may make only so many.
pub const MAX_CHUNK_SECRETS: usize = 100;

/// Cuts records into chunks whose JSON stays under `max_bytes` (a record
/// larger than that gets a chunk of its own; the server judges it) and
/// that hold records of at most [`MAX_CHUNK_SECRETS`] secrets.
pub fn chunks(items: &[BackupItem], max_bytes: usize) -> Vec<&[BackupItem]> {
    let mut out = Vec::new();
    let (mut start, mut size) = (0, 0);
    let mut names: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let n = item.key.len() + item.value.len() + item.metadata.to_string().len() + 64;
        let name = record_name(&item.key);
        let more_names = !names.contains(name) && names.len() == MAX_CHUNK_SECRETS;
        if i > start && (size + n > max_bytes || more_names) {
            out.push(&items[start..i]);
            (start, size) = (i, 0);
            names.clear();
        }
        size += n;
        names.insert(name);
    }
    if start < items.len() {
        out.push(&items[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &str, value: &str) -> BackupItem {
        BackupItem {
            key: key.into(),
            value: value.into(),
            metadata: serde_json::json!({"v": 1}),
        }
    }

    #[test]
    fn record_keys_round_trip_and_refuse_the_rest() {
        for k in ["secret:a", "deleted:b-1", "version:c/0000000003"] {
            assert_eq!(RecordKey::parse(k).unwrap().to_string(), k);
        }
        assert_eq!(
            RecordKey::parse("version:c/3").unwrap(),
            RecordKey::Version(SecretName::parse("c").unwrap(), 3)
        );
        for k in [
            "token:abc",
            "secret:Bad",
            "version:c",
            "version:c/0",
            "repair:secret:a",
            "secret:",
        ] {
            assert!(RecordKey::parse(k).is_err(), "{k}");
        }
    }

    #[test]
    fn files_round_trip_and_name_the_bad_line() {
        let header = BackupHeader {
            format: FORMAT.into(),
            created_at: "2026-12-02T00:00:00Z".into(),
            source: "http://127.0.0.1:8787".into(),
            items: 2,
        };
        let items = vec![
            item("secret:a", "v2.k.x"),
            item("version:a/0000000001", "v2.k.y"),
        ];
        let text = render(&header, &items);
        assert_eq!(parse(&text).unwrap(), (header.clone(), items.clone()));
        let cut = text.lines().take(2).collect::<Vec<_>>().join("\n");
        assert!(parse(&cut).unwrap_err().message.contains("cut short"));
        let bad = text.replace("secret:a", "token:a");
        assert_eq!(parse(&bad).unwrap_err().line, 2);
        assert!(parse("").is_err());
        assert!(
            parse("{\"format\":\"other/1\",\"createdAt\":\"\",\"source\":\"\",\"items\":0}")
                .unwrap_err()
                .message
                .contains("other/1")
        );
    }

    #[test]
    fn chunks_stay_under_the_size() {
        let items: Vec<_> = (0..10)
            .map(|i| item(&format!("secret:s{i}"), &"x".repeat(100)))
            .collect();
        let parts = chunks(&items, 400);
        assert!(parts.len() > 1);
        assert_eq!(parts.iter().map(|p| p.len()).sum::<usize>(), 10);
        assert_eq!(chunks(&items, 1).len(), 10);
        assert!(chunks(&[], 100).is_empty());
    }

    #[test]
    fn chunks_hold_at_most_so_many_secrets() {
        let mut items = Vec::new();
        for i in 0..(MAX_CHUNK_SECRETS + 5) {
            items.push(item(&format!("secret:s{i}"), "x"));
            items.push(item(&format!("version:s{i}/0000000001"), "x"));
        }
        let parts = chunks(&items, usize::MAX);
        assert_eq!(parts.len(), 2);
        // A secret's records stay together when they are next to each other.
        assert_eq!(parts[0].len(), 2 * MAX_CHUNK_SECRETS);
        assert_eq!(parts[1].len(), 10);
    }
}
