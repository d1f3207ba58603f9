//! `regcred backup` and `regcred restore`: the whole store as a file of
//! sealed records (`shared::backup`), and back into an empty deployment
//! with the same REGCRED_KEYS. The file holds no plaintext, but it is the
//! store: it is written 0600.

use std::io::{IsTerminal, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

use shared::api::{BackupItem, BackupPage, RestoreChunk, RestoreResult, MAX_RESTORE_BODY_BYTES};
use shared::backup::{self, BackupHeader, RecordKey};

use crate::client::{encode, Api};
use crate::clock::now;
use crate::error::{CliError, Result};

const PAGE: u32 = 500;
/// Chunks stay well under the route's 1 MiB.
const CHUNK_BYTES: usize = MAX_RESTORE_BODY_BYTES * 3 / 4;

/// "3 secrets, 1 deleted, 4 kept versions".
fn summary(items: &[BackupItem]) -> String {
    let (mut live, mut deleted, mut versions) = (0, 0, 0);
    for i in items {
        match RecordKey::parse(&i.key) {
            Ok(RecordKey::Secret(_)) => live += 1,
            Ok(RecordKey::Deleted(_)) => deleted += 1,
            Ok(RecordKey::Version(..)) => versions += 1,
            Err(_) => {}
        }
    }
    format!("{live} secrets, {deleted} deleted, {versions} kept versions")
}

pub fn backup(api: &Api, file: &str) -> Result<()> {
    if file == "-" && std::io::stdout().is_terminal() {
        return Err(CliError::usage(
            "a backup is not for a terminal: write it with -o FILE, or pipe -o - somewhere",
        ));
    }
    let created_at = now().to_string();
    let mut items = Vec::new();
    let mut after = String::new();
    loop {
        let page: BackupPage = api.get(&format!(
            "/v2/admin/backup?limit={PAGE}&after={}",
            encode(&after)
        ))?;
        items.extend(page.items);
        match page.next {
            Some(n) => after = n,
            None => break,
        }
    }
    let header = BackupHeader {
        format: backup::FORMAT.into(),
        created_at,
        source: api.url().to_owned(),
        items: items.len() as u64,
    };
    let text = backup::render(&header, &items);
    if file == "-" {
        std::io::stdout().write_all(text.as_bytes())?;
    } else {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(file)
            .map_err(|e| CliError::new(format!("{file}: {e}")))?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(text.as_bytes())?;
    }
    eprintln!(
        "backed up {} records from {} ({}) to {file}",
        items.len(),
        api.url(),
        summary(&items)
    );
    Ok(())
}

/// An id for this restore's chunks; unique enough (not a secret).
fn restore_id() -> String {
    format!("cli-{:x}-{:x}", now().unix_seconds(), std::process::id())
}

pub fn restore(api: &Api, file: &str) -> Result<()> {
    let text = if file == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(file).map_err(|e| CliError::new(format!("{file}: {e}")))?
    };
    let (header, items) = backup::parse(&text).map_err(|e| {
        CliError::new(format!(
            "{file}: {e}; is this a file `regcred backup` wrote?"
        ))
    })?;
    let id = restore_id();
    let parts = backup::chunks(&items, CHUNK_BYTES);
    let last = parts.len().saturating_sub(1);
    let mut restored = 0;
    // An empty backup is one empty chunk: the restore still checks the store.
    let parts: Vec<&[BackupItem]> = if parts.is_empty() { vec![&[]] } else { parts };
    for (i, part) in parts.iter().enumerate() {
        let chunk = RestoreChunk {
            restore_id: id.clone(),
            items: part.to_vec(),
            done: i == last,
        };
        let answer: RestoreResult = api.post("/v2/admin/restore", &chunk).map_err(|e| {
            CliError::new(format!(
                "restoring chunk {} of {} into {}: {}{}",
                i + 1,
                parts.len(),
                api.url(),
                e.message,
                if i > 0 {
                    format!(" (the records before it are written; the restore {id} is under way)")
                } else {
                    String::new()
                }
            ))
        })?;
        restored += answer.restored;
    }
    eprintln!(
        "restored {restored} records ({}) from {file} (backup of {} taken {}) into {}",
        summary(&items),
        header.source,
        header.created_at,
        api.url()
    );
    Ok(())
}
