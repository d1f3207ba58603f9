//! Objects per secret, natively: every object's storage in memory, KV
//! shared, and the calls between objects run through the same code the
//! Durable Object class runs (`secret_room`, `directory_room`,
//! `legacy_room`), only without workers-rs. The quota across objects, the
//! move out of the legacy object, and the walks across objects.

mod support;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use regcred_worker::directory;
use regcred_worker::directory_room;
use regcred_worker::http::{Method, Response};
use regcred_worker::legacy_room;
use regcred_worker::rooms::{op, Rooms, Target};
use regcred_worker::secret_room;
use regcred_worker::store::{ListPage, MemoryStore, Store, StoreError, Stored};
use regcred_worker::writethrough::{Room, WriteThrough};
use serde_json::{json, Value};
use shared::SecretName;
use support::{json_headers, request, TestEnv, ADMIN, EDITOR, PULLER, SECRETS};

/// One deployment's objects.
#[derive(Default)]
struct Deployment {
    kv: MemoryStore,
    storages: RefCell<BTreeMap<String, &'static MemoryStore>>,
    /// Every call between objects: `<object> <op>`.
    calls: RefCell<Vec<String>>,
    overrides: Vec<(&'static str, &'static str)>,
}

/// A secret object's store: its own storage and KV, and the directory for
/// a place under the quota (as `EdgeStore::Through` does at the edge).
struct SecretStore<'a> {
    inner: WriteThrough<'a, MemoryStore, MemoryStore>,
    rooms: &'a Deployment,
}

impl Store for SecretStore<'_> {
    async fn get(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        self.inner.get(key).await
    }
    async fn put(&self, key: &str, value: &str, metadata: &Value) -> Result<(), StoreError> {
        self.inner.put(key, value, metadata).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
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
    async fn reserve(
        &self,
        name: &SecretName,
        registries: &[String],
        max: u64,
    ) -> Result<bool, StoreError> {
        secret_room::reserve(&self.inner, self.rooms, name, registries, max).await
    }
}

fn answer(resp: Response) -> Result<String, StoreError> {
    let text = String::from_utf8(resp.body).unwrap_or_default();
    match resp.status {
        200 => Ok(text),
        s => Err(StoreError(format!("{s}: {text} {:?}", resp.error))),
    }
}

impl Deployment {
    fn with(overrides: &[(&'static str, &'static str)]) -> &'static Deployment {
        Box::leak(Box::new(Deployment {
            overrides: overrides.to_vec(),
            ..Deployment::default()
        }))
    }

    fn storage(&self, object: &str) -> &'static MemoryStore {
        let mut storages = self.storages.borrow_mut();
        let storage: &mut &'static MemoryStore = storages
            .entry(object.to_owned())
            .or_insert_with(|| Box::leak(Box::default()));
        storage
    }

    fn secret_store(&self, name: &SecretName) -> SecretStore<'_> {
        let storage = self.storage(&Target::Secret(name).object_name());
        SecretStore {
            inner: WriteThrough::of(Room::Secret, storage, &self.kv),
            rooms: self,
        }
    }

    fn directory_store(&self) -> WriteThrough<'_, MemoryStore, MemoryStore> {
        WriteThrough::of(Room::Directory, self.storage("directory"), &self.kv)
    }

    /// A client request served by `name`'s object, as `edge/durable.rs`
    /// serves it: moved in first, the directory told after a write.
    fn to_secret(
        &'static self,
        name: &str,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Response {
        let name = SecretName::parse(name).expect("a test name");
        let env = TestEnv::new(self.secret_store(&name), &self.overrides);
        let body = body.map(|b| b.to_string());
        let req = request(method, path, json_headers(Some(token)), body.as_deref());
        pollster::block_on(secret_room::move_in(&env.store, self, &name)).expect("moved in");
        let resp = env.run(&req);
        if method != Method::Get {
            let cfg = env.config.as_ref().expect("test settings");
            pollster::block_on(secret_room::publish_due(&env.store, cfg, self, &name))
                .expect("told");
        }
        resp
    }

    /// A client request served by the directory.
    fn to_directory(&'static self, method: Method, path: &str, body: Option<Value>) -> Response {
        let env = TestEnv::new(self.directory_store(), &self.overrides);
        let body = body.map(|b| b.to_string());
        let req = request(method, path, json_headers(Some(ADMIN)), body.as_deref());
        pollster::block_on(directory_room::migrate(&env.store, self)).expect("moved");
        env.with_ctx(|ctx| pollster::block_on(directory_room::handle(&req, ctx, self)))
    }

    fn call_in(
        &self,
        object: String,
        op_name: String,
        body: String,
    ) -> Pin<Box<dyn Future<Output = Result<String, StoreError>> + '_>> {
        Box::pin(async move {
            self.calls.borrow_mut().push(format!("{object} {op_name}"));
            let body = body.into_bytes();
            if object == "directory" {
                let store = self.directory_store();
                if op_name == op::RESERVE {
                    directory_room::migrate(&store, self).await?;
                }
                return answer(
                    directory_room::internal(&store, self, &op_name, &body)
                        .await
                        .unwrap_or_else(Response::error),
                );
            }
            if object == "secrets" {
                let store = WriteThrough::new(self.storage("secrets"), &self.kv);
                return answer(
                    legacy_room::internal(&store, &op_name, &body)
                        .await
                        .unwrap_or_else(Response::error),
                );
            }
            let name = SecretName::parse(object.trim_start_matches("secret:"))
                .map_err(|e| StoreError(e.to_string()))?;
            let env = TestEnv::new(self.secret_store(&name), &self.overrides);
            secret_room::move_in(&env.store, self, &name).await?;
            let cfg = env.config.as_ref().map_err(|e| StoreError(e.clone()))?;
            if op_name == op::TOUCH {
                secret_room::publish_due(&env.store, cfg, self, &name).await?;
                return Ok("null".into());
            }
            // The context borrows the environment: the call runs inside it.
            let resp = env.with_ctx(|ctx| {
                pollster::block_on(secret_room::internal(
                    ctx, cfg, self, &name, &op_name, &body,
                ))
            });
            answer(resp.unwrap_or_else(Response::error))
        })
    }
}

impl Rooms for Deployment {
    #[allow(refining_impl_trait)]
    fn call<'a>(
        &'a self,
        to: Target<'_>,
        op: &str,
        body: String,
    ) -> Pin<Box<dyn Future<Output = Result<String, StoreError>> + 'a>> {
        self.call_in(to.object_name(), op.to_owned(), body)
    }
}

fn dcj(registry: &str, password: &str) -> String {
    json!({"auths": {registry: {"username": "u", "password": password}}}).to_string()
}

fn create(d: &'static Deployment, name: &str, registry: &str, password: &str) -> Response {
    let body = json!({"name": name, "data": {".dockerconfigjson": dcj(registry, password)}});
    d.to_secret(name, Method::Post, SECRETS, EDITOR, Some(body))
}

/// A PATCH of `name`'s credentials, served by its object.
fn modify(d: &'static Deployment, name: &str, registry: &str, password: &str) -> Response {
    let patch = json!({"data": {".dockerconfigjson": dcj(registry, password)}});
    d.to_secret(
        name,
        Method::Patch,
        &format!("{SECRETS}/{name}"),
        EDITOR,
        Some(patch),
    )
}

fn pulled(d: &'static Deployment, name: &str) -> (u16, String) {
    let r = d.to_secret(
        name,
        Method::Get,
        &format!("{SECRETS}/{name}/dockerconfigjson"),
        PULLER,
        None,
    );
    (r.status, String::from_utf8(r.body).unwrap_or_default())
}

fn count(d: &'static Deployment) -> u64 {
    pollster::block_on(directory::count(&d.directory_store())).expect("count")
}

#[test]
fn the_quota_is_exact_across_objects() {
    let d = Deployment::with(&[("REGCRED_MAX_SECRETS", "2")]);
    assert_eq!(create(d, "a", "a.example", "pa").status, 202);
    assert_eq!(create(d, "b", "b.example", "pb").status, 202);
    let third = create(d, "c", "c.example", "pc");
    assert_eq!(third.status, 429, "{:?}", third.error);
    assert_eq!(count(d), 2);
    // Each name lives in its own object.
    assert!(d
        .storage("secret:a")
        .raw()
        .iter()
        .any(|(k, _)| k == "secret:a"));
    assert!(!d
        .storage("secret:a")
        .raw()
        .iter()
        .any(|(k, _)| k == "secret:b"));
    // A delete frees the place; the deleted list is the directory's.
    assert_eq!(
        d.to_secret("a", Method::Delete, &format!("{SECRETS}/a"), EDITOR, None)
            .status,
        202
    );
    assert_eq!(count(d), 1);
    let deleted = d.to_directory(Method::Get, &format!("{SECRETS}?deleted=true"), None);
    assert_eq!(deleted.status, 200);
    assert!(String::from_utf8(deleted.body)
        .unwrap_or_default()
        .contains("\"a\""));
    assert_eq!(create(d, "c", "c.example", "pc").status, 202);
    // Undelete needs a place again, and there is none.
    let undo = d.to_secret(
        "a",
        Method::Post,
        &format!("{SECRETS}/a/undelete"),
        EDITOR,
        None,
    );
    assert_eq!(undo.status, 429);
    assert_eq!(count(d), 2);
    // The registry index knows who holds what.
    let holders =
        pollster::block_on(directory::holders(&d.directory_store(), "c.example")).expect("holders");
    assert_eq!(holders, ["c"]);
    assert!(
        d.kv.raw().iter().any(|(k, _)| k == "reg:c.example/c"),
        "the index is in KV"
    );
    assert!(
        !d.kv.raw().iter().any(|(k, _)| k == "reg:a.example/a"),
        "a deleted name leaves it"
    );

    // Only the first name's object asked the legacy object: the move was
    // done (KV says so) before the others were touched.
    let asked = d
        .calls
        .borrow()
        .iter()
        .filter(|c| *c == "secrets records-of")
        .count();
    assert_eq!(asked, 1, "{:?}", d.calls.borrow());
    assert!(d.kv.raw().iter().any(|(k, _)| k == "moved:"));

    // A pull and a modify of credentials alone call no other object.
    d.calls.borrow_mut().clear();
    assert!(pulled(d, "b").1.contains("pb"));
    assert_eq!(modify(d, "b", "b.example", "pb2").status, 202);
    assert_eq!(*d.calls.borrow(), Vec::<String>::new());
    // A modify that changes the registries tells the directory, once.
    assert_eq!(modify(d, "b", "b2.example", "pb3").status, 202);
    assert_eq!(*d.calls.borrow(), ["directory publish"]);
    let holders = pollster::block_on(directory::holders(&d.directory_store(), "b2.example"))
        .expect("holders");
    assert_eq!(holders, ["b"]);
}

#[test]
fn a_place_taken_for_a_create_that_never_wrote_is_given_back() {
    let d = Deployment::with(&[("REGCRED_MAX_SECRETS", "1")]);
    let name = SecretName::parse("ghost").expect("name");
    let store = d.secret_store(&name);
    let granted =
        pollster::block_on(store.reserve(&name, &["g.example".into()], 1)).expect("reserve");
    assert!(granted);
    assert_eq!(count(d), 1, "the place is taken before the write");
    // The write never happened (a crash); the object's next check tells the truth.
    let env = TestEnv::new(d.secret_store(&name), &[]);
    let cfg = env.config.as_ref().expect("settings");
    pollster::block_on(secret_room::publish_due(&env.store, cfg, d, &name)).expect("told");
    assert_eq!(count(d), 0);
    assert_eq!(create(d, "real", "r.example", "p").status, 202);
}

#[test]
fn the_move_takes_every_record_of_the_legacy_object() {
    let d = Deployment::with(&[]);
    // What the release with one object wrote: all in the object "secrets".
    let legacy = TestEnv::new(WriteThrough::new(d.storage("secrets"), &d.kv), &[]);
    let call = |method, path: &str, body: Option<Value>| {
        let body = body.map(|b| b.to_string());
        legacy.run(&request(
            method,
            path,
            json_headers(Some(EDITOR)),
            body.as_deref(),
        ))
    };
    for (name, pw) in [("alpha", "a1"), ("beta", "b1"), ("gone", "g1")] {
        let body = json!({"name": name, "data": {".dockerconfigjson": dcj(&format!("{name}.example"), pw)}});
        assert_eq!(call(Method::Post, SECRETS, Some(body)).status, 202);
    }
    let patch = json!({"data": {".dockerconfigjson": dcj("alpha.example", "a2")}});
    assert_eq!(
        call(Method::Patch, &format!("{SECRETS}/alpha"), Some(patch)).status,
        202
    );
    assert_eq!(
        call(Method::Delete, &format!("{SECRETS}/gone"), None).status,
        202
    );

    // A pull by name moves its object in on the spot.
    assert!(pulled(d, "alpha").1.contains("a2"));
    assert!(d
        .storage("secret:alpha")
        .raw()
        .iter()
        .any(|(k, _)| k == "version:alpha/0000000001"));
    // The directory's move covers the rest: count, deleted list, index.
    assert!(pollster::block_on(directory_room::migrate(&d.directory_store(), d)).expect("moved"));
    assert_eq!(count(d), 2);
    let deleted = d.to_directory(Method::Get, &format!("{SECRETS}?deleted=true"), None);
    assert!(String::from_utf8(deleted.body)
        .unwrap_or_default()
        .contains("\"gone\""));
    let holders = pollster::block_on(directory::holders(&d.directory_store(), "beta.example"))
        .expect("holders");
    assert_eq!(holders, ["beta"]);
    assert!(pulled(d, "beta").1.contains("b1"));
    let undo = d.to_secret(
        "gone",
        Method::Post,
        &format!("{SECRETS}/gone/undelete"),
        EDITOR,
        None,
    );
    assert_eq!(undo.status, 202, "{:?}", undo.error);
    assert!(pulled(d, "gone").1.contains("g1"));
    // Run again: nothing moves twice, nothing changes.
    let before = d.storage("directory").raw();
    assert!(pollster::block_on(directory_room::migrate(&d.directory_store(), d)).expect("moved"));
    assert_eq!(d.storage("directory").raw(), before);
}

#[test]
fn a_backup_walks_the_objects_name_by_name_in_bounded_pages() {
    let d = Deployment::with(&[]);
    for (name, pw) in [("a", "1"), ("b", "2"), ("c", "3")] {
        assert_eq!(create(d, name, &format!("{name}.example"), pw).status, 202);
    }
    assert_eq!(modify(d, "b", "b.example", "2b").status, 202);
    assert_eq!(
        d.to_secret("c", Method::Delete, &format!("{SECRETS}/c"), EDITOR, None)
            .status,
        202
    );
    let mut keys = Vec::new();
    let mut after = String::new();
    loop {
        let r = d.to_directory(
            Method::Get,
            &format!("/v2/admin/backup?limit=2&after={after}"),
            None,
        );
        assert_eq!(r.status, 200, "{:?}", r.error);
        let page: Value = serde_json::from_slice(&r.body).expect("a page");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2);
        keys.extend(
            items
                .iter()
                .map(|i| i["key"].as_str().unwrap_or_default().to_owned()),
        );
        match page["next"].as_str() {
            Some(n) => after = n.to_owned(),
            None => break,
        }
    }
    assert_eq!(
        keys,
        ["secret:a", "secret:b", "version:b/0000000001", "deleted:c"]
    );
    // The key counts sum every object's.
    let k = d.to_directory(Method::Get, "/v2/admin/encryptionKeys", None);
    let k: Value = serde_json::from_slice(&k.body).expect("keys");
    assert_eq!(k["keys"][0]["secrets"], 2);
    assert_eq!(k["keys"][0]["versions"], 2);
}

#[test]
fn a_restore_chunk_writes_through_at_most_so_many_objects() {
    use shared::backup::MAX_CHUNK_SECRETS;
    // Sealed records of more secrets than a chunk may hold.
    let source = TestEnv::new(MemoryStore::default(), &[("REGCRED_MAX_SECRETS", "500")]);
    for i in 0..=MAX_CHUNK_SECRETS {
        let body =
            json!({"name": format!("s{i}"), "data": {".dockerconfigjson": dcj("r.example", "p")}});
        let req = request(
            Method::Post,
            SECRETS,
            json_headers(Some(EDITOR)),
            Some(&body.to_string()),
        );
        assert_eq!(source.run(&req).status, 202);
    }
    let items: Vec<Value> = source
        .store
        .raw()
        .into_iter()
        .filter(|(k, _)| k.starts_with("secret:"))
        .map(|(k, s)| json!({"key": k, "value": s.value, "metadata": s.metadata}))
        .collect();
    let d = Deployment::with(&[("REGCRED_MAX_SECRETS", "500")]);
    let chunk = |id: &str, items: &[Value]| json!({"restoreId": id, "items": items, "done": true});
    let refused = d.to_directory(
        Method::Post,
        "/v2/admin/restore",
        Some(chunk("restore-refused", &items)),
    );
    assert_eq!(refused.status, 400, "{:?}", refused.error);
    assert_eq!(count(d), 0, "a refused chunk writes nothing");
    // Not even the fence was set: another restore may start.
    let ok = d.to_directory(
        Method::Post,
        "/v2/admin/restore",
        Some(chunk("restore-other", &items[..MAX_CHUNK_SECRETS])),
    );
    assert_eq!(ok.status, 200, "{:?}", ok.error);
    assert_eq!(count(d), MAX_CHUNK_SECRETS as u64);
}

/// A scheduled run checks each due secret in its own object (the health
/// lands in the record's metadata) and has the directory sweep a deleted
/// secret past retention, judged at the run's time.
#[test]
fn a_scheduled_run_checks_in_each_object_and_sweeps_past_retention() {
    let d = Deployment::with(&[("REGCRED_RETENTION_DAYS", "1")]);
    assert_eq!(create(d, "kept", "r1.example.com", "p").status, 202);
    assert_eq!(create(d, "gone", "r2.example.com", "p").status, 202);
    let deleted = d.to_secret(
        "gone",
        Method::Delete,
        &format!("{SECRETS}/gone"),
        EDITOR,
        None,
    );
    assert_eq!(deleted.status, 202);
    let cfg = support::config(&[("REGCRED_RETENTION_DAYS", "1")]).expect("settings");
    let later = support::now_of("2026-11-25T00:00:00.000Z");
    d.calls.borrow_mut().clear();
    let report = pollster::block_on(regcred_worker::schedule::run(&d.kv, d, &cfg, later));
    assert_eq!((report.due, report.checked, report.unreached), (1, 1, 0));
    assert_eq!(report.swept, 1, "{:?}", d.calls.borrow());
    let calls = d.calls.borrow().clone();
    assert!(calls.contains(&"secret:kept check".to_owned()), "{calls:?}");
    let got = d.to_secret(
        "kept",
        Method::Get,
        &format!("{SECRETS}/kept"),
        EDITOR,
        None,
    );
    let status: Value = serde_json::from_slice(&got.body).expect("json");
    // The scripted fetch answers nothing: the registry is unreachable.
    assert_eq!(status["health"]["status"], "unreachable", "{status}");
    let listed = d.to_directory(Method::Get, &format!("{SECRETS}?deleted=true"), None);
    let listed: Value = serde_json::from_slice(&listed.body).expect("json");
    assert_eq!(listed["count"], 0, "{listed}");
}
