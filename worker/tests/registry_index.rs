//! Pulls by registry through the registry index, natively, with KV's lag
//! made explicit: the index KV shows may be behind the directory, and the
//! credentials always come from the secret's own object (`fresh`). The
//! handler is `resolve::by_registry`, run through the whole app.

mod support;

use std::cell::RefCell;

use regcred_worker::http::{Method, Response};
use regcred_worker::store::{ListPage, MemoryStore, Store, StoreError, Stored};
use serde_json::{json, Value};
use support::{json_headers, request, TestEnv, EDITOR, PULLER, SECRETS};

/// The edge's view: KV (possibly behind), the index KV shows for the one
/// host asked, what the directory knows now, and the objects' records.
#[derive(Default)]
struct Edge {
    kv: MemoryStore,
    objects: MemoryStore,
    kv_index: RefCell<Vec<String>>,
    directory: RefCell<Vec<String>>,
    asked_directory: RefCell<u32>,
}

impl Store for Edge {
    async fn get(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        self.kv.get(key).await
    }
    async fn put(&self, key: &str, value: &str, metadata: &Value) -> Result<(), StoreError> {
        self.kv.put(key, value, metadata).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.kv.delete(key).await
    }
    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ListPage, StoreError> {
        self.kv.list(prefix, cursor, limit).await
    }
    async fn indexed(&self, _host: &str) -> Result<Option<Vec<String>>, StoreError> {
        Ok(Some(self.kv_index.borrow().clone()))
    }
    async fn holders(&self, _host: &str) -> Result<Vec<String>, StoreError> {
        *self.asked_directory.borrow_mut() += 1;
        Ok(self.directory.borrow().clone())
    }
    async fn fresh(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        self.objects.get(key).await
    }
}

/// Sealed records of `secrets` (name, registry, password), as a secret's
/// object holds them.
fn records(secrets: &[(&str, &str, &str)]) -> Vec<(String, Stored)> {
    let env = TestEnv::new(MemoryStore::default(), &[]);
    for (name, registry, password) in secrets {
        let dcj =
            json!({"auths": {*registry: {"username": "u", "password": *password}}}).to_string();
        let body = json!({"name": name, "data": {".dockerconfigjson": dcj}}).to_string();
        let r = env.run(&request(
            Method::Post,
            SECRETS,
            json_headers(Some(EDITOR)),
            Some(&body),
        ));
        assert_eq!(r.status, 202);
    }
    env.store
        .raw()
        .into_iter()
        .filter(|(k, _)| k.starts_with("secret:"))
        .collect()
}

fn pull(env: &TestEnv<Edge>) -> (u16, Value) {
    let r: Response = env.run(&request(
        Method::Get,
        "/v2/admin/registryCredentials?registry=r.example",
        json_headers(Some(PULLER)),
        None,
    ));
    let body = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    (r.status, body)
}

fn edge(objects: &[(&str, &str, &str)], kv_index: &[&str], directory: &[&str]) -> TestEnv<Edge> {
    let edge = Edge::default();
    for (k, v) in records(objects) {
        edge.objects.insert_raw(&k, v);
    }
    *edge.kv_index.borrow_mut() = kv_index.iter().map(|s| s.to_string()).collect();
    *edge.directory.borrow_mut() = directory.iter().map(|s| s.to_string()).collect();
    TestEnv::new(edge, &[])
}

#[test]
fn one_candidate_that_confirms_answers_without_the_directory() {
    let env = edge(&[("a", "r.example", "pa")], &["a"], &["a"]);
    let (status, body) = pull(&env);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["secret"].as_str(), body["password"].as_str()),
        (Some("a"), Some("pa"))
    );
    assert_eq!(*env.store.asked_directory.borrow(), 0);
}

#[test]
fn a_candidate_that_no_longer_holds_the_registry_falls_back_to_the_directory() {
    // KV still lists a; a now holds another registry, b holds r.example.
    let env = edge(
        &[("a", "other.example", "pa"), ("b", "r.example", "pb")],
        &["a"],
        &["b"],
    );
    let (status, body) = pull(&env);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["secret"].as_str(), body["password"].as_str()),
        (Some("b"), Some("pb"))
    );
    assert_eq!(*env.store.asked_directory.borrow(), 1);
}

#[test]
fn a_secret_kv_does_not_show_yet_is_found_through_the_directory() {
    let env = edge(&[("new", "r.example", "pn")], &[], &["new"]);
    let (status, body) = pull(&env);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["secret"].as_str(), Some("new"));
}

#[test]
fn several_holders_are_a_409_only_when_the_directory_says_so() {
    // KV lists two, one was deleted since: the directory settles it.
    let env = edge(&[("a", "r.example", "pa")], &["a", "gone"], &["a"]);
    let (status, body) = pull(&env);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["secret"].as_str(), Some("a"));
    // Two real holders: a 409 naming both, never their credentials.
    let env = edge(
        &[("a", "r.example", "pa"), ("b", "r.example", "pb")],
        &["a", "b"],
        &["a", "b"],
    );
    let (status, body) = pull(&env);
    assert_eq!(status, 409, "{body}");
    let text = body.to_string();
    assert!(
        text.contains("\"a\"") && text.contains("\"b\"") && !text.contains("pa"),
        "{text}"
    );
    // None anywhere: a 404.
    let env = edge(&[], &[], &[]);
    assert_eq!(pull(&env).0, 404);
}
