//! What the native tests and the request-path bench share: the real app over
//! a store, with test settings, counting randomness, a scripted network and
//! the isolate's failure budget. `mod support;` in each test file;
//! `#[path]` in the bench.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use regcred_worker::app::handle;
use regcred_worker::config::Config;
use regcred_worker::ctx::{Ctx, Now};
use regcred_worker::http::{Method, Request, Response};
use regcred_worker::store::Store;
use regcred_worker::throttle::{FailureBudget, DEFAULT_FAILURES_PER_MINUTE};
use shared::access::Identity;
use shared::login::{ProbeRequest, ProbeResponse};

pub const VIEWER: &str = "viewer-token-0123456789";
pub const EDITOR: &str = "editor-token-0123456789";
pub const PULLER: &str = "puller-token-0123456789";
pub const ADMIN: &str = "admin-token-0123456789";
/// `now` of every request.
/// The signature the native stand-in of a workload issuer's keys accepts.
pub const TEST_SIGNATURE: &[u8] = b"signed-by-the-test-issuer";

pub const NOW: &str = "2026-11-23T00:00:00.000Z";
/// [`NOW`] in epoch milliseconds.
pub const NOW_MS: i64 = 1_795_392_000_000;
pub const SECRETS: &str = "/v2/admin/dockerRegistrySecrets";

/// A test clock's RFC 3339 reading (`...SS.mmmZ`) as the platform gives it.
pub fn now_of(text: &str) -> Now {
    let secs = shared::time::Timestamp::parse(text)
        .expect("a test clock reads RFC 3339")
        .unix_seconds();
    let millis = text
        .split_once('.')
        .and_then(|(_, f)| f.get(..3))
        .map_or(0, |m| m.parse::<i64>().expect("milliseconds"));
    Now::from_epoch_ms(secs * 1000 + millis)
}

/// The test settings, each replaced by `overrides` where given.
pub fn config(overrides: &[(&str, &str)]) -> Result<Config, String> {
    Config::from_env(|k| {
        if let Some((_, v)) = overrides.iter().find(|(name, _)| *name == k) {
            return Some((*v).to_owned());
        }
        match k {
            "REGCRED_TOKENS" => Some(format!(
                "v:viewer:{VIEWER},e:editor:{EDITOR},p:puller:{PULLER},a:admin:{ADMIN}"
            )),
            "REGCRED_KEYS" => Some(format!("k1:{}", "ab".repeat(32))),
            "REGCRED_ALLOW_HTTP_LOOPBACK" => Some("true".into()),
            _ => None,
        }
    })
}

/// Answers the login check gets, in order, and the requests it sent.
#[derive(Default)]
pub struct Net {
    pub answers: Vec<ProbeResponse>,
    pub sent: Vec<ProbeRequest>,
}

pub struct TestEnv<S> {
    pub store: S,
    pub config: Result<Config, String>,
    pub net: Rc<RefCell<Net>>,
    /// The failed-authentication budget, as the isolate fallback keeps it.
    pub budget: FailureBudget,
    /// `now` of every request; [`NOW`] unless a test moves it.
    pub clock: RefCell<String>,
    random_calls: Cell<u64>,
    requests: Cell<u64>,
}

impl<S: Store> TestEnv<S> {
    pub fn new(store: S, overrides: &[(&str, &str)]) -> TestEnv<S> {
        TestEnv {
            store,
            config: config(overrides),
            net: Rc::default(),
            budget: FailureBudget::per_minute(DEFAULT_FAILURES_PER_MINUTE),
            clock: RefCell::new(NOW.into()),
            random_calls: Cell::new(0),
            requests: Cell::new(0),
        }
    }

    /// Runs `f` with a `Ctx` over this environment.
    pub fn with_ctx<R>(&self, f: impl FnOnce(&Ctx<'_, S>) -> R) -> R {
        // Deterministic, and different every call: nonces never repeat.
        let random = |buf: &mut [u8]| {
            let n = self.random_calls.get() + 1;
            self.random_calls.set(n);
            for (i, b) in buf.iter_mut().enumerate() {
                *b = (n >> (8 * (i % 8))) as u8 ^ i as u8;
            }
            true
        };
        let net = self.net.clone();
        let fetch = move |req: ProbeRequest| -> Pin<Box<dyn Future<Output = ProbeResponse>>> {
            let mut n = net.borrow_mut();
            n.sent.push(req);
            let answer = if n.answers.is_empty() {
                ProbeResponse::Failed("no scripted answer".into())
            } else {
                n.answers.remove(0)
            };
            Box::pin(async move { answer })
        };
        let throttle = |address: &str| -> Pin<Box<dyn Future<Output = bool>>> {
            let ok = self.budget.spend(address, NOW_MS);
            Box::pin(async move { ok })
        };
        // Stands in for the signature check (tested in workerd): a JWT
        // `email:<address>` is that identity, anything else is refused.
        let access = |jwt: String| -> Pin<Box<dyn Future<Output = Result<Identity, String>>>> {
            let answer = match jwt.strip_prefix("email:") {
                Some(email) => Ok(Identity {
                    email: email.to_owned(),
                }),
                None => Err("not a test identity".to_owned()),
            };
            Box::pin(async move { answer })
        };
        // WebCrypto's RS256 stands in here as a marker the scripted token
        // endpoint cannot verify; real signatures are checked by Authlib in
        // workerd (tests/e2e/mint-gcp.test.mjs).
        let sign = |_key: Vec<u8>,
                    data: Vec<u8>|
         -> Pin<Box<dyn Future<Output = Result<Vec<u8>, String>>>> {
            let mut sig = b"signed:".to_vec();
            sig.extend_from_slice(&data[..data.len().min(8)]);
            Box::pin(async move { Ok(sig) })
        };
        // WebCrypto over the issuer's keys stands in here as one signature
        // value; real RS256 and ES256 keys are checked in workerd
        // (tests/e2e/workload.test.mjs).
        let workload = |ask: regcred_worker::ctx::WorkloadAsk| -> Pin<Box<dyn Future<Output = Result<(), String>>>> {
            let ok = ask.signature == TEST_SIGNATURE;
            Box::pin(async move { if ok { Ok(()) } else { Err("bad signature".into()) } })
        };
        let ctx = Ctx {
            store: &self.store,
            config: &self.config,
            now: now_of(&self.clock.borrow()),
            random: &random,
            fetch: &fetch,
            sign: &sign,
            throttle: &throttle,
            access: &access,
            workload: &workload,
        };
        f(&ctx)
    }

    /// The whole request through the app, as the Durable Object runs it.
    pub fn run(&self, req: &Request) -> Response {
        self.with_ctx(|ctx| pollster::block_on(handle(req, ctx)))
    }

    /// A request id no other request of this environment has.
    pub fn request_id(&self) -> String {
        let n = self.requests.get() + 1;
        self.requests.set(n);
        format!("rid-{n}")
    }
}

/// A request to `path` (which may carry a `?query`), with these headers.
pub fn request(
    method: Method,
    path: &str,
    headers: Vec<(String, String)>,
    body: Option<&str>,
) -> Request {
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (
            p,
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        ),
        None => (path, Vec::new()),
    };
    Request {
        method,
        path: path.to_owned(),
        query,
        headers,
        body: body.unwrap_or_default().as_bytes().to_vec(),
        body_oversize: false,
        request_id: "rid".into(),
    }
}

/// JSON content type and, when given, the bearer token.
pub fn json_headers(token: Option<&str>) -> Vec<(String, String)> {
    let mut h = vec![("content-type".to_owned(), "application/json".to_owned())];
    if let Some(t) = token {
        h.push(("authorization".into(), format!("Bearer {t}")));
    }
    h
}
