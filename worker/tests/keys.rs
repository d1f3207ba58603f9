//! Key rotation natively: counts per key, rewrap in resumable batches, the
//! old key removed, a missing key named, and the version bound into the
//! associated data.

mod support;

use regcred_worker::http::Method;
use regcred_worker::store::{MemoryStore, Stored};
use serde_json::{json, Value};
use support::{json_headers, request, TestEnv, ADMIN, EDITOR, PULLER, SECRETS};

const K1: &str = "k1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const K2: &str = "k2:1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";
const KEYS: &str = "/v2/admin/encryptionKeys";

fn env(store: MemoryStore, keys: &str) -> TestEnv<MemoryStore> {
    TestEnv::new(store, &[("REGCRED_KEYS", keys)])
}

fn call(
    api: &TestEnv<MemoryStore>,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> (u16, Value, Option<String>) {
    let mut req = request(method, path, json_headers(Some(token)), body);
    req.request_id = api.request_id();
    let resp = api.run(&req);
    let etag = resp.header("etag").map(str::to_owned);
    (
        resp.status,
        serde_json::from_slice(&resp.body).unwrap_or(Value::Null),
        etag,
    )
}

fn create(api: &TestEnv<MemoryStore>, name: &str) {
    let dcj =
        json!({"auths": {"r.io": {"username": "u", "password": format!("pw-{name}")}}}).to_string();
    let body = json!({"name": name, "data": {".dockerconfigjson": dcj}}).to_string();
    assert_eq!(call(api, Method::Post, SECRETS, EDITOR, Some(&body)).0, 202);
}

fn usage(api: &TestEnv<MemoryStore>) -> (Value, u64) {
    let (status, body, _) = call(api, Method::Get, KEYS, ADMIN, None);
    assert_eq!(status, 200, "{body}");
    let per_key: serde_json::Map<String, Value> = body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["id"].as_str().unwrap().to_owned(), k["secrets"].clone()))
        .collect();
    (Value::Object(per_key), body["toRewrap"].as_u64().unwrap())
}

#[test]
fn rotation_runs_to_the_end_and_the_old_key_can_go() {
    let api = env(MemoryStore::default(), K1);
    for i in 0..7 {
        create(&api, &format!("s{i}"));
    }
    // A record from before versions were bound: the golden envelope, no key id kept.
    api.store.insert_raw(
        "secret:golden",
        Stored {
            value: include_str!("golden-envelope.json").trim().to_owned(),
            metadata: Some(
                json!({"r": ["registry.example.com"], "c": "", "m": "", "x": 0, "v": 1}),
            ),
        },
    );
    assert_eq!(
        usage(&api),
        (json!({"k1": 8}), 1),
        "only golden is not current"
    );
    let (_, before, etag_before) = call(&api, Method::Get, &format!("{SECRETS}/s3"), EDITOR, None);
    assert_eq!(before["keyId"], "k1");

    // A new key goes first; everything is still readable, and due for rewrap.
    let api = env(api.store, &format!("{K2},{K1}"));
    assert_eq!(usage(&api), (json!({"k2": 0, "k1": 8}), 8));
    let (status, _, _) = call(
        &api,
        Method::Get,
        &format!("{SECRETS}/s0/dockerconfigjson"),
        PULLER,
        None,
    );
    assert_eq!(status, 200);

    // Batches of 3, each resuming where the last stopped.
    let mut after = String::new();
    let (mut batches, mut rewrapped) = (0, 0);
    loop {
        let path = format!("{KEYS}/rewrap?limit=3&after={after}");
        let (status, batch, _) = call(&api, Method::Post, &path, ADMIN, None);
        assert_eq!(status, 200, "{batch}");
        assert!(batch["examined"].as_u64().unwrap() <= 3);
        rewrapped += batch["rewrapped"].as_u64().unwrap();
        batches += 1;
        match batch["next"].as_str() {
            Some(n) => after = n.to_owned(),
            None => break,
        }
    }
    assert_eq!((batches, rewrapped), (3, 8));
    assert_eq!(usage(&api), (json!({"k2": 8, "k1": 0}), 0));
    // Content, version and ETag are untouched; the key id moved.
    let (_, after_rewrap, etag_after) =
        call(&api, Method::Get, &format!("{SECRETS}/s3"), EDITOR, None);
    assert_eq!(etag_after, etag_before);
    assert_eq!(after_rewrap["keyId"], "k2");
    assert_eq!(after_rewrap["modifiedAt"], before["modifiedAt"]);
    // A second pass rewrites nothing.
    let (_, again, _) = call(
        &api,
        Method::Post,
        &format!("{KEYS}/rewrap?limit=500"),
        ADMIN,
        None,
    );
    assert_eq!(
        (again["examined"].as_u64(), again["rewrapped"].as_u64()),
        (Some(8), Some(0))
    );

    // The old key removed: every secret still opens.
    let api = env(api.store, K2);
    for name in ["s0", "s6", "golden"] {
        let (status, body, _) = call(
            &api,
            Method::Get,
            &format!("{SECRETS}/{name}/dockerconfigjson"),
            PULLER,
            None,
        );
        assert_eq!(status, 200, "{name}: {body}");
    }
    // Without the key that seals them, the error names it.
    let api = env(api.store, K1);
    let (status, e, _) = call(
        &api,
        Method::Get,
        &format!("{SECRETS}/s0/dockerconfigjson"),
        PULLER,
        None,
    );
    assert_eq!(status, 500);
    assert_eq!(e["error"]["code"], "EncryptionKeyMissing");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("\"k2\""),
        "{e}"
    );
    let (_, listed, _) = call(&api, Method::Get, KEYS, ADMIN, None);
    assert_eq!(
        listed["keys"][1],
        json!({"id": "k2", "configured": false, "secrets": 8, "versions": 0})
    );
    let (_, batch, _) = call(&api, Method::Post, &format!("{KEYS}/rewrap"), ADMIN, None);
    assert_eq!(batch["failed"].as_array().unwrap().len(), 8, "{batch}");
}

#[test]
fn an_older_value_copied_over_the_current_one_does_not_open() {
    let api = env(MemoryStore::default(), K1);
    create(&api, "s");
    let old = api
        .store
        .raw()
        .into_iter()
        .find(|(k, _)| k == "secret:s")
        .unwrap()
        .1;
    let patch = json!({"data": {".dockerconfigjson": json!({"auths": {"r.io": {"username": "u", "password": "new"}}}).to_string()}}).to_string();
    assert_eq!(
        call(
            &api,
            Method::Patch,
            &format!("{SECRETS}/s"),
            EDITOR,
            Some(&patch)
        )
        .0,
        202
    );
    let current = api
        .store
        .raw()
        .into_iter()
        .find(|(k, _)| k == "secret:s")
        .unwrap()
        .1;
    // Version 1's ciphertext under version 2's metadata.
    api.store.insert_raw(
        "secret:s",
        Stored {
            value: old.value,
            metadata: current.metadata,
        },
    );
    let (status, e, _) = call(
        &api,
        Method::Get,
        &format!("{SECRETS}/s/dockerconfigjson"),
        PULLER,
        None,
    );
    assert_eq!(status, 500, "{e}");
    assert_eq!(e["error"]["code"], "InternalError");
}

#[test]
fn only_admins_rotate_and_bad_batches_are_refused() {
    let api = env(MemoryStore::default(), K1);
    assert_eq!(call(&api, Method::Get, KEYS, EDITOR, None).0, 403);
    assert_eq!(
        call(&api, Method::Post, &format!("{KEYS}/rewrap"), EDITOR, None).0,
        403
    );
    for bad in ["limit=0", "limit=501", "limit=x", "after=Not_A_Name"] {
        let (status, e, _) = call(
            &api,
            Method::Post,
            &format!("{KEYS}/rewrap?{bad}"),
            ADMIN,
            None,
        );
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (400, Some("InvalidQueryParameter")),
            "{bad}"
        );
    }
}
