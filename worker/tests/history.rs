//! Versions, delete/undelete/purge, retention and recreate, natively over
//! the write-through store (authority and KV as two memory stores), as the
//! Durable Object runs them.

mod support;

use regcred_worker::history::{sweep, Policy};
use regcred_worker::http::{Method, Response};
use regcred_worker::store::{MemoryStore, Stored};
use regcred_worker::writethrough::{Room, WriteThrough};
use serde_json::{json, Value};
use shared::time::Timestamp;
use support::{json_headers, request, TestEnv, ADMIN, EDITOR, PULLER, SECRETS, VIEWER};

type Env = TestEnv<WriteThrough<'static, MemoryStore, MemoryStore>>;

fn env(overrides: &[(&str, &str)]) -> (Env, &'static MemoryStore, &'static MemoryStore) {
    let authority: &'static MemoryStore = Box::leak(Box::default());
    let kv: &'static MemoryStore = Box::leak(Box::default());
    (
        TestEnv::new(WriteThrough::of(Room::Secret, authority, kv), overrides),
        authority,
        kv,
    )
}

fn dcj(password: &str) -> String {
    json!({"auths": {"r.io": {"username": "u", "password": password}}}).to_string()
}

fn call(env: &Env, token: &str, method: Method, path: &str, body: Option<Value>) -> Response {
    let text = body.map(|b| b.to_string());
    let mut req = request(method, path, json_headers(Some(token)), text.as_deref());
    req.request_id = env.request_id();
    env.run(&req)
}

fn json_of(r: &Response) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

fn create(env: &Env, name: &str, password: &str) -> Response {
    let body = json!({"name": name, "data": {".dockerconfigjson": dcj(password)}});
    call(env, EDITOR, Method::Post, SECRETS, Some(body))
}

fn modify(env: &Env, name: &str, password: &str) -> Response {
    let body = json!({"data": {".dockerconfigjson": dcj(password)}});
    call(
        env,
        ADMIN,
        Method::Patch,
        &format!("{SECRETS}/{name}"),
        Some(body),
    )
}

fn pulled_password(env: &Env, name: &str) -> Option<String> {
    let r = call(
        env,
        PULLER,
        Method::Get,
        &format!("{SECRETS}/{name}/dockerconfigjson"),
        None,
    );
    (r.status == 200).then(|| {
        json_of(&r)["auths"]["r.io"]["password"]
            .as_str()
            .unwrap()
            .to_owned()
    })
}

fn versions(env: &Env, name: &str) -> Response {
    call(
        env,
        VIEWER,
        Method::Get,
        &format!("{SECRETS}/{name}/versions"),
        None,
    )
}

fn listed(r: &Response) -> Vec<u64> {
    json_of(r)["resources"]
        .as_array()
        .map(|a| a.iter().map(|v| v["version"].as_u64().unwrap()).collect())
        .unwrap_or_default()
}

fn keys_with(store: &MemoryStore, prefix: &str) -> Vec<String> {
    store
        .raw()
        .into_iter()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with(prefix))
        .collect()
}

#[test]
fn versions_list_who_wrote_what_and_restore_makes_a_new_one() {
    let (env, _, kv) = env(&[]);
    assert_eq!(create(&env, "app", "pw-1").status, 202);
    assert_eq!(modify(&env, "app", "pw-2").status, 202);
    assert_eq!(modify(&env, "app", "pw-3").status, 202);
    let r = versions(&env, "app");
    assert_eq!(r.status, 200);
    assert_eq!(listed(&r), vec![3, 2, 1]);
    let v = json_of(&r);
    assert_eq!(v["resources"][0]["current"], true);
    assert_eq!(v["resources"][1]["current"], false);
    assert_eq!(v["resources"][0]["createdBy"], "a");
    assert_eq!(v["resources"][2]["createdBy"], "e");
    assert_eq!(v["resources"][2]["registries"], json!(["r.io"]));
    let text = String::from_utf8_lossy(&r.body);
    assert!(
        !text.contains("pw-"),
        "versions show no credentials: {text}"
    );

    let stale = {
        let mut req = request(
            Method::Post,
            &format!("{SECRETS}/app/versions/1/restore"),
            json_headers(Some(EDITOR)),
            None,
        );
        req.headers.push(("if-match".into(), "\"2\"".into()));
        env.run(&req)
    };
    assert_eq!(stale.status, 412);
    let r = call(
        &env,
        EDITOR,
        Method::Post,
        &format!("{SECRETS}/app/versions/1/restore"),
        None,
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("etag"), Some("\"4\""));
    assert_eq!(pulled_password(&env, "app").as_deref(), Some("pw-1"));
    assert_eq!(listed(&versions(&env, "app")), vec![4, 3, 2, 1]);
    // KV holds only the live record; versions stay in the authority.
    assert!(keys_with(kv, "version:").is_empty());

    for (v, status) in [("9", 404), ("0", 400), ("x", 400)] {
        let r = call(
            &env,
            EDITOR,
            Method::Post,
            &format!("{SECRETS}/app/versions/{v}/restore"),
            None,
        );
        assert_eq!(r.status, status, "version {v}");
    }
    let r = call(
        &env,
        VIEWER,
        Method::Post,
        &format!("{SECRETS}/app/versions/1/restore"),
        None,
    );
    assert_eq!(r.status, 403);
    assert_eq!(versions(&env, "nothing").status, 404);
}

#[test]
fn only_the_configured_number_of_versions_is_kept() {
    let (env, authority, _) = env(&[("REGCRED_VERSIONS", "3")]);
    create(&env, "app", "pw-1");
    for i in 2..=6 {
        assert_eq!(modify(&env, "app", &format!("pw-{i}")).status, 202);
    }
    assert_eq!(listed(&versions(&env, "app")), vec![6, 5, 4]);
    assert_eq!(keys_with(authority, "version:").len(), 2);
    let r = call(
        &env,
        EDITOR,
        Method::Post,
        &format!("{SECRETS}/app/versions/3/restore"),
        None,
    );
    assert_eq!(r.status, 404);
    assert!(String::from_utf8_lossy(&r.body).contains("6, 5, 4"));
}

#[test]
fn delete_hides_undelete_brings_back_at_the_same_version() {
    let (env, authority, kv) = env(&[]);
    create(&env, "app", "pw-1");
    modify(&env, "app", "pw-2");
    let r = call(
        &env,
        EDITOR,
        Method::Delete,
        &format!("{SECRETS}/app"),
        None,
    );
    assert_eq!(r.status, 202);
    assert_eq!(
        json_of(&r)["message"],
        "Docker Registry Secret has been deleted"
    );
    assert_eq!(
        call(&env, VIEWER, Method::Get, &format!("{SECRETS}/app"), None).status,
        404
    );
    assert_eq!(pulled_password(&env, "app"), None);
    assert_eq!(
        json_of(&call(&env, VIEWER, Method::Get, SECRETS, None))["count"],
        0
    );
    assert!(keys_with(kv, "secret:").is_empty() && keys_with(kv, "deleted:").is_empty());

    let d = call(
        &env,
        VIEWER,
        Method::Get,
        &format!("{SECRETS}?deleted=true"),
        None,
    );
    let d = json_of(&d);
    assert_eq!(d["count"], 1);
    assert_eq!(d["resources"][0]["name"], "app");
    assert_eq!(d["resources"][0]["deletedAt"], support::NOW);
    assert_eq!(d["resources"][0]["purgeAfter"], "2026-12-23T00:00:00Z");
    let v = versions(&env, "app");
    assert_eq!(listed(&v), vec![2, 1]);
    assert_eq!(json_of(&v)["resources"][0]["deletedAt"], support::NOW);
    assert_eq!(json_of(&v)["resources"][0]["current"], false);
    let bad = call(
        &env,
        VIEWER,
        Method::Get,
        &format!("{SECRETS}?deleted=maybe"),
        None,
    );
    assert_eq!(bad.status, 400);

    assert_eq!(
        call(
            &env,
            VIEWER,
            Method::Post,
            &format!("{SECRETS}/app/undelete"),
            None
        )
        .status,
        403
    );
    let r = call(
        &env,
        EDITOR,
        Method::Post,
        &format!("{SECRETS}/app/undelete"),
        None,
    );
    assert_eq!(r.status, 202);
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert_eq!(pulled_password(&env, "app").as_deref(), Some("pw-2"));
    assert!(keys_with(authority, "deleted:").is_empty());
    assert_eq!(keys_with(kv, "secret:"), vec!["secret:app".to_owned()]);
    let again = call(
        &env,
        EDITOR,
        Method::Post,
        &format!("{SECRETS}/app/undelete"),
        None,
    );
    assert_eq!(again.status, 409);
    assert_eq!(
        call(
            &env,
            EDITOR,
            Method::Post,
            &format!("{SECRETS}/none/undelete"),
            None
        )
        .status,
        404
    );
}

#[test]
fn recreating_a_deleted_name_keeps_its_history_restorable() {
    let (env, _, _) = env(&[]);
    create(&env, "app", "old-1");
    modify(&env, "app", "old-2");
    call(
        &env,
        EDITOR,
        Method::Delete,
        &format!("{SECRETS}/app"),
        None,
    );
    let r = create(&env, "app", "new-1");
    assert_eq!(r.status, 202);
    // Numbers go on: an ETag of the old secret never matches the new one.
    assert_eq!(r.header("etag"), Some("\"3\""));
    let v = versions(&env, "app");
    assert_eq!(listed(&v), vec![3, 2, 1]);
    assert_eq!(json_of(&v)["resources"][1]["deletedAt"], support::NOW);
    let r = call(
        &env,
        EDITOR,
        Method::Post,
        &format!("{SECRETS}/app/versions/1/restore"),
        None,
    );
    assert_eq!(r.status, 202);
    assert_eq!(pulled_password(&env, "app").as_deref(), Some("old-1"));
    assert_eq!(
        json_of(&call(
            &env,
            VIEWER,
            Method::Get,
            &format!("{SECRETS}?deleted=true"),
            None
        ))["count"],
        0
    );
}

#[test]
fn retention_ends_undelete_and_the_old_history() {
    let (env, authority, _) = env(&[("REGCRED_RETENTION_DAYS", "30")]);
    create(&env, "app", "old-1");
    modify(&env, "app", "old-2");
    create(&env, "other", "o-1");
    call(
        &env,
        EDITOR,
        Method::Delete,
        &format!("{SECRETS}/app"),
        None,
    );
    call(
        &env,
        EDITOR,
        Method::Delete,
        &format!("{SECRETS}/other"),
        None,
    );
    *env.clock.borrow_mut() = "2026-12-23T00:00:01.000Z".into();
    assert_eq!(
        json_of(&call(
            &env,
            VIEWER,
            Method::Get,
            &format!("{SECRETS}?deleted=true"),
            None
        ))["count"],
        0
    );
    assert_eq!(
        call(
            &env,
            EDITOR,
            Method::Post,
            &format!("{SECRETS}/app/undelete"),
            None
        )
        .status,
        404
    );
    assert_eq!(versions(&env, "app").status, 404);
    // A create after retention starts over, and drops what was kept.
    let r = create(&env, "app", "new-1");
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert_eq!(listed(&versions(&env, "app")), vec![1]);
    assert!(keys_with(authority, "version:app/").is_empty());
    // The alarm's sweep drops the rest.
    assert_eq!(
        keys_with(authority, "deleted:"),
        vec!["deleted:other".to_owned()]
    );
    let policy = Policy {
        versions: 10,
        days: 30,
        now: Timestamp::parse("2026-12-23T00:00:01Z").unwrap(),
    };
    assert_eq!(pollster::block_on(sweep(&env.store, &policy)), Ok(1));
    assert!(keys_with(authority, "deleted:").is_empty());
}

#[test]
fn purge_drops_kept_records_for_good_and_needs_an_admin() {
    let (env, authority, _) = env(&[]);
    create(&env, "app", "pw-1");
    modify(&env, "app", "pw-2");
    let purge = |token| {
        call(
            &env,
            token,
            Method::Post,
            &format!("{SECRETS}/app/purge"),
            None,
        )
    };
    assert_eq!(purge(EDITOR).status, 403);
    // A live secret keeps its current version; older ones go.
    assert_eq!(purge(ADMIN).status, 202);
    assert_eq!(listed(&versions(&env, "app")), vec![2]);
    call(
        &env,
        EDITOR,
        Method::Delete,
        &format!("{SECRETS}/app"),
        None,
    );
    assert_eq!(purge(ADMIN).status, 202);
    assert_eq!(versions(&env, "app").status, 404);
    assert!(authority
        .raw()
        .iter()
        .all(|(k, _)| !k.contains("app") || k.starts_with("tomb:")));
    assert_eq!(purge(ADMIN).status, 404);
}

#[test]
fn a_scoped_editor_sees_no_deleted_secret_outside_its_scope() {
    let (env, _, _) = env(&[]);
    create(&env, "team-a-app", "a");
    create(&env, "other", "o");
    call(
        &env,
        EDITOR,
        Method::Delete,
        &format!("{SECRETS}/team-a-app"),
        None,
    );
    call(
        &env,
        EDITOR,
        Method::Delete,
        &format!("{SECRETS}/other"),
        None,
    );
    let made = call(
        &env,
        ADMIN,
        Method::Post,
        "/v2/admin/tokens",
        Some(json!({"label": "scoped", "role": "editor", "scope": ["team-a-*"]})),
    );
    let token = json_of(&made)["token"].as_str().unwrap().to_owned();
    let d = json_of(&call(
        &env,
        &token,
        Method::Get,
        &format!("{SECRETS}?deleted=true"),
        None,
    ));
    assert_eq!(d["count"], 1);
    assert_eq!(d["resources"][0]["name"], "team-a-app");
    for path in ["other/undelete", "other/versions"] {
        let method = if path.ends_with("versions") {
            Method::Get
        } else {
            Method::Post
        };
        assert_eq!(
            call(&env, &token, method, &format!("{SECRETS}/{path}"), None).status,
            404,
            "{path}"
        );
    }
    assert_eq!(
        call(
            &env,
            &token,
            Method::Post,
            &format!("{SECRETS}/team-a-app/undelete"),
            None
        )
        .status,
        202
    );
}

#[test]
fn undelete_counts_against_the_quota() {
    let (env, _, _) = env(&[("REGCRED_MAX_SECRETS", "1")]);
    create(&env, "a", "1");
    call(&env, EDITOR, Method::Delete, &format!("{SECRETS}/a"), None);
    assert_eq!(create(&env, "b", "2").status, 202);
    assert_eq!(
        call(
            &env,
            EDITOR,
            Method::Post,
            &format!("{SECRETS}/a/undelete"),
            None
        )
        .status,
        429
    );
}

/// A stored record, for comparing stores.
fn records(store: &MemoryStore) -> Vec<(String, Stored)> {
    store
        .raw()
        .into_iter()
        .filter(|(k, _)| {
            ["secret:", "deleted:", "version:"]
                .iter()
                .any(|p| k.starts_with(p))
        })
        .collect()
}

fn export_all(env: &Env, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut after = String::new();
    loop {
        let r = call(
            env,
            ADMIN,
            Method::Get,
            &format!("/v2/admin/backup?limit={limit}&after={after}"),
            None,
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let page = json_of(&r);
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(n) => after = n.to_owned(),
            None => return items,
        }
    }
}

fn restore(env: &Env, id: &str, items: &[Value], done: bool) -> Response {
    call(
        env,
        ADMIN,
        Method::Post,
        "/v2/admin/restore",
        Some(json!({"restoreId": id, "items": items, "done": done})),
    )
}

#[test]
fn a_backup_restores_into_an_empty_store_with_the_same_keys() {
    let (src, src_authority, _) = env(&[]);
    for (n, p) in [("a", "pa"), ("b", "pb"), ("c", "pc")] {
        create(&src, n, p);
    }
    modify(&src, "a", "pa-2");
    call(&src, EDITOR, Method::Delete, &format!("{SECRETS}/b"), None);
    assert_eq!(
        call(&src, EDITOR, Method::Get, "/v2/admin/backup", None).status,
        403
    );
    let items = export_all(&src, 2);
    assert_eq!(items.len(), 4, "a, c, deleted b, a's version 1");
    let text = serde_json::to_string(&items).unwrap();
    assert!(
        !text.contains("pa-2") && !text.contains("\"pb\""),
        "sealed only"
    );

    // Another keyring cannot open it: refused, and nothing written.
    let (other, other_authority, _) = env(&[("REGCRED_KEYS", &format!("k9:{}", "cd".repeat(32)))]);
    let r = restore(&other, "restore-0001", &items, true);
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    assert!(records(other_authority).is_empty());

    let (dst, dst_authority, dst_kv) = env(&[]);
    assert_eq!(
        restore(&dst, "restore-0001", &items[..2], false).status,
        200
    );
    // While it is under way, another restore is refused.
    assert_eq!(restore(&dst, "restore-0002", &items[2..], true).status, 409);
    let r = restore(&dst, "restore-0001", &items[2..], true);
    assert_eq!(r.status, 200);
    assert_eq!(json_of(&r), json!({"restored": 2, "done": true}));
    assert_eq!(records(dst_authority), records(src_authority));
    assert_eq!(
        keys_with(dst_kv, "secret:"),
        vec!["secret:a".to_owned(), "secret:c".to_owned()]
    );
    assert_eq!(pulled_password(&dst, "a").as_deref(), Some("pa-2"));
    assert_eq!(
        call(
            &dst,
            EDITOR,
            Method::Post,
            &format!("{SECRETS}/b/undelete"),
            None
        )
        .status,
        202
    );
    assert_eq!(pulled_password(&dst, "b").as_deref(), Some("pb"));
    assert_eq!(listed(&versions(&dst, "a")), vec![2, 1]);
    // Done: the store is not empty, so a new restore is refused.
    assert_eq!(restore(&dst, "restore-0003", &items, true).status, 409);
}

#[test]
fn a_restore_refuses_bad_records_and_writes_none() {
    let (src, _, _) = env(&[]);
    create(&src, "a", "pa");
    modify(&src, "a", "pa-2");
    let items = export_all(&src, 100);
    let (dst, authority, _) = env(&[]);
    let mut swapped = items.clone();
    // An older ciphertext under the live key does not open at its version.
    let old = swapped
        .iter()
        .find(|i| i["key"].as_str().unwrap().starts_with("version:"))
        .unwrap()["value"]
        .clone();
    swapped.iter_mut().find(|i| i["key"] == "secret:a").unwrap()["value"] = old;
    let mut wrong_key = items.clone();
    wrong_key[0]["key"] = json!("token:abc");
    let mut wrong_version = items.clone();
    let v = wrong_version
        .iter_mut()
        .find(|i| i["key"].as_str().unwrap().starts_with("version:"))
        .unwrap();
    v["key"] = json!("version:a/0000000007");
    for (case, bad) in [
        ("swapped", swapped),
        ("key", wrong_key),
        ("version", wrong_version),
    ] {
        let r = restore(&dst, "restore-0001", &bad, true);
        assert_eq!(r.status, 400, "{case}");
        assert!(records(authority).is_empty(), "{case}");
        assert!(
            authority.raw().iter().all(|(k, _)| k != "restoring:"),
            "{case}"
        );
    }
    assert_eq!(restore(&dst, "short", &items, true).status, 400);
}

#[test]
fn key_counts_and_rewrap_cover_kept_and_deleted_records() {
    let old = format!("k1:{}", "ab".repeat(32));
    let (env, authority, kv) = env(&[]);
    create(&env, "a", "pa");
    modify(&env, "a", "pa-2");
    create(&env, "b", "pb");
    call(&env, EDITOR, Method::Delete, &format!("{SECRETS}/b"), None);
    let rotated = TestEnv::new(
        WriteThrough::of(Room::Secret, authority, kv),
        &[("REGCRED_KEYS", &format!("k2:{},{old}", "cd".repeat(32)))],
    );
    let keys = json_of(&call(
        &rotated,
        ADMIN,
        Method::Get,
        "/v2/admin/encryptionKeys",
        None,
    ));
    assert_eq!(keys["toRewrap"], 3);
    assert_eq!(
        keys["keys"][1],
        json!({"id": "k1", "configured": true, "secrets": 1, "versions": 2})
    );
    let mut after = String::new();
    let mut rewrapped = 0;
    loop {
        let r = call(
            &rotated,
            ADMIN,
            Method::Post,
            &format!("/v2/admin/encryptionKeys/rewrap?limit=1&after={after}"),
            None,
        );
        let b = json_of(&r);
        rewrapped += b["rewrapped"].as_u64().unwrap();
        match b["next"].as_str() {
            Some(n) => after = n.to_owned(),
            None => break,
        }
    }
    assert_eq!(rewrapped, 3);
    // Only the new key is left: every kept version still restores.
    let only_new = TestEnv::new(
        WriteThrough::of(Room::Secret, authority, kv),
        &[("REGCRED_KEYS", &format!("k2:{}", "cd".repeat(32)))],
    );
    let keys = json_of(&call(
        &only_new,
        ADMIN,
        Method::Get,
        "/v2/admin/encryptionKeys",
        None,
    ));
    assert_eq!(keys["toRewrap"], 0);
    assert_eq!(
        call(
            &only_new,
            EDITOR,
            Method::Post,
            &format!("{SECRETS}/a/versions/1/restore"),
            None
        )
        .status,
        202
    );
    assert_eq!(pulled_password(&only_new, "a").as_deref(), Some("pa"));
    assert_eq!(
        call(
            &only_new,
            EDITOR,
            Method::Post,
            &format!("{SECRETS}/b/undelete"),
            None
        )
        .status,
        202
    );
    assert_eq!(pulled_password(&only_new, "b").as_deref(), Some("pb"));
}

#[test]
fn key_counts_split_live_from_kept() {
    let (env, _, _) = env(&[("REGCRED_VERSIONS", "4")]);
    create(&env, "app", "1");
    for p in ["2", "3"] {
        modify(&env, "app", p);
    }
    call(
        &env,
        EDITOR,
        Method::Post,
        &format!("{SECRETS}/app/versions/1/restore"),
        None,
    );
    modify(&env, "app", "5");
    create(&env, "gone", "g");
    call(
        &env,
        EDITOR,
        Method::Delete,
        &format!("{SECRETS}/gone"),
        None,
    );
    call(
        &env,
        EDITOR,
        Method::Post,
        &format!("{SECRETS}/gone/undelete"),
        None,
    );
    let keys = json_of(&call(
        &env,
        ADMIN,
        Method::Get,
        "/v2/admin/encryptionKeys",
        None,
    ));
    assert_eq!(
        keys["keys"][0],
        json!({"id": "k1", "configured": true, "secrets": 2, "versions": 3})
    );
}
