//! Managed tokens and scopes, natively: the real routing, auth and storage
//! code over the in-memory store.

mod support;

use regcred_worker::http::Method;
use regcred_worker::store::{MemoryStore, Store, Stored};
use serde_json::{json, Value};
use support::{json_headers, request, TestEnv, ADMIN, EDITOR, SECRETS, VIEWER};

type Api = TestEnv<MemoryStore>;

const TOKENS: &str = "/v2/admin/tokens";

fn api() -> Api {
    TestEnv::new(MemoryStore::default(), &[])
}

fn call(
    api: &Api,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, Value) {
    let mut req = request(method, path, json_headers(token), body);
    req.request_id = api.request_id();
    let resp = api.run(&req);
    let body = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    (resp.status, body)
}

fn create_secret(api: &Api, token: &str, name: &str, server: &str) -> (u16, Value) {
    let dcj = json!({"auths": {server: {"username": "u", "password": "pw-of-".to_owned() + name}}})
        .to_string();
    let body = json!({"name": name, "data": {".dockerconfigjson": dcj}}).to_string();
    call(api, Method::Post, SECRETS, Some(token), Some(&body))
}

/// Makes a managed token; answers it and its id.
fn make_token(api: &Api, body: Value) -> (String, String) {
    let (status, answer) = call(
        api,
        Method::Post,
        TOKENS,
        Some(ADMIN),
        Some(&body.to_string()),
    );
    assert_eq!(status, 201, "{answer}");
    (
        answer["token"].as_str().unwrap().to_owned(),
        answer["id"].as_str().unwrap().to_owned(),
    )
}

fn names(list: &Value) -> Vec<&str> {
    list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect()
}

#[test]
fn an_admin_makes_lists_and_revokes_tokens_and_storage_holds_only_digests() {
    let api = api();
    let (token, id) = make_token(
        &api,
        json!({"label": "ci runner", "role": "viewer", "expiresAt": "2027-01-01T00:00:00Z"}),
    );
    assert!(token.starts_with("rc_") && token.len() == 51, "{token}");
    assert_eq!(id.len(), 16);

    let (status, me) = call(&api, Method::Get, "/v2/session", Some(&token), None);
    assert_eq!(status, 200);
    assert_eq!(
        me,
        json!({"label": "ci runner", "role": "viewer", "via": "managedToken"})
    );

    let (status, list) = call(&api, Method::Get, TOKENS, Some(ADMIN), None);
    assert_eq!(status, 200);
    assert_eq!(list["count"], 1);
    let row = &list["resources"][0];
    assert_eq!(row["id"], id.as_str());
    assert_eq!(row["createdBy"], "a");
    assert_eq!(row["expiresAt"], "2027-01-01T00:00:00Z");
    // Used once just now: the hour of support::NOW.
    assert_eq!(row["lastUsed"], "2026-11-23T00:00:00Z");
    assert!(!list.to_string().contains(&token));
    for (key, stored) in api.store.raw() {
        assert!(
            !stored.value.contains(&token[3..]) && !key.contains(&token[3..]),
            "{key} holds the token"
        );
    }

    let (status, gone) = call(
        &api,
        Method::Delete,
        &format!("{TOKENS}/{id}"),
        Some(ADMIN),
        None,
    );
    assert_eq!(
        (status, gone["message"].as_str()),
        (202, Some("Token has been revoked"))
    );
    let (status, _) = call(&api, Method::Get, "/v2/session", Some(&token), None);
    assert_eq!(status, 401, "a revoked token stops at once");
    let (status, _) = call(
        &api,
        Method::Delete,
        &format!("{TOKENS}/{id}"),
        Some(ADMIN),
        None,
    );
    assert_eq!(status, 404);
    let (_, list) = call(&api, Method::Get, TOKENS, Some(ADMIN), None);
    assert_eq!(list["count"], 0);
    assert!(api.store.raw().iter().all(|(k, _)| !k.starts_with("token")));
}

#[test]
fn only_admins_manage_tokens_and_bad_requests_change_nothing() {
    let api = api();
    for t in [VIEWER, EDITOR] {
        let (status, _) = call(&api, Method::Get, TOKENS, Some(t), None);
        assert_eq!(status, 403);
        let body = json!({"label": "x", "role": "viewer"}).to_string();
        let (status, _) = call(&api, Method::Post, TOKENS, Some(t), Some(&body));
        assert_eq!(status, 403);
    }
    for (body, target) in [
        (json!({"label": "x", "role": "root"}), "role"),
        (
            json!({"label": "x", "role": "admin", "scope": ["a-*"]}),
            "scope",
        ),
        (
            json!({"label": "x", "role": "viewer", "expiresAt": "2020-01-01T00:00:00Z"}),
            "expiresAt",
        ),
        (json!({"label": "", "role": "viewer"}), "label"),
    ] {
        let (status, e) = call(
            &api,
            Method::Post,
            TOKENS,
            Some(ADMIN),
            Some(&body.to_string()),
        );
        assert_eq!(
            (status, e["error"]["target"].as_str()),
            (400, Some(target)),
            "{e}"
        );
    }
    let (status, _) = call(
        &api,
        Method::Delete,
        &format!("{TOKENS}/not-an-id"),
        Some(ADMIN),
        None,
    );
    assert_eq!(status, 404);
    assert!(api.store.raw().iter().all(|(k, _)| !k.starts_with("token")));
}

#[test]
fn an_expired_or_tampered_token_is_refused_like_an_unknown_one() {
    let api = api();
    let (token, id) = make_token(
        &api,
        json!({"label": "soon", "role": "viewer", "expiresAt": "2026-11-23T01:00:00Z"}),
    );
    assert_eq!(call(&api, Method::Get, SECRETS, Some(&token), None).0, 200);
    // An hour and a second later it has expired, cached or not.
    *api.clock.borrow_mut() = "2026-11-23T01:00:01.000Z".into();
    let (status, expired) = call(&api, Method::Get, SECRETS, Some(&token), None);
    let unknown_token = format!("rc_{}", "0".repeat(48));
    let (_, unknown) = call(&api, Method::Get, SECRETS, Some(&unknown_token), None);
    assert_eq!(status, 401);
    assert_eq!(expired["error"]["message"], unknown["error"]["message"]);

    // A record whose digest is not the token's (a 64-bit id collision) is no
    // match, once the isolate reads it again.
    let key = format!("token:{id}");
    let stored = api
        .store
        .raw()
        .into_iter()
        .find(|(k, _)| *k == key)
        .unwrap()
        .1;
    let mut record: Value = serde_json::from_str(&stored.value).unwrap();
    record["expiresAt"] = Value::Null;
    api.store.insert_raw(
        &key,
        Stored {
            value: record.to_string(),
            metadata: stored.metadata.clone(),
        },
    );
    *api.clock.borrow_mut() = "2026-11-23T01:00:03.000Z".into();
    assert_eq!(call(&api, Method::Get, SECRETS, Some(&token), None).0, 200);
    record["digest"] = json!("00".repeat(32));
    api.store.insert_raw(
        &key,
        Stored {
            value: record.to_string(),
            metadata: stored.metadata,
        },
    );
    *api.clock.borrow_mut() = "2026-11-23T01:00:05.000Z".into();
    assert_eq!(call(&api, Method::Get, SECRETS, Some(&token), None).0, 401);
}

#[test]
fn a_token_in_steady_use_is_read_once_a_second() {
    let api = api();
    let (token, _) = make_token(&api, json!({"label": "busy", "role": "viewer"}));
    api.store.reset_calls();
    for _ in 0..10 {
        assert_eq!(
            call(&api, Method::Get, "/v2/session", Some(&token), None).0,
            200
        );
    }
    // One read of the record, one write of the hour it was used in.
    assert_eq!((api.store.calls().get, api.store.calls().put), (1, 1));
    *api.clock.borrow_mut() = "2026-11-23T00:00:01.000Z".into();
    call(&api, Method::Get, "/v2/session", Some(&token), None);
    assert_eq!(api.store.calls().get, 2);
}

#[test]
fn an_unknown_token_sent_again_and_again_is_read_once_a_second() {
    let api = api();
    let unknown = format!("rc_{}", "7".repeat(48));
    api.store.reset_calls();
    for _ in 0..10 {
        assert_eq!(
            call(&api, Method::Get, SECRETS, Some(&unknown), None).0,
            401
        );
    }
    let reads_of_tokens = || api.store.calls().get;
    // The failed-sign-in tally reads its record once; the token one read.
    let first = reads_of_tokens();
    assert_eq!(first, 2, "reads for ten tries of one unknown token");
    *api.clock.borrow_mut() = "2026-11-23T00:00:01.000Z".into();
    assert_eq!(
        call(&api, Method::Get, SECRETS, Some(&unknown), None).0,
        401
    );
    assert_eq!(
        reads_of_tokens(),
        first + 1,
        "a second later it is read again"
    );

    // A token made meanwhile is never refused from that memory: it is
    // another digest.
    let (token, _) = make_token(&api, json!({"label": "new", "role": "viewer"}));
    assert_eq!(call(&api, Method::Get, SECRETS, Some(&token), None).0, 200);
}

#[test]
fn made_up_tokens_never_push_out_a_token_in_use() {
    let api = api();
    let (token, _) = make_token(&api, json!({"label": "busy", "role": "viewer"}));
    assert_eq!(call(&api, Method::Get, SECRETS, Some(&token), None).0, 200);
    // More made-up tokens than the isolate keeps, from one address.
    for i in 0..1_100u32 {
        let made_up = format!("rc_{i:048x}");
        call(&api, Method::Get, "/v2/session", Some(&made_up), None);
    }
    api.store.reset_calls();
    assert_eq!(call(&api, Method::Get, SECRETS, Some(&token), None).0, 200);
    let reads_of_the_token = api.store.calls().get;
    // The list reads no single key; the token's record would be the one get.
    assert_eq!(reads_of_the_token, 0, "the token in use was read again");
}

#[test]
fn a_scope_hides_everything_outside_it_on_every_route() {
    let api = api();
    for (name, server) in [
        ("team-a-web", "a.io"),
        ("team-a-db", "shared.io"),
        ("team-b-web", "shared.io"),
        ("other", "b.io"),
    ] {
        assert_eq!(create_secret(&api, EDITOR, name, server).0, 202);
    }
    let (editor, _) = make_token(
        &api,
        json!({"label": "team a", "role": "editor", "scope": ["team-a-*"]}),
    );
    let (puller, _) = make_token(
        &api,
        json!({"label": "a puller", "role": "puller", "scope": ["team-a-*"]}),
    );

    let (_, me) = call(&api, Method::Get, "/v2/session", Some(&editor), None);
    assert_eq!(me["scope"], json!(["team-a-*"]));

    let (_, list) = call(
        &api,
        Method::Get,
        &format!("{SECRETS}?$count=true"),
        Some(&editor),
        None,
    );
    assert_eq!(names(&list), ["team-a-db", "team-a-web"]);
    assert_eq!(list["count"], 2);
    let (_, list) = call(
        &api,
        Method::Get,
        &format!("{SECRETS}?$top=1&$count=true"),
        Some(&editor),
        None,
    );
    assert_eq!(
        (names(&list), &list["count"]),
        (vec!["team-a-db"], &json!(2))
    );
    let (_, quota) = call(
        &api,
        Method::Get,
        "/v2/admin/resourceQuota/dockerRegistrySecrets",
        Some(&editor),
        None,
    );
    assert_eq!(quota["usage"]["count"], 2);

    // Outside the scope is exactly like not existing.
    let (_, missing) = call(
        &api,
        Method::Get,
        &format!("{SECRETS}/nothing-here"),
        Some(&editor),
        None,
    );
    for (method, path, token) in [
        (Method::Get, format!("{SECRETS}/team-b-web"), &editor),
        (Method::Patch, format!("{SECRETS}/team-b-web"), &editor),
        (Method::Delete, format!("{SECRETS}/team-b-web"), &editor),
        (Method::Post, format!("{SECRETS}/team-b-web/check"), &editor),
        (
            Method::Get,
            format!("{SECRETS}/team-b-web/dockerconfigjson"),
            &puller,
        ),
    ] {
        let body = (method == Method::Patch).then(|| json!({"expiresAt": null}).to_string());
        let (status, e) = call(&api, method, &path, Some(token), body.as_deref());
        assert_eq!(status, 404, "{path}: {e}");
        assert_eq!(e["error"]["code"], missing["error"]["code"]);
        assert_eq!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .replace("team-b-web", "nothing-here"),
            missing["error"]["message"].as_str().unwrap()
        );
    }
    let (status, e) = create_secret(&api, &editor, "team-b-new", "x.io");
    assert_eq!(status, 403);
    let msg = e["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("team-a-*") && msg.contains("team-b-new"),
        "{msg}"
    );
    assert_eq!(create_secret(&api, &editor, "team-a-new", "x.io").0, 202);
    assert_eq!(
        call(
            &api,
            Method::Delete,
            &format!("{SECRETS}/team-a-new"),
            Some(&editor),
            None
        )
        .0,
        202
    );

    // By registry: the secret outside the scope is no candidate, so
    // shared.io is not ambiguous for this puller.
    let (status, creds) = call(
        &api,
        Method::Get,
        "/v2/admin/registryCredentials?registry=shared.io",
        Some(&puller),
        None,
    );
    assert_eq!(
        (status, creds["secret"].as_str()),
        (200, Some("team-a-db")),
        "{creds}"
    );
    let (status, _) = call(
        &api,
        Method::Get,
        "/v2/admin/registryCredentials?registry=b.io",
        Some(&puller),
        None,
    );
    assert_eq!(status, 404);
    let (_, pullable) = call(
        &api,
        Method::Get,
        "/v2/admin/pullableRegistries",
        Some(&puller),
        None,
    );
    let secrets: Vec<&str> = pullable["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["secret"].as_str().unwrap())
        .collect();
    assert_eq!(secrets, ["team-a-db", "team-a-web"]);

    // The audit trail shows a scoped caller only its own secrets.
    let (_, trail) = call(
        &api,
        Method::Get,
        "/v2/admin/auditEvents",
        Some(&editor),
        None,
    );
    let events = trail["resources"].as_array().unwrap();
    assert!(!events.is_empty());
    assert!(
        events.iter().all(|e| e["secret"]
            .as_str()
            .is_some_and(|s| s.starts_with("team-a-"))),
        "{trail}"
    );
}

#[test]
fn token_changes_are_in_the_audit_trail_without_the_token() {
    let api = api();
    let (token, id) = make_token(&api, json!({"label": "ci", "role": "puller"}));
    call(
        &api,
        Method::Delete,
        &format!("{TOKENS}/{id}"),
        Some(ADMIN),
        None,
    );
    let (_, trail) = call(
        &api,
        Method::Get,
        "/v2/admin/auditEvents",
        Some(ADMIN),
        None,
    );
    let actions: Vec<(&str, &str)> = trail["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["token"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    // One clock tick: the trail orders them by request id.
    assert_eq!(
        actions,
        [("token-create", id.as_str()), ("token-revoke", id.as_str())]
    );
    assert!(!trail.to_string().contains(&token));
}

#[test]
fn asking_who_one_is_without_credentials_is_not_a_failed_attempt() {
    let api = api();
    for _ in 0..30 {
        assert_eq!(call(&api, Method::Get, "/v2/session", None, None).0, 401);
    }
    // The address's failure budget is untouched.
    assert_eq!(
        call(
            &api,
            Method::Get,
            SECRETS,
            Some("wrong-token-000000000"),
            None
        )
        .0,
        401
    );
}

#[test]
fn an_access_identity_gets_the_role_its_mapping_gives() {
    let api = TestEnv::new(
        MemoryStore::default(),
        &[
            (
                "REGCRED_ACCESS_TEAM_DOMAIN",
                "https://team.cloudflareaccess.com",
            ),
            ("REGCRED_ACCESS_AUD", "aud-tag"),
            (
                "REGCRED_ACCESS_ROLES",
                "alice@example.com:admin,bob@example.com:editor:team-a-*",
            ),
        ],
    );
    if api.config.as_ref().is_ok_and(|c| c.access.is_none()) {
        // Access settings are not parsed in this build yet.
        return;
    }
    let jwt = |email: &str| {
        let mut h = json_headers(None);
        h.push(("cf-access-jwt-assertion".into(), format!("email:{email}")));
        h
    };
    let session = |email: &str| {
        let resp = api.run(&request(Method::Get, "/v2/session", jwt(email), None));
        (
            resp.status,
            serde_json::from_slice::<Value>(&resp.body).unwrap_or(Value::Null),
        )
    };
    assert_eq!(
        session("alice@example.com"),
        (
            200,
            json!({"label": "alice@example.com", "role": "admin", "via": "access"})
        )
    );
    let (status, bob) = session("bob@example.com");
    assert_eq!((status, &bob["scope"]), (200, &json!(["team-a-*"])));
    assert_eq!(session("carol@other.org").0, 403);
    let resp = api.run(&request(
        Method::Get,
        "/v2/session",
        {
            let mut h = json_headers(None);
            h.push(("cf-access-jwt-assertion".into(), "garbage".into()));
            h
        },
        None,
    ));
    assert_eq!(resp.status, 401);
    // A bearer token wins over the Access header.
    let mut h = jwt("alice@example.com");
    h.push(("authorization".into(), format!("Bearer {VIEWER}")));
    let resp = api.run(&request(Method::Get, "/v2/session", h, None));
    let me: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(me["role"], "viewer");
}

#[test]
fn token_records_never_enter_the_durable_objects_storage() {
    use regcred_worker::writethrough::WriteThrough;
    let (authority, kv) = (MemoryStore::default(), MemoryStore::default());
    let wt = WriteThrough::new(&authority, &kv);
    pollster::block_on(async {
        kv.put("token:0123456789abcdef", "{}", &Value::Null)
            .await
            .unwrap();
        assert!(wt.get("token:0123456789abcdef").await.unwrap().is_some());
        wt.put("tokenused:0123456789abcdef", "h", &Value::Null)
            .await
            .unwrap();
        assert!(authority.raw().is_empty(), "adopted: {:?}", authority.raw());
        wt.delete("token:0123456789abcdef").await.unwrap();
        assert!(wt.get("token:0123456789abcdef").await.unwrap().is_none());
    });
}
