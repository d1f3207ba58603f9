//! The fetch handler (`#[event(fetch)]`): every request to the worker.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use worker::js_sys::Uint8Array;
use worker::{event, Context, Env, Request as WRequest, Response as WResponse, Result};

use crate::app::{self, Gate};
use crate::audit::Attempt;
use crate::ctx::Ctx;
use crate::edge::kv::Kv;
use crate::edge::ratelimit::RateLimiter;
use crate::edge::runtime::{self, head_of, internal, read_body, to_worker};
use crate::edge::store::EdgeStore;
use crate::edge::{KV_BINDING, WRITER_BINDING};
use crate::http::{Method, Request};
use crate::throttle::FailureBudget;

/// The Rate Limiting binding for failed authentications (`wrangler.toml`).
pub const AUTH_LIMIT_BINDING: &str = "AUTH_FAILURES";

thread_local! {
    /// The isolate's own budget: used when the binding is missing or fails.
    static FALLBACK_BUDGET: FailureBudget =
        FailureBudget::per_minute(crate::throttle::DEFAULT_FAILURES_PER_MINUTE);
}

/// Every check the request head and body decide runs here, in the fetch
/// handler: method, route, token (failures rate limited per address),
/// role, body size (read with a cap, chunked or not, every method) and
/// content type. Only a write that passes them all reaches the Durable
/// Object, with the body already read, so nothing unauthenticated or slow
/// ever holds its lock.
#[event(fetch)]
async fn fetch(req: WRequest, env: Env, _ctx: Context) -> Result<WResponse> {
    let Some(kv) = Kv::from_env(&env, KV_BINDING) else {
        return internal(format!(
            "the worker has no KV binding named {KV_BINDING}; check wrangler.toml"
        ));
    };
    let store = EdgeStore::Kv(&kv);
    let limiter = RateLimiter::from_env(&env, AUTH_LIMIT_BINDING).map(Rc::new);
    let throttle = move |address: &str| -> Pin<Box<dyn Future<Output = bool>>> {
        let limiter = limiter.clone();
        let address = address.to_owned();
        Box::pin(async move {
            let spent = match limiter {
                Some(l) => l.spend(&address).await,
                None => None,
            };
            spent.unwrap_or_else(|| {
                FALLBACK_BUDGET.with(|b| b.spend(&address, worker::Date::now().as_millis() as i64))
            })
        })
    };
    let config = runtime::config(&env);
    let ctx = Ctx {
        store: &store,
        config: &config,
        now: runtime::now(),
        random: &runtime::random,
        fetch: &runtime::fetch,
        throttle: &throttle,
        access: &crate::edge::access::hook(&config),
    };
    let mut ours = head_of(&req);
    let mut attempt = Attempt::of(&ours);
    let resp = match app::admit(&ours, &ctx, &mut attempt).await {
        Gate::Answer(r) => r,
        Gate::Admitted(admitted) => {
            (ours.body, ours.body_oversize) =
                read_body(&req, ours.method, admitted.body_cap()).await;
            match app::check_body(&admitted, &ours) {
                Err(e) => e.into(),
                Ok(()) if admitted.for_writer() => {
                    return match forward_to_writer(&req, &ours, &env).await {
                        Ok(resp) => Ok(resp),
                        Err(_) => internal(format!(
                            "the write could not reach the {WRITER_BINDING} Durable Object; check wrangler.toml and try again"
                        )),
                    };
                }
                Ok(()) => app::serve(&admitted, &ours, &ctx, &mut attempt).await,
            }
        }
    };
    to_worker(app::conclude(resp, &attempt, &ours, &ctx).await)
}

/// One Durable Object instance for all secrets: it orders every write. It
/// gets a new request with the body already read, so it never waits on a
/// client.
async fn forward_to_writer(original: &WRequest, ours: &Request, env: &Env) -> Result<WResponse> {
    let headers = web_sys::Headers::new()?;
    for (name, value) in &ours.headers {
        if name != "content-length" {
            headers.set(name, value)?;
        }
    }
    let init = web_sys::RequestInit::new();
    // A HEAD pull is the GET pull to the object (it only reads, and takes
    // the object's no-turn path); the runtime drops the body for the client.
    let method = match ours.method {
        Method::Head => "GET".to_owned(),
        _ => original.inner().method(),
    };
    init.set_method(&method);
    init.set_headers(&headers);
    if !ours.body.is_empty() {
        init.set_body(&Uint8Array::from(ours.body.as_slice()));
    }
    let request = web_sys::Request::new_with_str_and_init(&original.inner().url(), &init)?;
    let stub = env
        .durable_object(WRITER_BINDING)?
        .id_from_name("secrets")?
        .get_stub()?;
    stub.fetch_with_request(WRequest::from(request)).await
}
