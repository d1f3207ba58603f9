//! Webhook receivers natively: a URL the login check's rails refuse (a
//! private, link-local or metadata address, plain http off loopback) is a
//! 400 naming `url`, nothing is stored, and nothing is ever fetched (the
//! scripted fetch records every request it is asked to send).

mod support;

use regcred_worker::http::Method;
use regcred_worker::store::MemoryStore;
use serde_json::{json, Value};
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
