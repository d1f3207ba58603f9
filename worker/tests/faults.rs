//! The fault matrix of a secret's object (`Room::Secret`), natively: KV refuses puts
//! or deletes at chosen points, or the object stops between its commit and
//! the KV write. Every case must end with KV equal to the authority after
//! repair, no acknowledged write lost and no deleted secret served.

mod support;

use std::cell::Cell;

use regcred_worker::http::Method;
use regcred_worker::store::{ListPage, MemoryStore, Store, StoreError, Stored};
use regcred_worker::writethrough::{Room, WriteThrough};
use serde_json::{json, Value};
use support::{json_headers, request, TestEnv, EDITOR, PULLER, SECRETS};

/// KV that refuses puts or deletes while told to.
#[derive(Default)]
struct FlakyKv {
    inner: MemoryStore,
    refuse_puts: Cell<bool>,
    refuse_deletes: Cell<bool>,
}

impl Store for FlakyKv {
    async fn get(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        self.inner.get(key).await
    }
    async fn put(&self, key: &str, value: &str, metadata: &Value) -> Result<(), StoreError> {
        if self.refuse_puts.get() {
            return Err(StoreError("KV put refused (test)".into()));
        }
        self.inner.put(key, value, metadata).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        if self.refuse_deletes.get() {
            return Err(StoreError("KV delete refused (test)".into()));
        }
        self.inner.delete(key).await
    }
    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ListPage, StoreError> {
        self.inner.list(prefix, cursor, limit).await
    }
}

/// The secrets each store holds, values and metadata.
fn secrets(raw: Vec<(String, Stored)>) -> Vec<(String, Stored)> {
    raw.into_iter()
        .filter(|(k, _)| k.starts_with("secret:"))
        .collect()
}

fn body(name: &str, password: &str) -> String {
    let dcj = json!({"auths": {"r.io": {"username": "u", "password": password}}}).to_string();
    json!({"name": name, "data": {".dockerconfigjson": dcj}}).to_string()
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    KvPut,
    KvDelete,
    Crash,
}

#[derive(Debug, Clone, Copy)]
enum Write {
    Create,
    Modify,
    Delete,
}

/// One cell of the matrix: `write` of secret `a` meets `fault`.
fn run(write: Write, fault: Fault) {
    let authority: &'static MemoryStore = Box::leak(Box::default());
    let kv: &'static FlakyKv = Box::leak(Box::default());
    let call = |crash: bool, method, path: &str, body: Option<&str>| {
        let wt = WriteThrough::of(Room::Secret, authority, kv);
        let wt = if crash {
            wt.crashing_after_commit()
        } else {
            wt
        };
        let env = TestEnv::new(wt, &[]);
        let mut req = request(method, path, json_headers(Some(EDITOR)), body);
        req.request_id = env.request_id();
        let resp = env.run(&req);
        (resp.status, env.store.repair_pending())
    };
    let path = format!("{SECRETS}/a");
    // Before the fault: `a` exists with its first password (except to create it).
    if !matches!(write, Write::Create) {
        assert_eq!(
            call(false, Method::Post, SECRETS, Some(&body("a", "old-pw"))).0,
            202
        );
    }
    match fault {
        Fault::KvPut => kv.refuse_puts.set(true),
        Fault::KvDelete => kv.refuse_deletes.set(true),
        Fault::Crash => {}
    }
    let crash = matches!(fault, Fault::Crash);
    let patch = json!({"data": {".dockerconfigjson": json!({"auths": {"r.io": {"username": "u", "password": "new-pw"}}}).to_string()}}).to_string();
    let (status, pending) = match write {
        Write::Create => call(crash, Method::Post, SECRETS, Some(&body("a", "new-pw"))),
        Write::Modify => call(crash, Method::Patch, &path, Some(&patch)),
        Write::Delete => call(crash, Method::Delete, &path, None),
    };
    let case = format!("{write:?} with {fault:?}");
    let kv_refused = matches!(
        (write, fault),
        (Write::Delete, Fault::KvDelete) | (Write::Create | Write::Modify, Fault::KvPut)
    );
    if crash {
        assert_eq!(status, 500, "{case}: the object stopped");
    } else {
        // The authority committed: the caller gets what the write earned.
        assert_eq!(status, 202, "{case}");
        assert_eq!(pending, kv_refused, "{case}: repair scheduled");
    }
    // The authority's view is the truth from now on, even before repair.
    let env = TestEnv::new(WriteThrough::of(Room::Secret, authority, kv), &[]);
    let pull = |env: &TestEnv<WriteThrough<'_, MemoryStore, FlakyKv>>| {
        let resp = env.run(&request(
            Method::Get,
            &format!("{path}/dockerconfigjson"),
            json_headers(Some(PULLER)),
            None,
        ));
        (
            resp.status,
            String::from_utf8_lossy(&resp.body).into_owned(),
        )
    };
    let (status, text) = pull(&env);
    match write {
        Write::Delete => assert_eq!(status, 404, "{case}: a deleted secret is never served"),
        _ => {
            assert_eq!(status, 200, "{case}");
            assert!(
                text.contains("new-pw"),
                "{case}: the acknowledged write is kept"
            );
        }
    }
    // KV recovers; the alarm's repair makes it match.
    kv.refuse_puts.set(false);
    kv.refuse_deletes.set(false);
    let repaired = pollster::block_on(env.store.repair()).unwrap();
    assert_eq!(repaired.left, 0, "{case}");
    assert_eq!(
        secrets(kv.inner.raw()),
        secrets(authority.raw()),
        "{case}: KV equals the object"
    );
    assert!(
        authority
            .raw()
            .iter()
            .all(|(k, _)| !k.starts_with("repair:")),
        "{case}: no intent left"
    );
    // And stays so: another touch does not bring a deleted secret back.
    let (status, _) = pull(&env);
    assert_eq!(status == 404, matches!(write, Write::Delete), "{case}");
    assert_eq!(secrets(kv.inner.raw()), secrets(authority.raw()), "{case}");
}

#[test]
fn every_write_meets_every_fault_and_is_repaired() {
    for write in [Write::Create, Write::Modify, Write::Delete] {
        for fault in [Fault::KvPut, Fault::KvDelete, Fault::Crash] {
            run(write, fault);
        }
    }
}

#[test]
fn a_failed_kv_delete_is_redone_not_undone() {
    let (authority, kv) = (MemoryStore::default(), FlakyKv::default());
    let wt = WriteThrough::of(Room::Secret, &authority, &kv);
    pollster::block_on(async {
        wt.put("secret:a", "v", &Value::Null).await.unwrap();
        kv.refuse_deletes.set(true);
        wt.delete("secret:a").await.unwrap();
        assert!(wt.repair_pending());
        // KV still has it; the object must not adopt it back.
        assert!(kv.get("secret:a").await.unwrap().is_some());
        assert!(wt.get("secret:a").await.unwrap().is_none());
        assert_eq!(wt.count("secret:", u64::MAX).await.unwrap(), 0);
        assert_eq!(wt.repair().await.unwrap().left, 1, "KV still refuses");
        kv.refuse_deletes.set(false);
        assert_eq!(wt.repair().await.unwrap().fixed, 1);
        assert!(kv.get("secret:a").await.unwrap().is_none());
        // The name can be used again.
        wt.put("secret:a", "v2", &Value::Null).await.unwrap();
        assert_eq!(wt.get("secret:a").await.unwrap().unwrap().value, "v2");
        assert_eq!(kv.get("secret:a").await.unwrap().unwrap().value, "v2");
    });
}
