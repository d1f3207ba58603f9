//! An edit changes only what it names: `entry` PATCHes keep the registry,
//! username and email they do not name; get and the versions list show each
//! registry's username, never a password.

mod support;

use regcred_worker::http::{Method, Response};
use regcred_worker::store::MemoryStore;
use regcred_worker::writethrough::{Room, WriteThrough};
use serde_json::{json, Value};
use support::{json_headers, request, TestEnv, EDITOR, PULLER, SECRETS, VIEWER};

type Env = TestEnv<WriteThrough<'static, MemoryStore, MemoryStore>>;

fn env() -> Env {
    let authority: &'static MemoryStore = Box::leak(Box::default());
    let kv: &'static MemoryStore = Box::leak(Box::default());
    TestEnv::new(WriteThrough::of(Room::Secret, authority, kv), &[])
}

fn call(env: &Env, token: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let text = body.map(|b| b.to_string());
    let mut req = request(method, path, json_headers(Some(token)), text.as_deref());
    req.request_id = env.request_id();
    let r: Response = env.run(&req);
    (
        r.status,
        serde_json::from_slice(&r.body).unwrap_or(Value::Null),
    )
}

fn create(env: &Env, name: &str, auths: Value) {
    let body =
        json!({"name": name, "data": {".dockerconfigjson": json!({"auths": auths}).to_string()}});
    let (status, answer) = call(env, EDITOR, Method::Post, SECRETS, Some(body));
    assert_eq!(status, 202, "{answer}");
}

fn patch(env: &Env, name: &str, body: Value) -> (u16, Value) {
    call(
        env,
        EDITOR,
        Method::Patch,
        &format!("{SECRETS}/{name}"),
        Some(body),
    )
}

fn pulled(env: &Env, name: &str) -> Value {
    let (status, body) = call(
        env,
        PULLER,
        Method::Get,
        &format!("{SECRETS}/{name}/dockerconfigjson"),
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["auths"].clone()
}

#[test]
fn get_shows_usernames_and_never_passwords() {
    let env = env();
    create(
        &env,
        "local-ci",
        json!({"http://127.0.0.1:5055": {"username": "ci", "password": "pw-1", "email": "ci@example.com"}}),
    );
    let (status, body) = call(
        &env,
        VIEWER,
        Method::Get,
        &format!("{SECRETS}/local-ci"),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        body["users"],
        json!([{"registry": "http://127.0.0.1:5055", "username": "ci", "email": "ci@example.com"}])
    );
    assert!(!body.to_string().contains("pw-1"));
    let (_, list) = call(&env, VIEWER, Method::Get, SECRETS, None);
    assert!(
        list["resources"][0].get("users").is_none(),
        "lists stay metadata only"
    );
}

#[test]
fn a_new_password_alone_keeps_the_registry_and_username() {
    let env = env();
    create(
        &env,
        "local-ci",
        json!({"http://127.0.0.1:5055": {"username": "ci", "password": "pw-1", "email": "ci@example.com"}}),
    );
    let (status, body) = patch(&env, "local-ci", json!({"entry": {"password": "pw-2"}}));
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        pulled(&env, "local-ci"),
        json!({"http://127.0.0.1:5055": {"username": "ci", "password": "pw-2", "email": "ci@example.com", "auth": "Y2k6cHctMg=="}})
    );
    // A new username, the expiry beside it, and the email cleared.
    let (status, _) = patch(
        &env,
        "local-ci",
        json!({"entry": {"username": "robot", "email": null}, "expiresAt": "2027-01-01"}),
    );
    assert_eq!(status, 202);
    let auths = pulled(&env, "local-ci");
    assert_eq!(auths["http://127.0.0.1:5055"]["username"], "robot");
    assert_eq!(auths["http://127.0.0.1:5055"]["password"], "pw-2");
    assert!(auths["http://127.0.0.1:5055"].get("email").is_none());
    // A move keeps the credentials.
    let (status, _) = patch(
        &env,
        "local-ci",
        json!({"entry": {"newRegistry": "127.0.0.1:6000"}}),
    );
    assert_eq!(status, 202);
    assert_eq!(
        pulled(&env, "local-ci")["127.0.0.1:6000"]["password"],
        "pw-2"
    );
}

#[test]
fn several_registries_need_a_choice_and_refusals_change_nothing() {
    let env = env();
    create(
        &env,
        "two",
        json!({"ghcr.io": {"username": "a", "password": "pw-ghcr-1"}, "quay.io": {"username": "b", "password": "pw-quay-1"}}),
    );
    let before = pulled(&env, "two");
    let refusals = [
        (
            json!({"entry": {"password": "x"}}),
            "entry.registry",
            "\"ghcr.io\", \"quay.io\"",
        ),
        (
            json!({"entry": {"registry": "docker.io", "password": "x"}}),
            "entry.registry",
            "holds no registry",
        ),
        (
            json!({"entry": {"registry": "ghcr.io"}}),
            "entry",
            "changes nothing",
        ),
        (
            json!({"entry": {"registry": "ghcr.io", "password": 5}}),
            "entry",
            "every field is a string",
        ),
        (
            json!({"entry": {"registry": "ghcr.io", "password": "x"}, "data": {".dockerconfigjson": "{}"}}),
            "entry",
            "not both",
        ),
        (
            json!({"entry": {"registry": "ghcr.io", "username": "a:b"}}),
            "entry.username",
            "cannot contain ':'",
        ),
        (
            json!({"entry": {"registry": "ghcr.io", "newRegistry": "quay.io"}}),
            "entry.newRegistry",
            "already holds",
        ),
    ];
    for (body, target, says) in refusals {
        let (status, answer) = patch(&env, "two", body.clone());
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"]["target"], target, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{body}: {message}");
        assert!(!message.contains("pw-"), "no password in errors: {message}");
    }
    assert_eq!(
        pulled(&env, "two"),
        before,
        "a refused edit changes nothing"
    );
    let (status, _) = patch(
        &env,
        "two",
        json!({"entry": {"registry": "https://quay.io/", "password": "new"}}),
    );
    assert_eq!(status, 202);
    let after = pulled(&env, "two");
    assert_eq!(after["ghcr.io"], before["ghcr.io"]);
    assert_eq!(after["quay.io"]["password"], "new");
    assert_eq!(after["quay.io"]["username"], "b");
}

#[test]
fn versions_show_who_logged_in_at_each() {
    let env = env();
    create(
        &env,
        "v",
        json!({"r.io": {"username": "first", "password": "p1"}}),
    );
    let (status, _) = patch(&env, "v", json!({"entry": {"username": "second"}}));
    assert_eq!(status, 202);
    let (status, body) = call(
        &env,
        VIEWER,
        Method::Get,
        &format!("{SECRETS}/v/versions"),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let users: Vec<&str> = body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["users"][0]["username"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(users, ["second", "first"]);
    assert!(!body.to_string().contains("p1"));
}
