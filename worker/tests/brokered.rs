//! Brokered secrets through the whole app (native): a source is sealed and
//! shown without its key, a pull mints once and then hands out the kept
//! credential until half its life is gone, a refused mint is a 502 that
//! changes nothing, and every mint is an audit event. The clouds' real
//! protocols are checked in workerd against moto, Authlib and the Azure
//! stand-in (tests/e2e/mint-*.test.mjs).

mod support;

use regcred_worker::http::Method;
use regcred_worker::store::MemoryStore;
use serde_json::{json, Value};
use shared::login::ProbeResponse;
use support::{json_headers, request, TestEnv, ADMIN, EDITOR, PULLER, SECRETS, VIEWER};

const KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGISTRY: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

type Env = TestEnv<MemoryStore>;

fn env() -> Env {
    TestEnv::new(
        MemoryStore::default(),
        &[("REGCRED_ALLOW_HTTP_LOOPBACK", "true")],
    )
}

fn call(env: &Env, method: Method, path: &str, token: &str, body: Option<&str>) -> (u16, Value) {
    let mut req = request(method, path, json_headers(Some(token)), body);
    req.request_id = env.request_id();
    let resp = env.run(&req);
    let body = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    (resp.status, body)
}

fn ecr_source() -> Value {
    json!({"type": "awsEcr", "region": "us-east-1", "accessKeyId": "AKIDEXAMPLE",
        "secretAccessKey": KEY, "registryId": "123456789012",
        "endpoint": "http://127.0.0.1:5001"})
}

/// ECR's answer: `AWS:<password>`, running out `expires` (epoch seconds).
fn ecr_answer(password: &str, expires: i64) -> ProbeResponse {
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("AWS:{password}"));
    ProbeResponse::Answer {
        status: 200,
        headers: Vec::new(),
        body: json!({"authorizationData": [{"authorizationToken": token,
            "expiresAt": expires, "proxyEndpoint": format!("https://{REGISTRY}")}]})
        .to_string(),
    }
}

fn create(env: &Env) {
    let body = json!({"name": "ecr", "source": ecr_source()}).to_string();
    let (status, answer) = call(env, Method::Post, SECRETS, EDITOR, Some(&body));
    assert_eq!(status, 202, "{answer}");
}

const NOW_S: i64 = support::NOW_MS / 1000;

#[test]
fn a_source_is_shown_by_its_identifiers_never_its_key() {
    let env = env();
    create(&env);
    assert!(env.net.borrow().sent.is_empty(), "a create never mints");
    let (status, got) = call(&env, Method::Get, &format!("{SECRETS}/ecr"), VIEWER, None);
    assert_eq!(status, 200);
    assert_eq!(got["registries"], json!([REGISTRY]));
    assert_eq!(got["source"]["type"], "awsEcr");
    assert_eq!(got["source"]["accessKeyId"], "AKIDEXAMPLE");
    assert_eq!(got["source"]["region"], "us-east-1");
    let (_, list) = call(&env, Method::Get, SECRETS, VIEWER, None);
    assert_eq!(list["resources"][0]["source"]["type"], "awsEcr");
    for text in [got.to_string(), list.to_string()] {
        assert!(!text.contains(KEY), "{text}");
    }
}

#[test]
fn a_pull_mints_once_then_hands_out_the_kept_credential() {
    let env = env();
    create(&env);
    env.net
        .borrow_mut()
        .answers
        .push(ecr_answer("first", NOW_S + 12 * 3600));
    let pull = format!("{SECRETS}/ecr/dockerconfigjson");
    let mut req = request(Method::Get, &pull, json_headers(Some(PULLER)), None);
    req.request_id = env.request_id();
    let resp = env.run(&req);
    assert_eq!(resp.status, 200);
    let doc: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(doc["auths"][REGISTRY]["username"], "AWS");
    assert_eq!(doc["auths"][REGISTRY]["password"], "first");
    assert_eq!(resp.header("expires-at"), Some("2026-11-23T12:00:00Z"));
    assert_eq!(env.net.borrow().sent.len(), 1);

    // Kept: the next pulls, by name and by registry, send nothing.
    let (status, doc) = call(&env, Method::Get, &pull, PULLER, None);
    assert_eq!(
        (status, doc["auths"][REGISTRY]["password"].clone()),
        (200, json!("first"))
    );
    let by_registry = format!("/v2/admin/registryCredentials?registry={REGISTRY}");
    let (status, creds) = call(&env, Method::Get, &by_registry, PULLER, None);
    assert_eq!(status, 200, "{creds}");
    assert_eq!(creds["password"], "first");
    assert_eq!(creds["expiresAt"], "2026-11-23T12:00:00Z");
    assert_eq!(env.net.borrow().sent.len(), 1);

    // Get shows when the kept credential was minted and runs out.
    let (_, got) = call(&env, Method::Get, &format!("{SECRETS}/ecr"), VIEWER, None);
    assert_eq!(got["source"]["mintedUntil"], "2026-11-23T12:00:00Z");
    assert_eq!(got["source"]["mintedAt"], "2026-11-23T00:00:00Z");

    // Past half its life, the next pull mints again.
    *env.clock.borrow_mut() = "2026-11-23T06:00:01.000Z".into();
    env.net
        .borrow_mut()
        .answers
        .push(ecr_answer("second", NOW_S + 18 * 3600));
    let (status, doc) = call(&env, Method::Get, &pull, PULLER, None);
    assert_eq!(
        (status, doc["auths"][REGISTRY]["password"].clone()),
        (200, json!("second"))
    );
    assert_eq!(env.net.borrow().sent.len(), 2);

    let (_, audit) = call(&env, Method::Get, "/v2/admin/auditEvents", ADMIN, None);
    let mints: Vec<&Value> = audit["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "mint")
        .collect();
    assert_eq!(mints.len(), 2, "{audit}");
    assert_eq!(mints[0]["provider"], "awsEcr");
    assert_eq!(mints[0]["kept"], true);
    assert_eq!(mints[0]["outcome"], "success");
    assert!(
        !audit.to_string().contains("second"),
        "no credential in the trail"
    );
}

#[test]
fn an_expired_credential_is_handed_out_but_not_kept() {
    let env = env();
    create(&env);
    // moto states 2015.
    env.net
        .borrow_mut()
        .answers
        .push(ecr_answer("old", 1_420_070_400));
    env.net
        .borrow_mut()
        .answers
        .push(ecr_answer("old2", 1_420_070_400));
    let pull = format!("{SECRETS}/ecr/dockerconfigjson");
    for _ in 0..2 {
        let (status, _) = call(&env, Method::Get, &pull, PULLER, None);
        assert_eq!(status, 200);
    }
    assert_eq!(env.net.borrow().sent.len(), 2, "not kept: each pull mints");
    let (_, audit) = call(&env, Method::Get, "/v2/admin/auditEvents", ADMIN, None);
    assert!(audit["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "mint" && e["kept"] == false));
}

#[test]
fn a_refused_mint_is_a_502_naming_the_provider_and_changes_nothing() {
    let env = env();
    create(&env);
    env.net.borrow_mut().answers.push(ProbeResponse::Answer {
        status: 403,
        headers: Vec::new(),
        body: r#"{"__type":"InvalidClientTokenId","message":"The security token included in the request is invalid."}"#.into(),
    });
    let (status, got) = call(
        &env,
        Method::Get,
        &format!("{SECRETS}/ecr/dockerconfigjson"),
        PULLER,
        None,
    );
    assert_eq!(status, 502);
    assert_eq!(got["error"]["code"], "MintFailed");
    let message = got["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Amazon ECR") && message.contains("InvalidClientTokenId"),
        "{message}"
    );
    assert!(!got.to_string().contains(KEY));
    let (_, after) = call(&env, Method::Get, &format!("{SECRETS}/ecr"), VIEWER, None);
    assert!(after["source"].get("mintedAt").is_none());
}

#[test]
fn a_patch_replaces_the_source_and_the_kept_credential_goes_with_it() {
    let env = env();
    create(&env);
    env.net
        .borrow_mut()
        .answers
        .push(ecr_answer("first", NOW_S + 12 * 3600));
    let pull = format!("{SECRETS}/ecr/dockerconfigjson");
    assert_eq!(call(&env, Method::Get, &pull, PULLER, None).0, 200);
    let mut rotated = ecr_source();
    rotated["accessKeyId"] = json!("AKIDROTATED");
    let body = json!({"source": rotated}).to_string();
    let (status, answer) = call(
        &env,
        Method::Patch,
        &format!("{SECRETS}/ecr"),
        EDITOR,
        Some(&body),
    );
    assert_eq!(status, 202, "{answer}");
    let (_, got) = call(&env, Method::Get, &format!("{SECRETS}/ecr"), VIEWER, None);
    assert_eq!(got["source"]["accessKeyId"], "AKIDROTATED");
    env.net
        .borrow_mut()
        .answers
        .push(ecr_answer("rotated", NOW_S + 12 * 3600));
    let (_, doc) = call(&env, Method::Get, &pull, PULLER, None);
    assert_eq!(doc["auths"][REGISTRY]["password"], "rotated");
    // An entry edit has nothing to edit on a source.
    let body = json!({"entry": {"password": "x"}}).to_string();
    let (status, answer) = call(
        &env,
        Method::Patch,
        &format!("{SECRETS}/ecr"),
        EDITOR,
        Some(&body),
    );
    assert_eq!(
        (status, answer["error"]["target"].clone()),
        (400, json!("entry"))
    );
}

#[test]
fn hosts_outside_the_cloud_are_refused_at_create_and_nothing_is_fetched() {
    let env = TestEnv::new(MemoryStore::default(), &[]);
    let mut source = ecr_source();
    source["endpoint"] = json!("https://attacker.example/");
    let body = json!({"name": "ecr", "source": source}).to_string();
    let (status, answer) = call(&env, Method::Post, SECRETS, EDITOR, Some(&body));
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["target"], "source.endpoint");
    let both = json!({"name": "ecr", "source": ecr_source(),
        "data": {".dockerconfigjson": "{}"}})
    .to_string();
    assert_eq!(
        call(&env, Method::Post, SECRETS, EDITOR, Some(&both)).0,
        400
    );
    assert!(env.net.borrow().sent.is_empty());
    let (_, list) = call(&env, Method::Get, SECRETS, VIEWER, None);
    assert_eq!(list["count"], 0);
}
