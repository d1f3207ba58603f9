//! A registry whose host name does not resolve is `unreachable` ("the host
//! name does not resolve"), not `tlsFailed` with "fix the certificate"
//! (issue 21, item 6). The scripted network answers with what the runtimes
//! say, classified by the same `shared::fetch_failure` the edge calls: no
//! name is ever resolved.

mod support;

use regcred_worker::http::Method;
use regcred_worker::store::MemoryStore;
use serde_json::{json, Value};
use shared::fetch_failure::{from_runtime, wants_tcp_check};
use shared::login::ProbeResponse;
use support::{json_headers, request, TestEnv, EDITOR};

/// What workerd throws for a name that does not resolve and for a failed
/// TLS handshake alike.
const WORKERD: &str = "internal error; reference = 3kpq0mb5ua8sl9bqs5ed4tjc";

/// The runtime's words for a fetch of `url`, as the edge turns them into a
/// failure (with the TCP check's outcome when the words ask for one).
fn runtime_says(url: &str, text: &str, tcp_opened: bool) -> ProbeResponse {
    let tcp = wants_tcp_check(text).then_some(tcp_opened);
    ProbeResponse::Failed(from_runtime(url, text, tcp, false))
}

fn check(env: &TestEnv<MemoryStore>, registry: &str) -> Value {
    let auths = json!({ registry: {"username": "alice", "password": "pw-dns-test"} });
    let body = json!({"data": {".dockerconfigjson": json!({"auths": auths}).to_string()}});
    let resp = env.run(&request(
        Method::Post,
        "/v2/admin/registryLoginChecks",
        json_headers(Some(EDITOR)),
        Some(&body.to_string()),
    ));
    let raw = String::from_utf8(resp.body).unwrap();
    assert_eq!(resp.status, 200, "{raw}");
    let v: Value = serde_json::from_str(&raw).unwrap();
    v["results"][0].clone()
}

fn checked(registry: &str, answer: ProbeResponse) -> Value {
    let env = TestEnv::new(MemoryStore::default(), &[]);
    env.net.borrow_mut().answers = vec![answer];
    let result = check(&env, registry);
    assert_eq!(env.net.borrow().sent.len(), 1, "one request: {result}");
    result
}

#[test]
fn workerds_internal_error_for_a_name_that_does_not_resolve_is_unreachable() {
    let url = "https://regsitry.example.com/v2/";
    let r = checked("regsitry.example.com", runtime_says(url, WORKERD, false));
    assert_eq!(r["result"], "unreachable", "{r}");
    let message = r["message"].as_str().unwrap();
    assert!(
        message.contains("the host name regsitry.example.com does not resolve"),
        "{message}"
    );
    assert!(!message.contains("certificate"), "{message}");
}

#[test]
fn the_same_words_from_a_host_that_accepts_connections_are_a_tls_failure() {
    let url = "https://registry.example.com/v2/";
    let r = checked("registry.example.com", runtime_says(url, WORKERD, true));
    assert_eq!(r["result"], "tlsFailed", "{r}");
    assert!(
        r["message"].as_str().unwrap().contains("certificate"),
        "{r}"
    );
}

#[test]
fn dns_failures_named_by_the_runtime_or_by_cloudflare() {
    for text in [
        "DNS lookup failed.; params.host = regsitry.example.com; gai_strerror(status) = Name or service not known",
        "getaddrinfo ENOTFOUND regsitry.example.com",
    ] {
        let r = checked(
            "regsitry.example.com",
            runtime_says("https://regsitry.example.com/v2/", text, true),
        );
        assert_eq!(r["result"], "unreachable", "{text}: {r}");
        assert!(r["message"].as_str().unwrap().contains("does not resolve"), "{r}");
    }
    // Cloudflare's edge answers 530 with error 1016.
    let r = checked(
        "regsitry.example.com",
        ProbeResponse::Answer {
            status: 530,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: "error code: 1016".into(),
        },
    );
    assert_eq!(r["result"], "unreachable", "{r}");
    assert!(
        r["message"].as_str().unwrap().contains("does not resolve"),
        "{r}"
    );
}
