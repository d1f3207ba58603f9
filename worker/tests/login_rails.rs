//! The login check's rails on the real handler, natively: refused addresses
//! never reach `fetch` (the scripted network records every request, and
//! would answer "ok" if asked), realms and redirects get no credentials,
//! the registry and time limits hold. No test here sends traffic anywhere
//! or resolves a name.

mod support;

use regcred_worker::http::Method;
use regcred_worker::store::MemoryStore;
use serde_json::{json, Value};
use shared::login::{
    Failure, FailureKind, ProbeResponse, CHECK_BUDGET_MS, MAX_REGISTRIES_PER_CHECK,
};
use support::{json_headers, request, TestEnv, EDITOR, NOW_MS};

const PASSWORD: &str = "rails-s3cr3t:pw";
const API: (&str, &str) = ("docker-distribution-api-version", "registry/2.0");

fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> ProbeResponse {
    ProbeResponse::Answer {
        status,
        headers: headers
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        body: body.into(),
    }
}

fn failed(kind: FailureKind, detail: &str) -> ProbeResponse {
    ProbeResponse::Failed(Failure::new(kind, detail))
}

/// A dry-run check of these registries (each with the same credentials);
/// the results, and the raw answer for credential checks.
fn check(env: &TestEnv<MemoryStore>, registries: &[&str]) -> (Vec<Value>, String) {
    let auths: serde_json::Map<String, Value> = registries
        .iter()
        .map(|r| {
            (
                (*r).to_owned(),
                json!({"username": "alice", "password": PASSWORD}),
            )
        })
        .collect();
    let body =
        json!({"data": {".dockerconfigjson": json!({"auths": auths}).to_string()}}).to_string();
    let resp = env.run(&request(
        Method::Post,
        "/v2/admin/registryLoginChecks",
        json_headers(Some(EDITOR)),
        Some(&body),
    ));
    let raw = String::from_utf8(resp.body).unwrap();
    assert_eq!(resp.status, 200, "{raw}");
    assert!(
        !raw.contains(PASSWORD),
        "the answer never holds the password: {raw}"
    );
    let value: Value = serde_json::from_str(&raw).unwrap();
    (value["results"].as_array().unwrap().clone(), raw)
}

fn fresh() -> TestEnv<MemoryStore> {
    TestEnv::new(MemoryStore::default(), &[])
}

/// Scripts an answer that would make any check succeed, so a request that
/// slipped through would show as "ok" as well as in `sent`.
fn would_succeed(env: &TestEnv<MemoryStore>) {
    env.net.borrow_mut().answers = vec![answer(200, &[API], "{}"); 4];
}

#[test]
fn private_metadata_and_fake_loopback_addresses_never_reach_fetch() {
    let refused = [
        ("10.0.0.5:5000", "10.0.0.0/8"),
        ("https://172.16.4.4", "172.16.0.0/12"),
        ("192.168.1.10:5000", "192.168.0.0/16"),
        ("100.64.0.1", "100.64.0.0/10"),
        ("https://169.254.169.254", "metadata"),
        ("169.254.1.1", "169.254.0.0/16"),
        ("[fd00::1]:5000", "fc00::/7"),
        ("[fe80::1]", "fe80::/10"),
        ("[::ffff:10.0.0.1]", "10.0.0.0/8"),
        ("[fd00:ec2::254]", "metadata"),
        ("0.0.0.0:5000", "reserved"),
        ("http://127.evil.example:5000", "begins with a number"),
        ("127.0.0.1.nip.io", "begins with a number"),
        ("10.0.0.1.nip.io", "begins with a number"),
        ("http://localhost:5000", "127.0.0.1"),
        ("registry.localhost", "127.0.0.1"),
        ("metadata.google.internal", "metadata"),
        ("registry.local:5000", "local network"),
        ("registry:5000", "local network"),
        ("http://ghcr.io", "plain http"),
    ];
    for (registry, why) in refused {
        let env = fresh();
        would_succeed(&env);
        let (results, _) = check(&env, &[registry]);
        assert_eq!(
            results[0]["result"], "notAllowed",
            "{registry}: {}",
            results[0]
        );
        let message = results[0]["message"].as_str().unwrap();
        assert!(message.contains(why), "{registry}: {message}");
        assert!(
            env.net.borrow().sent.is_empty(),
            "{registry}: fetch was called: {:?}",
            env.net.borrow().sent
        );
    }
}

#[test]
fn loopback_is_decided_on_the_address_and_only_in_local_development() {
    // Spellings of 127.0.0.1 that fetch would read as it: loopback, allowed.
    for registry in [
        "http://2130706433:5000",
        "http://0x7f.1:5000",
        "http://127.1:5000",
    ] {
        let env = fresh();
        would_succeed(&env);
        let (results, _) = check(&env, &[registry]);
        assert_eq!(results[0]["result"], "ok", "{registry}: {}", results[0]);
    }
    // Without REGCRED_ALLOW_HTTP_LOOPBACK no loopback address is reached.
    let env = TestEnv::new(
        MemoryStore::default(),
        &[("REGCRED_ALLOW_HTTP_LOOPBACK", "false")],
    );
    would_succeed(&env);
    for registry in [
        "127.0.0.1:5000",
        "https://[::1]:5000",
        "http://127.0.0.1:5000",
    ] {
        let (results, _) = check(&env, &[registry]);
        assert_eq!(results[0]["result"], "notAllowed", "{registry}");
        assert!(
            results[0]["message"]
                .as_str()
                .unwrap()
                .contains("REGCRED_ALLOW_HTTP_LOOPBACK"),
            "{}",
            results[0]
        );
    }
    assert!(env.net.borrow().sent.is_empty());
}

#[test]
fn a_realm_off_the_registrys_site_gets_no_request() {
    let realms = [
        ("https://10.0.0.1/token", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        (
            "https://tokens.example.net/token",
            "not on the registry's site",
        ),
        ("http://r.example.com/token", "plain http"),
        ("https://127.evil.example/token", "begins with a number"),
        ("https://user:pw@r.example.com/token", "user information"),
    ];
    for (realm, why) in realms {
        let env = fresh();
        env.net.borrow_mut().answers = vec![answer(
            401,
            &[
                API,
                (
                    "www-authenticate",
                    &format!("Bearer realm=\"{realm}\",service=\"r\""),
                ),
            ],
            "",
        )];
        let (results, _) = check(&env, &["https://r.example.com"]);
        assert_eq!(
            results[0]["result"], "notAllowed",
            "{realm}: {}",
            results[0]
        );
        assert!(
            results[0]["message"].as_str().unwrap().contains(why),
            "{realm}: {}",
            results[0]
        );
        let sent = env.net.borrow().sent.clone();
        assert_eq!(sent.len(), 1, "{realm}: only the ping: {sent:?}");
        assert!(
            sent[0].headers.is_empty(),
            "the ping carries no credentials"
        );
    }
    // Docker Hub's token service is on Docker Hub's site.
    let env = fresh();
    env.net.borrow_mut().answers = vec![
        answer(
            401,
            &[
                API,
                (
                    "www-authenticate",
                    r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io""#,
                ),
            ],
            "",
        ),
        answer(200, &[], r#"{"token":"t"}"#),
        answer(200, &[API], "{}"),
    ];
    let (results, _) = check(&env, &["docker.io"]);
    assert_eq!(results[0]["result"], "ok", "{}", results[0]);
    let sent = env.net.borrow().sent.clone();
    assert_eq!(
        sent[1].url,
        "https://auth.docker.io/token?account=alice&service=registry.docker.io"
    );
}

#[test]
fn redirects_are_answers_not_followed() {
    for location in [
        "http://10.0.0.1/v2/",
        "https://127.0.0.2:5001/v2/",
        "/v2/elsewhere",
    ] {
        let env = fresh();
        env.net.borrow_mut().answers = vec![
            answer(302, &[("location", location)], ""),
            answer(200, &[API], "{}"),
        ];
        let (results, _) = check(&env, &["https://r.example.com"]);
        assert_eq!(results[0]["result"], "unexpected", "{location}");
        assert!(
            results[0]["message"]
                .as_str()
                .unwrap()
                .contains("follows no redirects"),
            "{}",
            results[0]
        );
        assert_eq!(env.net.borrow().sent.len(), 1, "{location}");
    }
}

#[test]
fn at_most_twenty_registries_per_check() {
    let names: Vec<String> = (0..MAX_REGISTRIES_PER_CHECK + 3)
        .map(|i| format!("registry-{i:02}.example.com"))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let env = fresh();
    env.net.borrow_mut().answers = vec![answer(200, &[API], "{}"); names.len()];
    let (results, _) = check(&env, &refs);
    assert_eq!(results.len(), names.len());
    assert_eq!(env.net.borrow().sent.len(), MAX_REGISTRIES_PER_CHECK);
    let checked = results.iter().filter(|r| r["result"] == "ok").count();
    assert_eq!(checked, MAX_REGISTRIES_PER_CHECK);
    for r in &results[MAX_REGISTRIES_PER_CHECK..] {
        assert_eq!(r["result"], "notChecked", "{r}");
        assert!(r["message"].as_str().unwrap().contains("at most 20"), "{r}");
    }
}

#[test]
fn every_request_carries_the_checks_deadline_and_the_rest_wait_for_none() {
    let env = fresh();
    env.net.borrow_mut().answers = vec![
        answer(401, &[API, ("www-authenticate", "Basic realm=\"r\"")], ""),
        answer(200, &[API], "{}"),
        failed(FailureKind::OutOfTime, "the login check's time was used up"),
    ];
    let (results, _) = check(
        &env,
        &[
            "a.example.com",
            "b.example.com",
            "c.example.com",
            "d.example.com",
        ],
    );
    assert_eq!(results[0]["result"], "ok");
    assert_eq!(results[1]["result"], "notChecked", "{}", results[1]);
    assert!(results[1]["message"].as_str().unwrap().contains("15 s"));
    for r in &results[2..] {
        assert_eq!(r["result"], "notChecked", "{r}");
    }
    let sent = env.net.borrow().sent.clone();
    assert_eq!(
        sent.len(),
        3,
        "nothing is sent once the time is up: {sent:?}"
    );
    for r in &sent {
        assert_eq!(r.deadline_ms, Some(NOW_MS + CHECK_BUDGET_MS), "{}", r.url);
    }
}

#[test]
fn tls_failures_are_their_own_result_and_loopback_falls_back_to_http() {
    // As `docker login` writes a loopback registry: https first, then http.
    let env = fresh();
    env.net.borrow_mut().answers = vec![
        failed(
            FailureKind::Tls,
            "the runtime says \"internal error; reference = x\"",
        ),
        answer(401, &[API, ("www-authenticate", "Basic realm=\"r\"")], ""),
        answer(200, &[API], "{}"),
    ];
    let (results, _) = check(&env, &["127.0.0.1:5000"]);
    assert_eq!(results[0]["result"], "ok", "{}", results[0]);
    assert!(results[0]["message"]
        .as_str()
        .unwrap()
        .contains("over plain http"));
    let urls: Vec<String> = env
        .net
        .borrow()
        .sent
        .iter()
        .map(|r| r.url.clone())
        .collect();
    assert_eq!(
        urls,
        [
            "https://127.0.0.1:5000/v2/",
            "http://127.0.0.1:5000/v2/",
            "http://127.0.0.1:5000/v2/"
        ]
    );

    // Written with https, or not on loopback: a TLS failure is the verdict.
    for registry in ["https://127.0.0.1:5000", "r.example.com"] {
        let env = fresh();
        env.net.borrow_mut().answers = vec![failed(
            FailureKind::Tls,
            "the runtime says \"internal error; reference = x\"",
        )];
        let (results, raw) = check(&env, &[registry]);
        assert_eq!(results[0]["result"], "tlsFailed", "{registry}: {raw}");
        let message = results[0]["message"].as_str().unwrap();
        assert!(message.contains("TLS handshake"), "{message}");
        assert!(message.contains("certificate"), "{message}");
        assert_eq!(env.net.borrow().sent.len(), 1);
    }
}

#[test]
fn an_endless_token_answer_is_cut_and_named() {
    let env = fresh();
    env.net.borrow_mut().answers = vec![
        answer(
            401,
            &[
                API,
                (
                    "www-authenticate",
                    r#"Bearer realm="https://r.example.com/token""#,
                ),
            ],
            "",
        ),
        answer(200, &[], &"x".repeat(shared::login::MAX_ANSWER_BYTES + 1)),
    ];
    let (results, _) = check(&env, &["https://r.example.com"]);
    assert_eq!(results[0]["result"], "unexpected");
    assert!(
        results[0]["message"].as_str().unwrap().contains("64 KiB"),
        "{}",
        results[0]
    );
}
