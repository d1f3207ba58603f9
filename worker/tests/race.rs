//! Why writes go through one Durable Object: with a store that yields at
//! every call (as KV does), concurrent creates of one name race; through the
//! Durable Object's turnstile exactly one wins.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::future::join_all;
use regcred_worker::app::handle;
use regcred_worker::http::{Method, Request};
use regcred_worker::store::{ListPage, MemoryStore, Store, StoreError, Stored};
use regcred_worker::turnstile::Turnstile;
use serde_json::{json, Value};
use support::{json_headers, request, TestEnv, EDITOR, SECRETS};

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
    let env = TestEnv::new(Yielding::default(), &[]);
    let turnstile = Turnstile::default();
    let dcj = json!({"auths": {"r.io": {"auth": "dTpw"}}}).to_string();
    let body = json!({"name": "contested", "data": {".dockerconfigjson": dcj}}).to_string();
    let requests: Vec<Request> = (0..20)
        .map(|i| {
            let mut r = request(
                Method::Post,
                SECRETS,
                json_headers(Some(EDITOR)),
                Some(&body),
            );
            r.request_id = format!("r{i}");
            r
        })
        .collect();
    let answers = env.with_ctx(|ctx| {
        pollster::block_on(join_all(requests.iter().map(|r| {
            let turnstile = &turnstile;
            async move {
                if serialized {
                    turnstile.run(handle(r, ctx)).await
                } else {
                    handle(r, ctx).await
                }
            }
        })))
    });
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
