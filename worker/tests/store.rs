//! Unit tests of `store` through its public API.

use regcred_worker::store::*;
use regcred_worker::writethrough::*;
use serde_json::Value;
#[test]
fn lists_in_pages_with_a_cursor() {
    let s = MemoryStore::default();
    pollster::block_on(async {
        for i in 0..5 {
            s.put(&format!("a:{i}"), "v", &Value::Null).await.unwrap();
        }
        s.put("b:0", "v", &Value::Null).await.unwrap();
        let p1 = s.list("a:", None, 2).await.unwrap();
        assert_eq!(p1.keys.len(), 2);
        let p2 = s.list("a:", p1.cursor.as_deref(), 2).await.unwrap();
        let p3 = s.list("a:", p2.cursor.as_deref(), 2).await.unwrap();
        assert_eq!(
            p3.keys.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
            ["a:4"]
        );
        assert_eq!(p3.cursor, None);
        assert_eq!(s.calls().list, 3);
    });
}

/// Every prefix walk pages with `Pages`: one `list` per page, none after
/// the last, and a walk that stops early asks no further.
#[test]
fn pages_walk_a_prefix_with_one_list_per_page() {
    let s = MemoryStore::default();
    pollster::block_on(async {
        for i in 0..2001 {
            s.put(&format!("a:{i:05}"), "v", &Value::Null)
                .await
                .unwrap();
        }
        s.put("b:0", "v", &Value::Null).await.unwrap();
        s.reset_calls();
        let mut pages = s.pages("a:");
        let mut sizes = Vec::new();
        while let Some(keys) = pages.next().await.unwrap() {
            sizes.push(keys.len());
        }
        assert_eq!(sizes, [1000, 1000, 1]);
        assert_eq!(pages.next().await.unwrap().map(|k| k.len()), None);
        assert_eq!(s.calls().list, 3);

        s.reset_calls();
        let mut from = Pages::after(&s, "a:", Some("a:00001".into()));
        let first = from.next_up_to(2).await.unwrap().unwrap();
        let names: Vec<&str> = first.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["a:00002", "a:00003"]);
        assert_eq!(s.count("a:", 1500).await.unwrap(), 1500);
        assert_eq!(s.calls().list, 3, "a count stops once it has seen enough");
    });
}

fn stored(v: &str) -> Stored {
    Stored {
        value: v.into(),
        metadata: Some(Value::Null),
    }
}

#[test]
fn write_through_writes_both_and_reads_the_authority() {
    let (auth, kv) = (MemoryStore::default(), MemoryStore::default());
    let wt = WriteThrough::new(&auth, &kv);
    pollster::block_on(async {
        wt.put("secret:a", "v1", &Value::Null).await.unwrap();
        assert_eq!(auth.raw(), kv.raw());
        wt.put("audit:1", "e", &Value::Null).await.unwrap();
        assert_eq!(
            auth.raw().len(),
            1,
            "audit records stay out of the authority"
        );
        wt.delete("secret:a").await.unwrap();
        let left: Vec<String> = auth.raw().into_iter().map(|(k, _)| k).collect();
        assert_eq!(left, ["tomb:secret:a"], "only the tombstone stays");
        assert_eq!(kv.raw().len(), 1, "the audit record");
    });
}

#[test]
fn crash_between_writes_authority_wins_and_the_next_write_repairs_kv() {
    let (auth, kv) = (MemoryStore::default(), MemoryStore::default());
    // The authority took the write; the worker died before KV did.
    auth.insert_raw("secret:a", stored("new"));
    kv.insert_raw("secret:a", stored("old"));
    let wt = WriteThrough::new(&auth, &kv);
    pollster::block_on(async {
        assert_eq!(wt.get("secret:a").await.unwrap().unwrap().value, "new");
        wt.put("secret:a", "newer", &Value::Null).await.unwrap();
        assert_eq!(kv.get("secret:a").await.unwrap().unwrap().value, "newer");
    });
}

#[test]
fn kv_only_secrets_are_adopted_not_overwritten() {
    let (auth, kv) = (MemoryStore::default(), MemoryStore::default());
    kv.insert_raw("secret:legacy", stored("from-kv"));
    let wt = WriteThrough::new(&auth, &kv);
    pollster::block_on(async {
        assert_eq!(
            wt.get("secret:legacy").await.unwrap().unwrap().value,
            "from-kv"
        );
        assert_eq!(
            auth.get("secret:legacy").await.unwrap().unwrap().value,
            "from-kv"
        );
        assert_eq!(wt.get("secret:none").await.unwrap(), None);
    });
}

#[test]
fn the_authority_counts_secrets_and_adopts_kv_only_ones_once() {
    let (auth, kv) = (MemoryStore::default(), MemoryStore::default());
    let wt = WriteThrough::new(&auth, &kv);
    pollster::block_on(async {
        // Written before the Durable Object existed: only KV has them.
        kv.insert_raw("secret:old-a", stored("a"));
        kv.insert_raw("secret:old-b", stored("b"));
        kv.insert_raw("audit:1:r", stored("x"));
        assert_eq!(wt.count(COUNTED_PREFIX, u64::MAX).await.unwrap(), 2);
        assert!(auth.get("secret:old-a").await.unwrap().is_some(), "adopted");
        // From now on the count is kept, not listed: KV can lag or lose keys.
        wt.put("secret:new", "n", &Value::Null).await.unwrap();
        wt.put("secret:new", "n2", &Value::Null).await.unwrap();
        kv.delete("secret:old-b").await.unwrap();
        kv.reset_calls();
        assert_eq!(wt.count(COUNTED_PREFIX, u64::MAX).await.unwrap(), 3);
        assert_eq!(kv.calls().list, 0, "the kept count needs no KV list");
        wt.delete("secret:old-a").await.unwrap();
        wt.delete("secret:never-was").await.unwrap();
        assert_eq!(wt.count(COUNTED_PREFIX, u64::MAX).await.unwrap(), 2);
        assert_eq!(wt.count(COUNTED_PREFIX, 1).await.unwrap(), 1, "capped");
    });
}

#[test]
fn audit_records_keep_their_expiry_and_skip_the_authority() {
    let (auth, kv) = (MemoryStore::default(), MemoryStore::default());
    let wt = WriteThrough::new(&auth, &kv);
    pollster::block_on(async {
        wt.put_expiring("audit:1:r", "e", &Value::Null, 7 * 86_400)
            .await
            .unwrap();
    });
    assert_eq!(kv.ttl("audit:1:r"), Some(7 * 86_400));
    assert!(auth.raw().is_empty());
}
