//! Native handler tests: the real routing, auth, validation, encryption and
//! paging code, with the in-memory store in place of Workers KV.

mod support;

use regcred_worker::http::{Method, Response};
use regcred_worker::store::MemoryStore;
use serde_json::{json, Value};
use shared::login::ProbeResponse;
use support::{json_headers, request, TestEnv, ADMIN, EDITOR, PULLER, SECRETS, VIEWER};

const PASSWORD: &str = "s3cr3t:pa\"ss\\wörd";

type Api = TestEnv<MemoryStore>;

fn api() -> Api {
    TestEnv::new(MemoryStore::default(), &[])
}

fn api_with_max(max: u64) -> Api {
    TestEnv::new(
        MemoryStore::default(),
        &[("REGCRED_MAX_SECRETS", &max.to_string())],
    )
}

struct Answer {
    status: u16,
    body: Value,
    raw: String,
    resp: Response,
}

impl TestEnv<MemoryStore> {
    fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<&str>) -> Answer {
        self.call_with(method, path, token, body, "application/json")
    }

    fn call_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
        content_type: &str,
    ) -> Answer {
        let mut headers = json_headers(token);
        headers[0].1 = content_type.to_owned();
        self.call_headers(method, path, headers, body)
    }

    fn call_headers(
        &self,
        method: Method,
        path: &str,
        headers: Vec<(String, String)>,
        body: Option<&str>,
    ) -> Answer {
        let mut req = request(method, path, headers, body);
        req.request_id = self.request_id();
        let resp = self.run(&req);
        let raw = String::from_utf8_lossy(&resp.body).into_owned();
        Answer {
            status: resp.status,
            body: serde_json::from_str(&raw).unwrap_or(Value::Null),
            raw,
            resp,
        }
    }

    fn create(&self, name: &str, server: &str, user: &str, password: &str) -> Answer {
        let dcj = json!({"auths": {server: {"username": user, "password": password}}}).to_string();
        let body = json!({"name": name, "data": {".dockerconfigjson": dcj}}).to_string();
        self.call(Method::Post, SECRETS, Some(EDITOR), Some(&body))
    }
}

fn code(a: &Answer) -> &str {
    a.body["error"]["code"].as_str().unwrap_or_default()
}

#[test]
fn create_get_list_modify_delete_round_trip() {
    let api = api();
    let a = api.create("team-a", "registry.example.com", "alice", PASSWORD);
    assert_eq!(
        (a.status, a.body["message"].as_str()),
        (202, Some("Secret has been created"))
    );
    assert_eq!(
        a.resp.header("location"),
        Some("/v2/admin/dockerRegistrySecrets/team-a")
    );

    let g = api.call(
        Method::Get,
        &format!("{SECRETS}/team-a"),
        Some(VIEWER),
        None,
    );
    assert_eq!(g.status, 200);
    assert_eq!(g.body["name"], "team-a");
    assert_eq!(g.body["registries"], json!(["registry.example.com"]));
    assert_eq!(g.body["createdAt"], "2026-11-23T00:00:00.000Z");
    assert!(!g.raw.contains("alice") || !g.raw.contains(PASSWORD));
    assert!(!g.raw.contains("s3cr3t"));

    let l = api.call(Method::Get, SECRETS, Some(VIEWER), None);
    assert_eq!(l.body["count"], 1);
    assert_eq!(l.body["resources"][0]["name"], "team-a");
    assert!(!l.raw.contains("s3cr3t"));

    let dcj = json!({"auths": {"docker.io": {"auth": "Ym9iOnB3"}}}).to_string();
    let patch = json!({"data": {".dockerconfigjson": dcj}}).to_string();
    let m = api.call_with(
        Method::Patch,
        &format!("{SECRETS}/team-a"),
        Some(EDITOR),
        Some(&patch),
        "application/merge-patch+json",
    );
    assert_eq!(m.status, 202, "{}", m.raw);
    assert_eq!(
        m.body,
        json!({"id": "team-a", "message": "Secret has been modified"})
    );
    let p = api.call(
        Method::Get,
        &format!("{SECRETS}/team-a/dockerconfigjson"),
        Some(PULLER),
        None,
    );
    assert_eq!(p.status, 200);
    assert_eq!(
        p.body["auths"]["https://index.docker.io/v1/"]["username"],
        "bob"
    );
    assert_eq!(p.resp.header("cache-control"), Some("no-store"));

    let d = api.call(
        Method::Delete,
        &format!("{SECRETS}/team-a"),
        Some(EDITOR),
        None,
    );
    assert_eq!(d.status, 202);
    assert_eq!(
        d.body,
        json!({"id": "team-a", "message": "Docker Registry Secret has been deleted"})
    );
    assert_eq!(
        api.call(
            Method::Get,
            &format!("{SECRETS}/team-a"),
            Some(VIEWER),
            None
        )
        .status,
        404
    );
}

/// One route and the status each caller gets.
struct RouteCase {
    method: Method,
    path: String,
    body: Option<String>,
    none: u16,
    unknown: u16,
    viewer: u16,
    editor: u16,
    puller: u16,
}

#[test]
fn every_route_by_every_role() {
    let api = api();
    api.create("s1", "r.io", "u", "p");
    let patch =
        json!({"data": {".dockerconfigjson": r#"{"auths":{"r.io":{"auth":"dTpw"}}}"#}}).to_string();
    let create = |n: &str| {
        json!({"name": n, "data": {".dockerconfigjson": r#"{"auths":{"r.io":{"auth":"dTpw"}}}"#}})
            .to_string()
    };
    let case = |method, path: &str, body: Option<String>, none, unknown, viewer, editor, puller| {
        RouteCase {
            method,
            path: path.to_owned(),
            body,
            none,
            unknown,
            viewer,
            editor,
            puller,
        }
    };
    let routes = [
        case(Method::Get, SECRETS, None, 401, 401, 200, 200, 403),
        case(
            Method::Get,
            &format!("{SECRETS}/s1"),
            None,
            401,
            401,
            200,
            200,
            403,
        ),
        case(
            Method::Get,
            "/v2/admin/resourceQuota/dockerRegistrySecrets",
            None,
            401,
            401,
            200,
            200,
            403,
        ),
        case(
            Method::Get,
            &format!("{SECRETS}/s1/dockerconfigjson"),
            None,
            401,
            401,
            403,
            403,
            200,
        ),
        case(
            Method::Patch,
            &format!("{SECRETS}/s1"),
            Some(patch.clone()),
            401,
            401,
            403,
            202,
            403,
        ),
        case(
            Method::Post,
            SECRETS,
            Some(create("s2")),
            401,
            401,
            403,
            202,
            403,
        ),
        case(
            Method::Delete,
            &format!("{SECRETS}/s2"),
            None,
            401,
            401,
            403,
            202,
            403,
        ),
        case(
            Method::Get,
            "/v2/admin/auditEvents",
            None,
            401,
            401,
            403,
            200,
            403,
        ),
        case(Method::Get, "/v2/session", None, 401, 401, 200, 200, 200),
        case(Method::Get, "/v2/health", None, 200, 200, 200, 200, 200),
        case(
            Method::Get,
            "/v2/openapi.json",
            None,
            200,
            200,
            200,
            200,
            200,
        ),
    ];
    for r in routes {
        let (method, path) = (r.method, &r.path);
        let callers = [
            ("none", None, r.none),
            ("unknown", Some("unknown-token-xxxxxxxx"), r.unknown),
            ("viewer", Some(VIEWER), r.viewer),
            ("editor", Some(EDITOR), r.editor),
            ("puller", Some(PULLER), r.puller),
        ];
        for (who, token, want) in callers {
            let a = api.call(method, path, token, r.body.as_deref());
            assert_eq!(a.status, want, "{method:?} {path} as {who}: {}", a.raw);
            if a.status == 401 {
                assert_eq!(code(&a), "Unauthorized");
                assert_eq!(
                    a.resp.header("www-authenticate"),
                    Some("Bearer realm=\"regcred\"")
                );
            }
            if a.status == 403 {
                assert_eq!(code(&a), "Forbidden");
                assert!(a.body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("needs the role"));
            }
        }
    }
}

#[test]
fn missing_and_unknown_tokens_look_the_same() {
    let api = api();
    let a = api.call(Method::Get, SECRETS, None, None);
    let b = api.call(Method::Get, SECRETS, Some("nope-nope-nope-nope"), None);
    let same = |x: &Answer| {
        let mut e = x.body["error"].clone();
        e["requestId"] = Value::Null;
        (x.status, e)
    };
    assert_eq!(same(&a), same(&b));
}

#[test]
fn bad_input_gets_a_code_a_message_and_a_target_and_changes_nothing() {
    let api = api();
    api.create("keep", "r.io", "u", "p");
    let secrets_only = || -> Vec<_> {
        api.store
            .raw()
            .into_iter()
            .filter(|(k, _)| k.starts_with("secret:"))
            .collect()
    };
    let before = secrets_only();
    let long = format!(
        r#"{{"name":"x","data":{{".dockerconfigjson":"{}"}}}}"#,
        "a".repeat(70_000)
    );
    let cases: Vec<(Method, &str, &str, &str, u16, &str, &str)> = vec![
        (
            Method::Post,
            SECRETS,
            "{not json",
            "application/json",
            400,
            "InvalidRequestBody",
            "body",
        ),
        (
            Method::Post,
            SECRETS,
            r#"{"name":"x"}"#,
            "application/json",
            400,
            "InvalidRequestBody",
            "data",
        ),
        (
            Method::Post,
            SECRETS,
            r#"{"name":"x","data":{".dockerconfigjson":"{}"},"more":1}"#,
            "application/json",
            400,
            "InvalidRequestBody",
            "more",
        ),
        (
            Method::Post,
            SECRETS,
            r#"{"name":"Bad_Name","data":{".dockerconfigjson":"{}"}}"#,
            "application/json",
            400,
            "InvalidSecretName",
            "name",
        ),
        (
            Method::Post,
            SECRETS,
            r#"{"name":"x","data":{".dockerconfigjson":"not json at all"}}"#,
            "application/json",
            400,
            "InvalidDockerConfigJson",
            "data..dockerconfigjson",
        ),
        (
            Method::Post,
            SECRETS,
            r#"{"name":"x","data":{".dockerconfigjson":"{\"auths\":{\"r.io\":{}}}"}}"#,
            "application/json",
            400,
            "InvalidDockerConfigJson",
            "data..dockerconfigjson.auths[\"r.io\"]",
        ),
        (
            Method::Post,
            SECRETS,
            &long,
            "application/json",
            413,
            "PayloadTooLarge",
            "body",
        ),
        (
            Method::Post,
            SECRETS,
            r#"{"name":"x"}"#,
            "text/plain",
            415,
            "UnsupportedMediaType",
            "Content-Type",
        ),
        (
            Method::Post,
            SECRETS,
            r#"{"name":"x"}"#,
            "",
            415,
            "UnsupportedMediaType",
            "Content-Type",
        ),
        (
            Method::Post,
            SECRETS,
            r#"{"name":"keep","data":{".dockerconfigjson":"{\"auths\":{\"r.io\":{\"auth\":\"dTpw\"}}}"}}"#,
            "application/json",
            409,
            "SecretAlreadyExists",
            "name",
        ),
        (
            Method::Patch,
            "/v2/admin/dockerRegistrySecrets/keep",
            r#"{"name":"other","data":{".dockerconfigjson":"{}"}}"#,
            "application/json",
            400,
            "NameIsImmutable",
            "name",
        ),
        (
            Method::Patch,
            "/v2/admin/dockerRegistrySecrets/missing",
            r#"{"data":{".dockerconfigjson":"{}"}}"#,
            "application/json",
            404,
            "NotFound",
            "dockerRegistryName",
        ),
        (
            Method::Get,
            "/v2/admin/dockerRegistrySecrets/UPPER",
            "",
            "",
            400,
            "InvalidSecretName",
            "dockerRegistryName",
        ),
        (
            Method::Get,
            "/v2/admin/dockerRegistrySecrets?$top=-1",
            "",
            "",
            400,
            "InvalidQueryParameter",
            "$top",
        ),
        (
            Method::Get,
            "/v2/admin/dockerRegistrySecrets?$skip=x",
            "",
            "",
            400,
            "InvalidQueryParameter",
            "$skip",
        ),
        (
            Method::Get,
            "/v2/admin/dockerRegistrySecrets?$count=yes",
            "",
            "",
            400,
            "InvalidQueryParameter",
            "$count",
        ),
        (
            Method::Delete,
            "/v2/admin/dockerRegistrySecrets/missing",
            "",
            "",
            404,
            "NotFound",
            "dockerRegistryName",
        ),
        (
            Method::Get,
            "/v2/nothing/here",
            "",
            "",
            404,
            "NotFound",
            "/v2/nothing/here",
        ),
        (
            Method::Post,
            "/v2/admin/resourceQuota/dockerRegistrySecrets",
            "",
            "",
            405,
            "MethodNotAllowed",
            "/v2/admin/resourceQuota/dockerRegistrySecrets",
        ),
    ];
    for (method, path, body, ct, status, want_code, target) in cases {
        let a = api.call_with(method, path, Some(EDITOR), Some(body), ct);
        assert_eq!(a.status, status, "{path} {body:.60}: {}", a.raw);
        assert_eq!(code(&a), want_code, "{path} {body:.60}");
        assert_eq!(a.body["error"]["target"], target, "{path} {body:.60}");
        let rid = a.resp.header("x-request-id").unwrap_or_default().to_owned();
        assert!(rid.starts_with("rid-"));
        assert_eq!(a.body["error"]["requestId"], rid.as_str());
        assert!(!a.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty());
    }
    assert_eq!(secrets_only(), before, "bad input changed a secret");
}

#[test]
fn stored_values_are_ciphertext_bound_to_the_name() {
    let api = api();
    api.create("one", "r.io", "alice", PASSWORD);
    api.create("two", "r.io", "bob", "other-password");
    let raw: Vec<_> = api
        .store
        .raw()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("audit:"))
        .collect();
    for (key, stored) in &raw {
        assert!(key.starts_with("secret:"));
        let all = format!("{}{:?}", stored.value, stored.metadata);
        assert!(
            !all.contains("s3cr3t") && !all.contains("alice") && !all.contains("other-password"),
            "{all}"
        );
    }
    // Copy "one"'s ciphertext under "two": it must not decrypt as "two".
    let one = raw
        .iter()
        .find(|(k, _)| k == "secret:one")
        .unwrap()
        .1
        .clone();
    api.store.insert_raw("secret:two", one);
    let p = api.call(
        Method::Get,
        "/v2/admin/dockerRegistrySecrets/two/dockerconfigjson",
        Some(PULLER),
        None,
    );
    assert_eq!(p.status, 500);
    assert!(!p.raw.contains("alice") && !p.raw.contains("s3cr3t"));
}

#[test]
fn paging_follows_sap_rules_across_kv_pages() {
    let api = api_with_max(5000);
    for i in 0..2503 {
        api.create(&format!("s{i:05}"), "r.io", "u", "p");
    }
    let list = |q: &str| {
        api.call(Method::Get, &format!("{SECRETS}{q}"), Some(VIEWER), None)
            .body
    };
    let names = |v: &Value| -> Vec<String> {
        v["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(list("?$top=0")["count"], 0);
    assert_eq!(list("?$top=0&$count=true")["count"], 2503);
    let page = list("?$top=3&$skip=999");
    assert_eq!(names(&page), ["s00999", "s01000", "s01001"]);
    assert_eq!(page["count"], 3);
    let deep = list("?$skip=2500&$count=true");
    assert_eq!(names(&deep), ["s02500", "s02501", "s02502"]);
    assert_eq!(deep["count"], 2503);
    assert_eq!(list("?$skip=9999")["count"], 0);
    assert_eq!(list("")["count"], 2503);

    // A page costs list calls only: one for a shallow page, one per 1000 skipped.
    api.store.reset_calls();
    list("?$top=50");
    let c = api.store.calls();
    assert_eq!((c.list, c.get), (1, 0));
    api.store.reset_calls();
    list("?$top=50&$skip=2450");
    assert_eq!((api.store.calls().list, api.store.calls().get), (3, 0));
}

#[test]
fn quota_is_enforced_and_reported() {
    let api = api_with_max(2);
    assert_eq!(api.create("a", "r.io", "u", "p").status, 202);
    assert_eq!(api.create("b", "r.io", "u", "p").status, 202);
    let c = api.create("c", "r.io", "u", "p");
    assert_eq!((c.status, code(&c)), (429, "QuotaExceeded"));
    let q = api.call(
        Method::Get,
        "/v2/admin/resourceQuota/dockerRegistrySecrets",
        Some(VIEWER),
        None,
    );
    assert_eq!(
        q.body,
        json!({"usage": {"count": 2}, "quota": {"maxCount": 2}})
    );
}

/// SAP's `quotaOnly=true`: the quota alone, and no KV list to count.
#[test]
fn quota_only_answers_the_quota_without_counting() {
    let api = api_with_max(7);
    assert_eq!(api.create("a", "r.io", "u", "p").status, 202);
    let quota = "/v2/admin/resourceQuota/dockerRegistrySecrets";
    for (query, want) in [
        ("?quotaOnly=true", json!({"quota": {"maxCount": 7}})),
        ("?quotaOnly=TRUE", json!({"quota": {"maxCount": 7}})),
        (
            "?quotaOnly=false",
            json!({"usage": {"count": 1}, "quota": {"maxCount": 7}}),
        ),
    ] {
        api.store.reset_calls();
        let q = api.call(Method::Get, &format!("{quota}{query}"), Some(VIEWER), None);
        assert_eq!((q.status, &q.body), (200, &want), "{query}");
        let counted = api.store.calls().list > 0;
        assert_eq!(counted, want.get("usage").is_some(), "{query}");
    }
    for bad in ["?quotaOnly=1", "?quotaOnly=", "?quotaOnly=yes"] {
        let q = api.call(Method::Get, &format!("{quota}{bad}"), Some(VIEWER), None);
        assert_eq!(
            (q.status, code(&q)),
            (400, "InvalidQueryParameter"),
            "{bad}"
        );
        assert_eq!(q.body["error"]["target"], "quotaOnly", "{bad}");
    }
}

#[test]
fn base64_values_and_warnings_are_accepted() {
    use base64::Engine;
    let api = api();
    let dcj = r#"{"auths":{"r.io":{"auth":"YTpi","username":"x","password":"y"}}}"#;
    let b64 = base64::engine::general_purpose::STANDARD.encode(dcj);
    let body = json!({"name": "b64", "data": {".dockerconfigjson": b64}}).to_string();
    let a = api.call(Method::Post, SECRETS, Some(EDITOR), Some(&body));
    assert_eq!(a.status, 202, "{}", a.raw);
    assert!(a.body["warnings"][0].as_str().unwrap().contains("disagree"));
    let p = api.call(
        Method::Get,
        &format!("{SECRETS}/b64/dockerconfigjson"),
        Some(PULLER),
        None,
    );
    assert_eq!(p.body["auths"]["r.io"]["username"], "a");
}

/// "big": 80 registries, more than KV's 1 KiB of metadata can list.
fn create_big(api: &Api) {
    let auths: serde_json::Map<String, Value> = (0..80)
        .map(|i| {
            (
                format!("registry-number-{i:03}.example.com"),
                json!({"auth": "dTpw"}),
            )
        })
        .collect();
    let dcj = json!({"auths": auths}).to_string();
    let body = json!({"name": "big", "data": {".dockerconfigjson": dcj}}).to_string();
    assert_eq!(
        api.call(Method::Post, SECRETS, Some(EDITOR), Some(&body))
            .status,
        202
    );
}

#[test]
fn many_registries_still_work() {
    let api = api();
    create_big(&api);
    let g = api.call(Method::Get, &format!("{SECRETS}/big"), Some(VIEWER), None);
    assert_eq!(g.body["registries"].as_array().unwrap().len(), 80);
    let l = api.call(Method::Get, SECRETS, Some(VIEWER), None);
    let shown = l.body["resources"][0]["registries"]
        .as_array()
        .unwrap()
        .len();
    assert!(shown > 0 && shown < 80);
}

#[test]
fn an_unconfigured_worker_tells_its_log_not_its_callers() {
    let mut api = api();
    api.config = regcred_worker::config::Config::from_env(|_| None);
    let why = api.config.as_ref().err().unwrap().clone();
    assert!(why.contains("REGCRED_TOKENS"), "{why}");
    for token in [None, Some(VIEWER)] {
        let a = api.call(Method::Get, SECRETS, token, None);
        assert_eq!(a.status, 500);
        let message = a.body["error"]["message"].as_str().unwrap();
        assert!(!message.contains("REGCRED_"), "{message}");
        assert!(message.contains("log"), "{message}");
    }
    assert_eq!(api.call(Method::Get, "/v2/health", None, None).status, 200);
}

#[test]
fn session_names_the_caller() {
    let api = api();
    let a = api.call(Method::Get, "/v2/session", Some(PULLER), None);
    assert_eq!(
        a.body,
        json!({"label": "p", "role": "puller", "via": "environmentToken"})
    );
}

fn answer(status: u16, headers: &[(&str, &str)]) -> ProbeResponse {
    ProbeResponse::Answer {
        status,
        headers: headers
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        body: String::new(),
    }
}

#[test]
fn login_check_runs_the_probe_for_each_registry_and_never_echoes_credentials() {
    let api = api();
    api.create("reg", "http://127.0.0.1:5000", "alice", PASSWORD);
    let api_hdr = ("docker-distribution-api-version", "registry/2.0");
    api.net.borrow_mut().answers = vec![
        answer(401, &[api_hdr, ("www-authenticate", "Basic realm=\"r\"")]),
        answer(401, &[api_hdr]),
    ];
    let a = api.call(
        Method::Post,
        &format!("{SECRETS}/reg/check"),
        Some(EDITOR),
        None,
    );
    assert_eq!(a.status, 200, "{}", a.raw);
    assert_eq!(a.body["results"][0]["result"], "credentialsRejected");
    assert!(!a.raw.contains("s3cr3t"));
    let sent = api.net.borrow().sent.clone();
    assert_eq!(sent[0].url, "http://127.0.0.1:5000/v2/");
    assert!(sent[1].headers[0].1.starts_with("Basic "));

    // Dry run with credentials not yet saved; viewers may not.
    api.net.borrow_mut().answers = vec![
        answer(401, &[api_hdr, ("www-authenticate", "Basic realm=\"r\"")]),
        answer(200, &[api_hdr]),
    ];
    let body = json!({"data": {".dockerconfigjson": json!({"auths": {"http://127.0.0.1:5000": {"username": "a", "password": "b"}}}).to_string()}}).to_string();
    let d = api.call(
        Method::Post,
        "/v2/admin/registryLoginChecks",
        Some(EDITOR),
        Some(&body),
    );
    assert_eq!(d.body["results"][0]["result"], "ok", "{}", d.raw);
    // A check's outcome in the trail is its result: failing checks can be found.
    let trail = api.call(
        Method::Get,
        "/v2/admin/auditEvents?secret=reg",
        Some(EDITOR),
        None,
    );
    let checks = |a: &Answer| -> Vec<String> {
        a.body["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "check")
            .map(|e| e["outcome"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(checks(&trail), ["credentialsRejected"], "{}", trail.raw);
    let all = api.call(Method::Get, "/v2/admin/auditEvents", Some(EDITOR), None);
    let mut outcomes = checks(&all);
    outcomes.sort();
    assert_eq!(outcomes, ["credentialsRejected", "success"], "{}", all.raw);
    assert_eq!(
        api.call(
            Method::Post,
            "/v2/admin/registryLoginChecks",
            Some(VIEWER),
            Some(&body)
        )
        .status,
        403
    );
    assert_eq!(
        api.call(
            Method::Post,
            &format!("{SECRETS}/missing/check"),
            Some(EDITOR),
            None
        )
        .status,
        404
    );
}

#[test]
fn expiry_is_stored_shown_filtered_and_patched() {
    let api = api();
    let dcj = json!({"auths": {"r.io": {"auth": "dTpw"}}}).to_string();
    let make = |name: &str, expires: Value| {
        let body = json!({"name": name, "data": {".dockerconfigjson": dcj}, "expiresAt": expires})
            .to_string();
        api.call(Method::Post, SECRETS, Some(EDITOR), Some(&body))
    };
    // "now" in these tests is 2026-11-23T00:00:00Z.
    assert_eq!(make("ecr-old", json!("2026-11-22T12:00:00Z")).status, 202);
    assert_eq!(make("ecr-soon", json!("2026-11-30")).status, 202);
    assert_eq!(
        make("robot-later", json!("2027-06-01T00:00:00+02:00")).status,
        202
    );
    assert_eq!(make("no-expiry", Value::Null).status, 202);
    let bad = make("bad-date", json!("next tuesday"));
    assert_eq!(
        (bad.status, bad.body["error"]["target"].as_str()),
        (400, Some("expiresAt"))
    );

    let g = api.call(
        Method::Get,
        &format!("{SECRETS}/robot-later"),
        Some(VIEWER),
        None,
    );
    assert_eq!(g.body["expiresAt"], "2027-05-31T22:00:00Z");
    assert_eq!(g.body["expiry"], "valid");
    let l = api.call(Method::Get, SECRETS, Some(VIEWER), None);
    let state = |n: &str| {
        l.body["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == n)
            .unwrap()["expiry"]
            .clone()
    };
    assert_eq!(state("ecr-old"), "expired");
    assert_eq!(state("ecr-soon"), "expiringSoon");
    assert_eq!(state("no-expiry"), Value::Null);

    let names = |q: &str| -> Vec<String> {
        let v = api
            .call(Method::Get, &format!("{SECRETS}{q}"), Some(VIEWER), None)
            .body;
        v["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names("?expiringWithinDays=14"), ["ecr-old", "ecr-soon"]);
    assert_eq!(names("?expiringWithinDays=0"), ["ecr-old"]);
    assert_eq!(names("?expiringWithinDays=14&$skip=1"), ["ecr-soon"]);

    // PATCH only the expiry: credentials stay; null clears it.
    let before = api
        .call(
            Method::Get,
            &format!("{SECRETS}/ecr-old/dockerconfigjson"),
            Some(PULLER),
            None,
        )
        .raw;
    let p = api.call(
        Method::Patch,
        &format!("{SECRETS}/ecr-old"),
        Some(EDITOR),
        Some(r#"{"expiresAt":"2027-01-01"}"#),
    );
    assert_eq!(p.status, 202, "{}", p.raw);
    assert_eq!(
        api.call(
            Method::Get,
            &format!("{SECRETS}/ecr-old"),
            Some(VIEWER),
            None
        )
        .body["expiry"],
        "valid"
    );
    assert_eq!(
        api.call(
            Method::Get,
            &format!("{SECRETS}/ecr-old/dockerconfigjson"),
            Some(PULLER),
            None
        )
        .raw,
        before
    );
    api.call(
        Method::Patch,
        &format!("{SECRETS}/ecr-old"),
        Some(EDITOR),
        Some(r#"{"expiresAt":null}"#),
    );
    assert_eq!(
        api.call(
            Method::Get,
            &format!("{SECRETS}/ecr-old"),
            Some(VIEWER),
            None
        )
        .body
        .get("expiresAt"),
        None
    );
    let nothing = api.call(
        Method::Patch,
        &format!("{SECRETS}/ecr-old"),
        Some(EDITOR),
        Some("{}"),
    );
    assert_eq!(nothing.status, 400);
}

#[test]
fn audit_trail_records_writes_pulls_and_refusals_without_secrets() {
    let api = api();
    api.create("audited", "r.io", "alice", PASSWORD);
    let patch =
        json!({"data": {".dockerconfigjson": r#"{"auths":{"r.io":{"auth":"dTpw"}}}"#}}).to_string();
    api.call(
        Method::Patch,
        &format!("{SECRETS}/audited"),
        Some(EDITOR),
        Some(&patch),
    );
    api.call(
        Method::Get,
        &format!("{SECRETS}/audited/dockerconfigjson"),
        Some(PULLER),
        None,
    );
    api.call(Method::Get, SECRETS, Some("wrong-token-0123456789"), None);
    api.call(
        Method::Delete,
        &format!("{SECRETS}/audited"),
        Some(VIEWER),
        None,
    );
    api.call(
        Method::Delete,
        &format!("{SECRETS}/audited"),
        Some(EDITOR),
        None,
    );
    api.call(Method::Get, SECRETS, Some(VIEWER), None); // reads are not recorded

    let a = api.call(Method::Get, "/v2/admin/auditEvents", Some(EDITOR), None);
    assert_eq!(a.status, 200, "{}", a.raw);
    let events = a.body["resources"].as_array().unwrap();
    let summary: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().into(),
                e["actor"].as_str().unwrap().into(),
                e["outcome"].as_str().unwrap().into(),
            )
        })
        .collect();
    // Same "now" for all, so the request id orders them; check the set.
    for want in [
        ("create", "e", "success"),
        ("modify", "e", "success"),
        ("pull", "p", "success"),
        ("authenticate", "unknown-token", "Unauthorized"),
        ("authorize", "v", "Forbidden"),
        ("delete", "e", "success"),
    ] {
        assert!(
            summary.contains(&(want.0.into(), want.1.into(), want.2.into())),
            "missing {want:?} in {summary:?}"
        );
    }
    assert_eq!(events.len(), 6);
    assert!(events
        .iter()
        .all(|e| e["requestId"].as_str().unwrap().starts_with("rid-")
            && e["time"] == "2026-11-23T00:00:00.000Z"));
    let all = serde_json::to_string(
        &api.store
            .raw()
            .iter()
            .filter(|(k, _)| k.starts_with("audit:"))
            .map(|(_, v)| v.value.clone())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    for secret in [
        "s3cr3t",
        "wrong-token-0123456789",
        EDITOR,
        PULLER,
        VIEWER,
        "alice",
    ] {
        assert!(
            !all.contains(secret) && !a.raw.contains(secret),
            "audit holds {secret}"
        );
    }
    let one = api.call(
        Method::Get,
        "/v2/admin/auditEvents?secret=audited&$top=2&$count=true",
        Some(EDITOR),
        None,
    );
    assert_eq!(one.body["resources"].as_array().unwrap().len(), 2);
    assert_eq!(one.body["count"], 5);
    assert_eq!(
        api.call(Method::Get, "/v2/admin/auditEvents", Some(VIEWER), None)
            .status,
        403
    );
}

#[test]
fn etag_if_match_and_if_none_match() {
    let api = api();
    let c = api.create("ver", "r.io", "u", "p");
    assert_eq!(c.resp.header("etag"), Some("\"1\""));
    let g = api.call(Method::Get, &format!("{SECRETS}/ver"), Some(VIEWER), None);
    assert_eq!(g.resp.header("etag"), Some("\"1\""));
    let patch =
        json!({"data": {".dockerconfigjson": r#"{"auths":{"r.io":{"auth":"dTpw"}}}"#}}).to_string();
    let with = |method: Method, header: &str, value: &str, body: Option<&str>| {
        let path = format!("{SECRETS}/ver");
        let mut req_headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        req_headers.push(("authorization".into(), format!("Bearer {EDITOR}")));
        req_headers.push((header.into(), value.into()));
        api.call_headers(method, &path, req_headers, body)
    };
    let ok = with(Method::Patch, "if-match", "\"1\"", Some(&patch));
    assert_eq!((ok.status, ok.resp.header("etag")), (202, Some("\"2\"")));
    let stale = with(Method::Patch, "if-match", "\"1\"", Some(&patch));
    assert_eq!(stale.status, 412);
    assert!(stale.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("version 2"));
    assert_eq!(
        with(Method::Delete, "if-match", "W/\"1\"", None).status,
        412
    );
    assert_eq!(
        with(Method::Patch, "if-match", "*", Some(&patch)).status,
        202
    );
    let body = json!({"name": "ver", "data": {".dockerconfigjson": r#"{"auths":{"r.io":{"auth":"dTpw"}}}"#}}).to_string();
    let mut h = vec![("content-type".to_owned(), "application/json".to_owned())];
    h.push(("authorization".into(), format!("Bearer {EDITOR}")));
    h.push(("if-none-match".into(), "*".into()));
    assert_eq!(
        api.call_headers(Method::Post, SECRETS, h, Some(&body))
            .status,
        412
    );
    assert_eq!(with(Method::Delete, "if-match", "\"3\"", None).status, 202);
}

/// The fetch handler forwards exactly these to an object, and only once
/// their token and role passed: a secret's writes and pulls by name to its
/// own object, what spans names to the directory; reads and pulls by
/// registry stay at the edge.
#[test]
fn each_request_is_served_where_the_table_says() {
    use regcred_worker::app::{admit, Gate};
    use regcred_worker::audit::Attempt;
    use regcred_worker::http::Method::*;
    use regcred_worker::ops::Serves::{self, Directory, Edge, Secret};
    let api = api();
    let s = SECRETS;
    let gate = |method: Method, path: &str, token: &str| -> Option<Serves> {
        let req = request(method, path, json_headers(Some(token)), None);
        // The gate borrows the context's settings, so it is read inside.
        api.with_ctx(
            |ctx| match pollster::block_on(admit(&req, ctx, &mut Attempt::of(&req))) {
                Gate::Admitted(a) => Some(a.serves()),
                Gate::Answer(r) => {
                    assert!(r.status >= 400, "{path}");
                    None
                }
            },
        )
    };
    for (method, path, serves) in [
        (Post, s.to_string(), Secret),
        (Post, format!("{s}/"), Secret),
        (Patch, format!("{s}/a"), Secret),
        (Delete, format!("{s}/a"), Secret),
        (Post, format!("{s}/a/undelete"), Secret),
        (Get, format!("{s}/a/versions"), Secret),
        (Get, s.to_string(), Edge),
        (Get, format!("{s}?deleted=true"), Directory),
        (Get, format!("{s}/a"), Edge),
        (Post, format!("{s}/a/check"), Secret),
        (Get, format!("{s}/a/checks"), Secret),
        (Get, "/v2/admin/health".to_string(), Edge),
        (Post, "/v2/admin/registryLoginChecks".to_string(), Edge),
    ] {
        assert_eq!(
            gate(method, &path, EDITOR),
            Some(serves),
            "{method:?} {path}"
        );
    }
    for (path, serves) in [
        (format!("{s}/a/dockerconfigjson"), Secret),
        // The index at the edge finds the secret; its object answers.
        (
            "/v2/admin/registryCredentials?registry=r.io".to_string(),
            Edge,
        ),
        ("/v2/admin/pullableRegistries".to_string(), Edge),
    ] {
        assert_eq!(gate(Get, &path, PULLER), Some(serves), "{path}");
    }
    for (method, path) in [
        (Get, "/v2/admin/backup"),
        (Post, "/v2/admin/restore"),
        (Get, "/v2/admin/encryptionKeys"),
        (Post, "/v2/admin/encryptionKeys/rewrap"),
    ] {
        assert_eq!(gate(method, path, ADMIN), Some(Directory), "{path}");
    }
    // Refused at the front door: nothing is forwarded.
    assert_eq!(gate(Post, s, "not-a-token-at-all"), None);
    assert_eq!(gate(Delete, &format!("{s}/a"), VIEWER), None);
    assert_eq!(gate(Post, &format!("{s}/a"), EDITOR), None);
    assert_eq!(gate(Delete, "/v2/admin/auditEvents", EDITOR), None);
    assert_eq!(gate(Get, &format!("{s}/a/dockerconfigjson"), EDITOR), None);
}

fn from_address(
    api: &Api,
    method: Method,
    path: &str,
    token: Option<&str>,
    address: &str,
) -> Answer {
    let mut h = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("cf-connecting-ip".to_owned(), address.to_owned()),
    ];
    if let Some(t) = token {
        h.push(("authorization".into(), format!("Bearer {t}")));
    }
    api.call_headers(method, path, h, None)
}

/// Failures only: past its budget an address gets 429 with Retry-After for
/// bad tokens, while a valid token from the same address still works.
#[test]
fn failed_authentications_are_limited_per_address_and_aggregated() {
    let api = api();
    let statuses: Vec<u16> = (0..25)
        .map(|i| {
            let token = (i % 2 == 0).then_some("wrong-token-0123456789");
            from_address(&api, Method::Get, SECRETS, token, "203.0.113.9").status
        })
        .collect();
    assert_eq!(statuses[..20], [401; 20]);
    assert_eq!(statuses[20..], [429; 5]);
    let refused = from_address(&api, Method::Post, SECRETS, None, "203.0.113.9");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.resp.header("retry-after"), Some("60"));
    assert_eq!(refused.body["error"]["code"], "TooManyFailedAttempts");
    let ok = from_address(&api, Method::Get, SECRETS, Some(VIEWER), "203.0.113.9");
    assert_eq!(
        ok.status, 200,
        "a valid token is never refused by the limit"
    );
    let other = from_address(&api, Method::Get, SECRETS, None, "198.51.100.7");
    assert_eq!(other.status, 401, "another address has its own budget");

    let a = api.call(Method::Get, "/v2/admin/auditEvents", Some(EDITOR), None);
    let events = a.body["resources"].as_array().unwrap();
    let of =
        |addr: &str| -> Vec<&Value> { events.iter().filter(|e| e["address"] == addr).collect() };
    let flood = of("203.0.113.9");
    assert_eq!(
        flood.len(),
        1,
        "one record per address and minute: {events:?}"
    );
    let n = flood[0]["count"].as_u64().unwrap();
    assert!((20..=26).contains(&n), "count {n}");
    assert_eq!(flood[0]["action"], "authenticate");
    assert_eq!(of("198.51.100.7")[0]["count"], 1);
    // Audit records expire.
    let key = api
        .store
        .raw()
        .into_iter()
        .find(|(k, _)| k.ends_with(":auth-203.0.113.9"))
        .unwrap()
        .0;
    assert_eq!(api.store.ttl(&key), Some(90 * 86_400));
}

/// No request over 64 KiB is served, whatever its method: an oversized
/// DELETE once went around the Durable Object.
#[test]
fn an_oversized_delete_is_413_and_deletes_nothing() {
    let api = api();
    assert_eq!(api.create("keep", "r.io", "u", "p").status, 202);
    let big = "x".repeat(70 * 1024);
    let a = api.call(
        Method::Delete,
        &format!("{SECRETS}/keep"),
        Some(EDITOR),
        Some(&big),
    );
    assert_eq!(a.status, 413, "{}", a.raw);
    assert_eq!(
        api.call(Method::Get, &format!("{SECRETS}/keep"), Some(VIEWER), None)
            .status,
        200
    );
}

const BY_REGISTRY: &str = "/v2/admin/registryCredentials";

impl TestEnv<MemoryStore> {
    fn resolve(&self, registry: &str) -> Answer {
        self.call(
            Method::Get,
            &format!("{BY_REGISTRY}?registry={registry}"),
            Some(PULLER),
            None,
        )
    }
}

#[test]
fn registry_credentials_resolve_by_host_whatever_the_spelling() {
    let api = api();
    api.create("hub", "docker.io", "bob", PASSWORD);
    api.create("local", "http://127.0.0.1:5000", "alice", "alice-pw");
    api.create("local-next", "127.0.0.1:5001", "carol", "carol-pw");
    for asked in [
        "https://index.docker.io/v1/",
        "docker.io",
        "registry-1.docker.io",
        "index.docker.io",
    ] {
        api.store.reset_calls();
        let a = api.resolve(asked);
        assert_eq!(a.status, 200, "{asked}: {}", a.raw);
        assert_eq!(
            a.body,
            json!({"registry": "https://index.docker.io/v1/", "secret": "hub",
                "username": "bob", "password": PASSWORD}),
            "{asked}"
        );
        assert_eq!(a.resp.header("cache-control"), Some("no-store"));
        // One list of metadata; only the secret that answers is read.
        let calls = api.store.calls();
        assert_eq!((calls.list, calls.get), (1, 1), "{asked}: {calls:?}");
    }
    for asked in [
        "127.0.0.1:5000",
        "http://127.0.0.1:5000/",
        "https://127.0.0.1:5000/v2",
    ] {
        let a = api.resolve(asked);
        assert_eq!(a.status, 200, "{asked}: {}", a.raw);
        assert_eq!(a.body["secret"], "local", "{asked}");
        assert_eq!(a.body["registry"], "http://127.0.0.1:5000", "{asked}");
        assert_eq!(
            (a.body["username"].as_str(), a.body["password"].as_str()),
            (Some("alice"), Some("alice-pw"))
        );
    }
    let next = api.resolve("127.0.0.1:5001");
    assert_eq!(
        (next.body["secret"].as_str(), next.body["username"].as_str()),
        (Some("local-next"), Some("carol"))
    );

    // Identity token and expiry travel with the credentials.
    let dcj =
        json!({"auths": {"ghcr.io": {"auth": "dTpw", "identitytoken": "id-tok"}}}).to_string();
    let body = json!({"name": "gh", "data": {".dockerconfigjson": dcj}, "expiresAt": "2027-01-01"})
        .to_string();
    assert_eq!(
        api.call(Method::Post, SECRETS, Some(EDITOR), Some(&body))
            .status,
        202
    );
    let gh = api.resolve("https://GHCR.io/team");
    assert_eq!(
        gh.body,
        json!({"registry": "ghcr.io", "secret": "gh", "username": "u", "password": "p",
            "identitytoken": "id-tok", "expiresAt": "2027-01-01T00:00:00Z"}),
        "{}",
        gh.raw
    );
}

#[test]
fn registry_credentials_for_an_unknown_registry_are_404() {
    let api = api();
    api.create("local", "127.0.0.1:5000", "alice", PASSWORD);
    for asked in ["ghcr.io", "127.0.0.1:5001", "127.0.0.1", "docker.io"] {
        let a = api.resolve(asked);
        assert_eq!(
            (a.status, code(&a)),
            (404, "NotFound"),
            "{asked}: {}",
            a.raw
        );
        assert_eq!(a.body["error"]["target"], "registry");
        let message = a.body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("no secret this token may read holds credentials for"),
            "{message}"
        );
        assert!(!a.raw.contains("s3cr3t") && !a.raw.contains("alice"));
    }
    assert!(api.resolve("ghcr.io").raw.contains("ghcr.io"));
    // No secrets at all.
    let empty = TestEnv::new(MemoryStore::default(), &[]);
    assert_eq!(empty.resolve("docker.io").status, 404);
}

#[test]
fn two_secrets_for_one_registry_are_409_naming_both_and_no_credentials() {
    let api = api();
    api.create(
        "ci-robot",
        "https://registry.example.com:5000",
        "robot",
        PASSWORD,
    );
    api.create(
        "team-a",
        "registry.example.com:5000/team-a",
        "alice",
        "alice-pw",
    );
    api.create("elsewhere", "registry.example.com", "carol", "carol-pw");
    let a = api.resolve("registry.example.com:5000");
    assert_eq!(
        (a.status, code(&a)),
        (409, "AmbiguousRegistry"),
        "{}",
        a.raw
    );
    let message = a.body["error"]["message"].as_str().unwrap();
    for want in [
        "\"ci-robot\"",
        "\"team-a\"",
        "regcred pin",
        "registry.example.com:5000",
    ] {
        assert!(message.contains(want), "{want} not in {message}");
    }
    assert!(!message.contains("elsewhere"), "{message}");
    assert_eq!(a.body["error"]["target"], "registry");
    assert_eq!(
        a.body["error"]["details"],
        json!([{"code": "CandidateSecret", "message": "ci-robot"},
            {"code": "CandidateSecret", "message": "team-a"}])
    );
    for secret in ["s3cr3t", "alice", "robot:", "alice-pw", "carol"] {
        assert!(!a.raw.contains(secret), "409 holds {secret}: {}", a.raw);
    }
    // The other host of the same name is not ambiguous.
    assert_eq!(
        api.resolve("registry.example.com").body["secret"],
        "elsewhere"
    );
}

#[test]
fn registry_credentials_are_for_pullers_only() {
    let api = api();
    api.create("hub", "docker.io", "bob", PASSWORD);
    let path = format!("{BY_REGISTRY}?registry=docker.io");
    for (who, token, want) in [
        ("none", None, 401),
        ("unknown", Some("unknown-token-xxxxxxxx"), 401),
        ("viewer", Some(VIEWER), 403),
        ("editor", Some(EDITOR), 403),
        ("puller", Some(PULLER), 200),
    ] {
        let a = api.call(Method::Get, &path, token, None);
        assert_eq!(a.status, want, "{who}: {}", a.raw);
        if want != 200 {
            assert!(!a.raw.contains("s3cr3t") && !a.raw.contains("bob"), "{who}");
        }
        if want == 403 {
            assert!(a.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("needs the role puller"));
        }
    }
    let post = api.call(Method::Post, &path, Some(PULLER), Some("{}"));
    assert_eq!(
        (post.status, post.resp.header("allow")),
        (405, Some("GET, HEAD"))
    );
}

/// Unknown methods are 405 with `Allow`, before any token; HEAD is GET.
#[test]
fn methods_a_route_does_not_take_are_405_with_allow() {
    let api = api();
    api.create("hub", "docker.io", "bob", PASSWORD);
    let secret = format!("{SECRETS}/hub");
    for (name, path, allow) in [
        ("QUERY", SECRETS, "GET, HEAD, POST"),
        ("OPTIONS", SECRETS, "GET, HEAD, POST"),
        ("PUT", secret.as_str(), "GET, HEAD, PATCH, DELETE"),
        ("get", secret.as_str(), "GET, HEAD, PATCH, DELETE"),
        ("QUERY", "/v2/health", "GET, HEAD"),
        ("OPTIONS", "/v2/admin/tokens/0123456789abcdef", "DELETE"),
    ] {
        let method = Method::parse(name);
        for token in [Some(EDITOR), None] {
            let a = api.call(method, path, token, None);
            assert_eq!(
                (a.status, code(&a)),
                (405, "MethodNotAllowed"),
                "{name} {path}"
            );
            assert_eq!(a.resp.header("allow"), Some(allow), "{name} {path}");
            assert!(!a.raw.contains("bob"), "{name} {path}");
        }
    }
    api.store.reset_calls();
    let head = api.call(Method::Head, &secret, Some(VIEWER), None);
    let get = api.call(Method::Get, &secret, Some(VIEWER), None);
    assert_eq!((head.status, get.status), (200, 200));
    assert_eq!(head.resp.header("etag"), get.resp.header("etag"));
    assert_eq!(
        head.body, get.body,
        "the runtime drops a HEAD answer's body"
    );
    // HEAD takes the same checks as GET.
    assert_eq!(api.call(Method::Head, &secret, None, None).status, 401);
    assert_eq!(
        api.call(
            Method::Head,
            &format!("{secret}/dockerconfigjson"),
            Some(VIEWER),
            None
        )
        .status,
        403
    );
}

#[test]
fn registry_credentials_need_a_registry_parameter() {
    let api = api();
    api.create("hub", "docker.io", "bob", PASSWORD);
    for path in [
        BY_REGISTRY.to_owned(),
        format!("{BY_REGISTRY}?registry="),
        format!("{BY_REGISTRY}?registry=ftp://x.io"),
        format!("{BY_REGISTRY}?registry=x.io:99999"),
        format!("{BY_REGISTRY}?registry=bad host"),
        format!("{BY_REGISTRY}?secret=hub"),
    ] {
        let a = api.call(Method::Get, &path, Some(PULLER), None);
        assert_eq!(
            (a.status, code(&a), a.body["error"]["target"].as_str()),
            (400, "InvalidQueryParameter", Some("registry")),
            "{path}: {}",
            a.raw
        );
        assert!(!a.raw.contains("s3cr3t"));
    }
}

#[test]
fn registry_credentials_reads_are_audited_with_the_secret_name() {
    let api = api();
    api.create("hub", "docker.io", "bob", PASSWORD);
    api.create("one", "r.io", "u", "p");
    api.create("two", "https://r.io", "u", "p");
    assert_eq!(api.resolve("docker.io").status, 200);
    assert_eq!(api.resolve("r.io").status, 409);
    assert_eq!(api.resolve("ghcr.io").status, 404);
    let a = api.call(Method::Get, "/v2/admin/auditEvents", Some(EDITOR), None);
    let pulls: Vec<(Value, Value, Value)> = a.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "pull")
        .map(|e| {
            (
                e["actor"].clone(),
                e["secret"].clone(),
                e["outcome"].clone(),
            )
        })
        .collect();
    for want in [
        (json!("p"), json!("hub"), json!("success")),
        (json!("p"), Value::Null, json!("AmbiguousRegistry")),
        (json!("p"), Value::Null, json!("NotFound")),
    ] {
        assert!(pulls.contains(&want), "missing {want:?} in {pulls:?}");
    }
    assert_eq!(pulls.len(), 3);
    assert!(!a.raw.contains("s3cr3t") && !a.raw.contains("bob"));
    let hub = api.call(
        Method::Get,
        "/v2/admin/auditEvents?secret=hub",
        Some(EDITOR),
        None,
    );
    let actions: Vec<&str> = hub.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert!(actions.contains(&"pull") && actions.contains(&"create"));
}

#[test]
fn registry_credentials_find_registries_the_metadata_could_not_hold() {
    let api = api();
    create_big(&api);
    api.create("small", "ghcr.io", "bob", PASSWORD);
    let meta = api
        .store
        .raw()
        .into_iter()
        .find(|(k, _)| k == "secret:big")
        .and_then(|(_, v)| v.metadata)
        .unwrap();
    assert!(meta["x"].as_u64().unwrap() > 0, "{meta}");
    let last = "registry-number-079.example.com";
    assert!(!meta["r"].as_array().unwrap().iter().any(|r| r == last));

    for asked in [last, "registry-number-000.example.com"] {
        let a = api.resolve(asked);
        assert_eq!(a.status, 200, "{asked}: {}", a.raw);
        assert_eq!(
            a.body,
            json!({"registry": asked, "secret": "big", "username": "u", "password": "p"})
        );
    }
    // The overflowed secret is opened to rule it out, and does not get in the way.
    let small = api.resolve("ghcr.io");
    assert_eq!(small.body["secret"], "small", "{}", small.raw);
    assert_eq!(api.resolve("registry-number-080.example.com").status, 404);
    // It counts as a candidate when another secret holds the same registry.
    api.create("dup", last, "u", "p");
    let both = api.resolve(last);
    assert_eq!(both.status, 409, "{}", both.raw);
    let message = both.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("\"big\"") && message.contains("\"dup\""),
        "{message}"
    );
}

/// `docker-credential-regcred list`: registries and usernames, never passwords.
#[test]
fn pullable_registries_name_users_never_passwords() {
    let api = api();
    api.create("one", "ghcr.io", "alice", PASSWORD);
    api.create("two", "127.0.0.1:5000", "bob", PASSWORD);
    let a = api.call(
        Method::Get,
        "/v2/admin/pullableRegistries",
        Some(PULLER),
        None,
    );
    assert_eq!(a.status, 200, "{}", a.raw);
    assert_eq!(a.body["count"], 2);
    let users: Vec<(&str, &str, &str)> = a.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["registry"].as_str().unwrap(),
                r["secret"].as_str().unwrap(),
                r["username"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        users,
        [
            ("ghcr.io", "one", "alice"),
            ("127.0.0.1:5000", "two", "bob")
        ]
    );
    assert!(!a.raw.contains("s3cr3t"));
    for token in [VIEWER, EDITOR] {
        let refused = api.call(
            Method::Get,
            "/v2/admin/pullableRegistries",
            Some(token),
            None,
        );
        assert_eq!(refused.status, 403);
    }
}

/// The puller route says when the credentials stop working.
#[test]
fn the_pull_route_carries_the_expiry() {
    let api = api();
    let dcj = json!({"auths": {"r.io": {"username": "u", "password": "p"}}}).to_string();
    let body =
        json!({"name": "exp", "data": {".dockerconfigjson": dcj}, "expiresAt": "2027-01-02"})
            .to_string();
    assert_eq!(
        api.call(Method::Post, SECRETS, Some(EDITOR), Some(&body))
            .status,
        202
    );
    let p = api.call(
        Method::Get,
        &format!("{SECRETS}/exp/dockerconfigjson"),
        Some(PULLER),
        None,
    );
    assert_eq!(p.resp.header("expires-at"), Some("2027-01-02T00:00:00Z"));
    api.create("forever", "r.io", "u", "p");
    let q = api.call(
        Method::Get,
        &format!("{SECRETS}/forever/dockerconfigjson"),
        Some(PULLER),
        None,
    );
    assert_eq!(q.resp.header("expires-at"), None);
}
