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
use shared::api::{SecretList, SecretStatus};
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
            // The metadata is kept as written: its escapes are part of a case.
            #[derive(serde::Deserialize)]
            struct File {
                name: String,
                now: String,
                metadata: Option<Box<RawValue>>,
            }
            let f: File = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            Case {
                file: path.file_name().unwrap().to_string_lossy().into_owned(),
                now: Timestamp::parse(&f.now).unwrap(),
                key: ListedKey {
                    name: format!("secret:{}", f.name),
                    metadata: f.metadata,
                },
                name: f.name,
            }
        })
        .collect()
}

/// What the typed path shows: `SecretMeta::status` of the key's metadata.
fn status_of(key: &ListedKey, name: &str, now: Timestamp) -> SecretStatus {
    key.read_metadata::<SecretMeta>()
        .unwrap_or_default()
        .status(name, Some(now))
}

/// What the raw path writes for the key, as a JSON value.
fn item_of(items: &Items, name: &str, key: &ListedKey) -> Value {
    serde_json::from_slice(&items.entry(name, key.metadata.as_deref()).write(items)).unwrap()
}

#[test]
fn items_equal_the_status_of_the_metadata() {
    let mut states = std::collections::BTreeSet::new();
    for c in cases() {
        let slow = status_of(&c.key, &c.name, c.now);
        let fast = item_of(&Items::new(c.now).unwrap(), &c.name, &c.key);
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
        let slow = status_of(&c.key, &c.name, c.now);
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
    let paging = shared::api::Paging::from_query([("$count", "true")]).unwrap();
    let page = regcred_worker::paging::list_page(&paging, written, 99);
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

/// A small deterministic generator: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[(self.next() % from.len() as u64) as usize]
    }
    fn coin(&mut self) -> bool {
        self.next().is_multiple_of(2)
    }
    fn maybe(&mut self, text: &str) -> Option<String> {
        self.coin().then(|| self.text(text))
    }
    fn time<'a>(&mut self, times: &[&'a str]) -> &'a str {
        times[(self.next() % times.len() as u64) as usize]
    }
    /// `base` with one of the characters JSON must escape, or non-ASCII.
    fn text(&mut self, base: &str) -> String {
        let odd = ["", "\"", "\\", "\n", "\u{1}", "é", "☃", "𝄞", "\u{7f}", "</"];
        format!("{base}{}", self.pick(&odd))
    }
}

/// Every metadata the worker can write (any `SecretMeta`, serialized as
/// it stores it) lists as its `SecretMeta::status`.
#[test]
fn generated_metadata_lists_as_its_status() {
    use shared::api::{SourceInfo, SourceType};
    use shared::health::{Health, HealthStatus, Watch};
    let now = Timestamp::parse("2026-12-06T12:00:00Z").unwrap();
    let times = [
        "2026-12-06T11:00:00Z",
        "2026-12-07T00:00:00.5Z",
        "2026-12-30T00:00:00Z",
        "2027-12-30T00:00:00+02:00",
        "",
        "not a time",
    ];
    let statuses = [
        HealthStatus::Ok,
        HealthStatus::CredentialsRejected,
        HealthStatus::Unreachable,
        HealthStatus::ExpiringSoon,
        HealthStatus::Expired,
        HealthStatus::MintFailed,
        HealthStatus::Unchecked,
    ];
    let kinds = [
        SourceType::AwsEcr,
        SourceType::GcpServiceAccount,
        SourceType::AzureServicePrincipal,
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let items = Items::new(now).unwrap();
    for case in 0..3_000 {
        let registries = (0..rng.next() % 4)
            .map(|i| rng.text(&format!("r{i}.example.com")))
            .collect();
        let meta = SecretMeta {
            registries,
            created_at: {
                let t = rng.time(&times);
                rng.text(t)
            },
            modified_at: rng.time(&times).to_owned(),
            omitted: rng.next() % 3,
            expires_at: rng.coin().then(|| rng.time(&times).to_owned()),
            version: rng.next() % 9,
            key_id: rng.maybe("k"),
            created_by: rng.maybe("ci"),
            deleted_at: rng.maybe("2026-01-01T00:00:00Z"),
            source: rng.coin().then(|| SourceInfo {
                kind: *rng.pick(&kinds),
                registry: rng.text("123.dkr.ecr.eu-west-1.amazonaws.com"),
                region: rng.maybe("eu-west-1"),
                access_key_id: rng.maybe("AKIA"),
                client_email: rng.maybe("sa@p.iam.gserviceaccount.com"),
                tenant_id: rng.maybe("t"),
                client_id: rng.maybe("c"),
                minted_at: rng.maybe("2026-12-06T08:00:00Z"),
                minted_until: rng.maybe("2026-12-06T20:00:00Z"),
            }),
            watch: rng.coin().then(|| Watch {
                health: Health {
                    status: *rng.pick(&statuses),
                    checked_at: rng.maybe("2026-12-06T11:55:00Z"),
                    failing_since: rng.maybe("2026-12-05T11:55:00Z"),
                    message: rng.text("the registry said"),
                },
                warned_days: rng.coin().then_some(7),
            }),
        };
        let text = serde_json::to_string(&meta).unwrap();
        let key = ListedKey {
            name: "secret:gen".into(),
            metadata: Some(RawValue::from_string(text.clone()).unwrap()),
        };
        assert!(key.read_metadata::<SecretMeta>().is_some(), "{text}");
        let slow = status_of(&key, "gen", now);
        let fast = item_of(&items, "gen", &key);
        assert_eq!(
            fast,
            serde_json::to_value(&slow).unwrap(),
            "case {case}: {text}"
        );
        let failing = slow.health.as_ref().is_some_and(|h| h.status.failing());
        let entry = items.entry("gen", key.metadata.as_deref());
        assert_eq!(entry.failing(), failing, "case {case}: {text}");
    }
}
