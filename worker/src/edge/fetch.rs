//! The fetch handler (`#[event(fetch)]`): every request to the worker.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use worker::{event, Context, Env, Result};

use crate::app::{self, Gate};
use crate::audit::Attempt;
use crate::ctx::Ctx;
use crate::edge::kv::Kv;
use crate::edge::ratelimit::RateLimiter;
use crate::edge::rooms::EdgeRooms;
use crate::edge::runtime::{self, head_of, internal, read_body, to_web};
use crate::edge::store::EdgeStore;
use crate::edge::{KV_BINDING, WRITER_BINDING};
use crate::ops::Serves;
use crate::rooms::Target;
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
///
/// It takes and gives the runtime's own `Request` and `Response`:
/// workers-rs's wrappers read `cf`, the URL, the method and the headers of
/// every request up front and rebuild every response, which cost about 6%
/// of the health route's throughput (A/B in one run).
#[event(fetch)]
async fn fetch(req: web_sys::Request, env: Env, _ctx: Context) -> Result<web_sys::Response> {
    let Some(kv) = Kv::from_env(&env, KV_BINDING) else {
        return internal(format!(
            "the worker has no KV binding named {KV_BINDING}; check wrangler.toml"
        ));
    };
    let rooms = EdgeRooms::new(&env);
    let store = EdgeStore::Kv(&kv, &rooms);
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
        sign: &crate::edge::sign::rs256,
        throttle: &throttle,
        access: &crate::edge::access::hook(&config),
        workload: &crate::edge::workload::verify,
    };
    let mut ours = head_of(&req);
    let mut attempt = Attempt::of(&ours);
    let resp = match app::admit(&ours, &ctx, &mut attempt).await {
        Gate::Answer(r) => r,
        Gate::Admitted(admitted) => {
            (ours.body, ours.body_oversize) =
                read_body(&req, ours.method, admitted.body_cap()).await;
            let name = match admitted.serves() {
                Serves::Secret => admitted.secret(&ours.body),
                _ => None,
            };
            let target = match (admitted.serves(), &name) {
                (Serves::Secret, Some(n)) => Some(Target::Secret(n)),
                (Serves::Directory, _) => Some(Target::Directory),
                // A create naming no valid secret is refused at the edge.
                _ => None,
            };
            match (app::check_body(&admitted, &ours), target) {
                (Err(e), _) => e.into(),
                (Ok(()), Some(to)) => {
                    return match rooms.forward(to, &req, &ours).await {
                        Ok(resp) => Ok(resp),
                        Err(_) => internal(format!(
                            "the request could not reach its {WRITER_BINDING} Durable Object; check wrangler.toml and try again"
                        )),
                    };
                }
                (Ok(()), None) => app::serve(&admitted, &ours, &ctx, &mut attempt).await,
            }
        }
    };
    to_web(app::conclude(resp, &attempt, &ours, &ctx).await)
}
