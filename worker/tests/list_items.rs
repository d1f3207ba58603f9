//! A list item written from the raw metadata (`list_item`) is the item
//! `SecretMeta::status` gives for the same metadata, and the list's filters
//! read it the same way. One case per file in `tests/vectors/list-item/`:
//! `{"why", "name", "now", "metadata"}`.

use std::path::Path;

use regcred_worker::list_item::Items;
use regcred_worker::record::SecretMeta;
use regcred_worker::store::ListedKey;
use serde_json::value::RawValue;
use serde_json::Value;
use shared::api::SecretList;
use shared::time::Timestamp;

struct Case {
    file: String,
    name: String,
    now: Timestamp,
    key: ListedKey,
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/list-item");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the vectors in {}", dir.display());
    files
        .into_iter()
        .map(|path| {
            let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let name = v["name"].as_str().unwrap().to_owned();
            let metadata = match &v["metadata"] {
                Value::Null => None,
                m => Some(RawValue::from_string(m.to_string()).unwrap()),
            };
            Case {
                file: path.file_name().unwrap().to_string_lossy().into_owned(),
                now: Timestamp::parse(v["now"].as_str().unwrap()).unwrap(),
                key: ListedKey {
                    name: format!("secret:{name}"),
                    metadata,
                },
                name,
            }
        })
        .collect()
}

#[test]
fn items_equal_the_status_of_the_metadata() {
    let mut states = std::collections::BTreeSet::new();
    for c in cases() {
        let slow = c
            .key
            .read_metadata::<SecretMeta>()
            .unwrap_or_default()
            .status(&c.name, Some(c.now));
        let items = Items::new(c.now).unwrap();
        let fast = items
            .entry(&c.name, c.key.metadata.as_deref())
            .write(&items);
        let fast: Value = serde_json::from_slice(&fast).unwrap();
        assert_eq!(fast, serde_json::to_value(&slow).unwrap(), "{}", c.file);
        states.extend(slow.expiry.map(|e| format!("{e:?}")));
    }
    assert_eq!(
        states.len(),
        3,
        "every expiry state has a vector: {states:?}"
    );
}

#[test]
fn filters_read_what_the_status_shows() {
    let mut failing = 0;
    for c in cases() {
        let slow = c
            .key
            .read_metadata::<SecretMeta>()
            .unwrap_or_default()
            .status(&c.name, Some(c.now));
        let items = Items::new(c.now).unwrap();
        let entry = items.entry(&c.name, c.key.metadata.as_deref());
        let shown_failing = slow.health.as_ref().is_some_and(|h| h.status.failing());
        assert_eq!(entry.failing(), shown_failing, "{}", c.file);
        failing += usize::from(shown_failing);
        let expires = slow
            .expires_at
            .as_deref()
            .and_then(|e| Timestamp::parse(e).ok());
        assert_eq!(entry.expires(), expires, "{}", c.file);
    }
    assert!(failing > 0, "no vector is failing");
}

#[test]
fn a_page_of_written_items_reads_as_a_secret_list() {
    let cases = cases();
    let now = cases[0].now;
    let items = Items::new(now).unwrap();
    let written: Vec<_> = cases
        .iter()
        .map(|c| {
            items
                .entry(&c.name, c.key.metadata.as_deref())
                .write(&items)
        })
        .collect();
    let page = regcred_worker::list_item::page(99, written);
    let list: SecretList = serde_json::from_slice(&page.body).unwrap();
    assert_eq!(list.count, 99);
    let names: Vec<_> = list.resources.iter().map(|s| s.name.as_str()).collect();
    let want: Vec<_> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, want);
}

#[test]
fn a_name_that_needs_escapes_is_escaped() {
    let items = Items::new(Timestamp::parse("2026-12-06T12:00:00Z").unwrap()).unwrap();
    let written = items.entry("a\"b\\c\u{1}", None).write(&items);
    let v: Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(v["name"], "a\"b\\c\u{1}");
}
