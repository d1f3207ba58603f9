//! Why writes go through one Durable Object: with a store that yields at
//! every call (as KV does), concurrent creates of one name race; through the
//! Durable Object's turnstile exactly one wins.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::future::join_all;
use regcred_worker::app::{handle, Ctx};
use regcred_worker::config::Config;
use regcred_worker::http::{Method, Request};
use regcred_worker::serial::Turnstile;
use regcred_worker::store::{ListPage, MemoryStore, Store, StoreError, Stored};
use serde_json::{json, Value};
use shared::login::{ProbeRequest, ProbeResponse};

/// Pending once before each call, like any real I/O.
struct YieldOnce(bool);
impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[derive(Default)]
struct Yielding(MemoryStore);
impl Store for Yielding {
    async fn get(&self, key: &str) -> Result<Option<Stored>, StoreError> {
        YieldOnce(false).await;
        self.0.get(key).await
    }
    async fn put(&self, key: &str, value: &str, metadata: &Value) -> Result<(), StoreError> {
        YieldOnce(false).await;
        self.0.put(key, value, metadata).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        YieldOnce(false).await;
        self.0.delete(key).await
    }
    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<ListPage, StoreError> {
        YieldOnce(false).await;
        self.0.list(prefix, cursor, limit).await
    }
}

fn creates(serialized: bool) -> usize {
    let store = Yielding::default();
    let config = Config::from_env(|k| match k {
        "REGCRED_TOKENS" => Some("e:editor:editor-token-0123456789".into()),
        "REGCRED_KEYS" => Some(format!("k1:{}", "cd".repeat(32))),
        _ => None,
    });
    let n = Cell::new(0u8);
    let random = |b: &mut [u8]| {
        n.set(n.get().wrapping_add(1));
        b.fill(n.get());
        true
    };
    let fetch = |_: ProbeRequest| -> Pin<Box<dyn Future<Output = ProbeResponse>>> {
        Box::pin(async { ProbeResponse::Failed("offline".into()) })
    };
    let throttle = |_: &str| -> Pin<Box<dyn Future<Output = bool>>> { Box::pin(async { true }) };
    let ctx = Ctx {
        store: &store,
        config: &config,
        now: "2026-11-23T00:00:00.000Z".into(),
        random: &random,
        fetch: &fetch,
        throttle: &throttle,
    };
    let turnstile = Turnstile::default();
    let dcj = json!({"auths": {"r.io": {"auth": "dTpw"}}}).to_string();
    let requests: Vec<Request> = (0..20)
        .map(|i| Request {
            method: Method::Post,
            path: "/v2/admin/dockerRegistrySecrets".into(),
            query: vec![],
            headers: vec![
                ("content-type".into(), "application/json".into()),
                (
                    "authorization".into(),
                    "Bearer editor-token-0123456789".into(),
                ),
            ],
            body: json!({"name": "contested", "data": {".dockerconfigjson": dcj}})
                .to_string()
                .into_bytes(),
            body_oversize: false,
            request_id: format!("r{i}"),
        })
        .collect();
    let answers = pollster::block_on(join_all(requests.iter().map(|r| {
        let (ctx, turnstile) = (&ctx, &turnstile);
        async move {
            if serialized {
                turnstile.run(handle(r, ctx)).await
            } else {
                handle(r, ctx).await
            }
        }
    })));
    answers.iter().filter(|a| a.status == 202).count()
}

#[test]
fn without_the_turnstile_concurrent_creates_race() {
    assert!(
        creates(false) > 1,
        "the race this guards against should show"
    );
}

#[test]
fn through_the_turnstile_exactly_one_create_wins() {
    assert_eq!(creates(true), 1);
}
