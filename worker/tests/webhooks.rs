//! Webhook receivers natively: a URL the login check's rails refuse (a
//! private, link-local or metadata address, plain http off loopback) is a
//! 400 naming `url`, nothing is stored, and nothing is ever fetched (the
//! scripted fetch records every request it is asked to send).

mod support;

use regcred_worker::http::Method;
use regcred_worker::store::MemoryStore;
use serde_json::{json, Value};
use shared::login::ProbeResponse;
use support::{json_headers, request, TestEnv, ADMIN};

#[test]
fn a_url_the_rails_refuse_is_a_400_and_is_never_fetched() {
    let env = TestEnv::new(
        MemoryStore::default(),
        &[("REGCRED_ALLOW_HTTP_LOOPBACK", "true")],
    );
    for url in [
        "http://10.0.0.1/hook",
        "https://192.168.1.20/hook",
        "https://169.254.169.254/latest",
        "http://hooks.example.com/hook",
    ] {
        let body = json!({ "url": url }).to_string();
        let req = request(
            Method::Post,
            "/v2/admin/webhooks",
            json_headers(Some(ADMIN)),
            Some(&body),
        );
        let resp = env.run(&req);
        let answer: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
        assert_eq!(resp.status, 400, "{url}: {answer}");
        assert_eq!(answer["error"]["target"], "url", "{url}");
    }
    let list = env.run(&request(
        Method::Get,
        "/v2/admin/webhooks",
        json_headers(Some(ADMIN)),
        None,
    ));
    let list: Value = serde_json::from_slice(&list.body).unwrap_or(Value::Null);
    assert_eq!(list["count"], 0, "nothing was stored");
    assert!(env.net.borrow().sent.is_empty(), "nothing was fetched");
}

#[test]
fn deliveries_due_together_read_their_receiver_once() {
    let env = TestEnv::new(MemoryStore::default(), &[]);
    let made = env.run(&request(
        Method::Post,
        "/v2/admin/webhooks",
        json_headers(Some(ADMIN)),
        Some(&json!({ "url": "https://hooks.example.com/regcred" }).to_string()),
    ));
    assert_eq!(made.status, 201);
    let made: Value = serde_json::from_slice(&made.body).unwrap_or(Value::Null);
    let id = made["id"].as_str().unwrap_or_default().to_owned();
    for _ in 0..3 {
        let queued = env.run(&request(
            Method::Post,
            &format!("/v2/admin/webhooks/{id}/test"),
            json_headers(Some(ADMIN)),
            Some("{}"),
        ));
        assert_eq!(queued.status, 202);
    }
    env.net.borrow_mut().answers = (0..3)
        .map(|_| ProbeResponse::Answer {
            status: 204,
            headers: Vec::new(),
            body: String::new(),
        })
        .collect();
    env.store.reset_calls();
    let Ok(cfg) = env.config.as_ref() else {
        panic!("the test config is valid")
    };
    let next =
        env.with_ctx(|ctx| pollster::block_on(regcred_worker::outbox::deliver_due(ctx, cfg)));
    assert_eq!(next, None, "all three were delivered");
    assert_eq!(env.net.borrow().sent.len(), 3);
    assert_eq!(
        env.store.calls().get,
        1,
        "one read of the receiver for three deliveries"
    );
}
