//! The mint driver over scripted answers: what each cloud is sent, what its
//! answers make, and the rails: a refused URL is never fetched.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

use regcred_worker::mint::{mint, Minting};
use serde_json::json;
use shared::login::{ProbeRequest, ProbeResponse};
use shared::source::parse_source;
use shared::time::Timestamp;

fn answer(status: u16, body: &str) -> ProbeResponse {
    ProbeResponse::Answer {
        status,
        headers: Vec::new(),
        body: body.to_owned(),
    }
}

/// Runs one mint with `answers` in order; answers what was sent and the result.
fn run(
    source: serde_json::Value,
    allow_loopback: bool,
    answers: Vec<ProbeResponse>,
) -> (
    Vec<ProbeRequest>,
    Result<shared::mint::Minted, shared::mint::MintError>,
) {
    let source = parse_source(&source, true).expect("a valid source");
    let sent = RefCell::new(Vec::new());
    let answers = RefCell::new(answers);
    let fetch = |req: ProbeRequest| -> Pin<Box<dyn Future<Output = ProbeResponse>>> {
        sent.borrow_mut().push(req);
        let next = answers.borrow_mut().remove(0);
        Box::pin(async move { next })
    };
    let sign =
        |_der: Vec<u8>, data: Vec<u8>| -> Pin<Box<dyn Future<Output = Result<Vec<u8>, String>>>> {
            // Stands in for WebCrypto: the signature's bytes are the data's length.
            Box::pin(async move { Ok((data.len() as u32).to_be_bytes().to_vec()) })
        };
    let m = Minting {
        fetch: &fetch,
        sign: &sign,
        allow_loopback,
        now_ms: 1_795_392_000_000,
    };
    let now = Timestamp::from_unix_seconds(1_795_392_000);
    let result = pollster::block_on(mint(&m, &source, now));
    (sent.into_inner(), result)
}

fn ecr(endpoint: &str) -> serde_json::Value {
    json!({"type": "awsEcr", "region": "us-east-1", "accessKeyId": "AKIDEXAMPLE",
        "secretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "registryId": "123456789012", "endpoint": endpoint})
}

#[test]
fn ecr_is_one_signed_post_and_its_token_is_the_credential() {
    let token = r#"{"authorizationData":[{"authorizationToken":"QVdTOjEyMzQ1Njc4OTAxMi1hdXRoLXRva2Vu","expiresAt":1795435200.5}]}"#;
    let (sent, got) = run(ecr("http://127.0.0.1:5001"), true, vec![answer(200, token)]);
    let m = got.expect("minted");
    assert_eq!(
        (m.username.as_str(), m.password.as_str()),
        ("AWS", "123456789012-auth-token")
    );
    assert_eq!(m.expires_at.to_string(), "2026-11-23T12:00:00Z");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url, "http://127.0.0.1:5001/");
    assert_eq!(sent[0].body.as_deref(), Some("{}"));
    let header = |n: &str| {
        sent[0]
            .headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("x-amz-target").as_deref(), Some(shared::ecr::TARGET));
    assert!(header("authorization")
        .unwrap()
        .contains("/us-east-1/ecr/aws4_request"));
    assert!(
        !format!("{:?}", sent[0]).contains("Signature"),
        "Debug hides the signature"
    );
}

#[test]
fn a_refusal_names_the_provider_and_its_error_never_the_key() {
    let xml = "<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>";
    let (_, got) = run(ecr("http://127.0.0.1:5001"), true, vec![answer(403, xml)]);
    let e = got.unwrap_err().to_api();
    assert_eq!((e.status(), e.code.as_str()), (502, "MintFailed"));
    assert!(
        e.message
            .starts_with("Amazon ECR refused the mint: InvalidClientTokenId"),
        "{}",
        e.message
    );
    assert!(!e.message.contains("wJalr"));
}

#[test]
fn a_url_the_rails_refuse_is_never_fetched() {
    // Loopback without REGCRED_ALLOW_HTTP_LOOPBACK: refused before any fetch
    // (the fetch has no answer scripted, so a call would panic the test).
    let (sent, got) = run(ecr("http://127.0.0.1:5001"), false, vec![]);
    assert!(sent.is_empty());
    assert_eq!(got.unwrap_err().code, "notAllowed");
}

#[test]
fn google_signs_an_assertion_and_posts_it_as_a_form() {
    let key = json!({"type": "service_account", "client_email": "puller@p.iam.gserviceaccount.com",
        "private_key_id": "k1", "private_key": "-----BEGIN PRIVATE KEY-----\nAAEC\n-----END PRIVATE KEY-----\n",
        "token_uri": "http://127.0.0.1:5002/token"});
    let source = json!({"type": "gcpServiceAccount", "registry": "europe-docker.pkg.dev", "serviceAccountKey": key.to_string()});
    let (sent, got) = run(
        source,
        true,
        vec![answer(
            200,
            r#"{"access_token":"ya29.t","expires_in":3600}"#,
        )],
    );
    assert_eq!(got.unwrap().username, "oauth2accesstoken");
    let body = sent[0].body.clone().unwrap();
    assert!(body.starts_with(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=ey"
    ));
    assert_eq!(sent[0].url, "http://127.0.0.1:5002/token");
}

#[test]
fn azure_takes_a_token_then_exchanges_it_at_the_registry() {
    let source = json!({"type": "azureServicePrincipal", "registry": "http://127.0.0.1:5003",
        "tenantId": "t1", "clientId": "c1", "clientSecret": "s3cret", "authorityHost": "http://127.0.0.1:5004"});
    let refresh = format!(
        "h.{}.s",
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            r#"{"exp":1795402800}"#
        )
    );
    let (sent, got) = run(
        source,
        true,
        vec![
            answer(200, r#"{"access_token":"aad","expires_in":3599}"#),
            answer(200, &json!({"refresh_token": refresh}).to_string()),
        ],
    );
    let m = got.unwrap();
    assert_eq!(m.username, shared::azure::USERNAME);
    assert_eq!(m.expires_at.to_string(), "2026-11-23T03:00:00Z");
    assert_eq!(sent[0].url, "http://127.0.0.1:5004/t1/oauth2/v2.0/token");
    assert_eq!(sent[1].url, "http://127.0.0.1:5003/oauth2/exchange");
    assert!(sent[1]
        .body
        .as_deref()
        .unwrap()
        .contains("access_token=aad"));
}
