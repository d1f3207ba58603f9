//! The Durable Object that serializes writes. Workers KV is eventually
//! consistent and has no compare-and-set; every create, modify and delete
//! runs here, one at a time, against the object's own storage (the
//! authority for existence and versions) and writes through to KV, which
//! reads at the edge keep using. See `store::WriteThrough` for what wins
//! when the two disagree.

use std::future::Future;
use std::pin::Pin;

use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use crate::app;
use crate::ctx::Ctx;
use crate::edge::kv::Kv;
use crate::edge::runtime::{self, head_of, read_body, to_worker};
use crate::edge::storage::ObjectStorage;
use crate::edge::store::EdgeStore;
use crate::edge::KV_BINDING;
use crate::serial::Turnstile;
use crate::store::WriteThrough;

#[durable_object(fetch)]
pub struct SecretWriter {
    state: State,
    env: Env,
    /// Storage calls alone would let requests interleave at each KV await;
    /// one request at a time makes check-then-write atomic.
    turn: Turnstile,
}

impl DurableObject for SecretWriter {
    fn new(state: State, env: Env) -> Self {
        SecretWriter {
            state,
            env,
            turn: Turnstile::default(),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        self.turn
            .run(async {
                let kv = Kv::from_env(&self.env, KV_BINDING).ok_or_else(|| {
                    worker::Error::RustError(format!("no KV binding named {KV_BINDING}"))
                })?;
                let authority = ObjectStorage(self.state.storage());
                let store = EdgeStore::Through(WriteThrough {
                    authority: &authority,
                    kv: &kv,
                });
                serve(req, &self.env, &store).await
            })
            .await
    }
}

/// Runs every check and the handler for one request inside the Durable
/// Object, against write-through storage. The fetch handler already refused
/// what fails; the checks run again because they cost little and the object
/// must not trust what reaches it.
async fn serve(req: Request, env: &Env, store: &EdgeStore<'_>) -> Result<Response> {
    let mut ours = head_of(&req);
    (ours.body, ours.body_oversize) = read_body(&req, ours.method).await;
    let config = runtime::config(env);
    // Failures never get this far; none is counted here.
    let throttle = |_: &str| -> Pin<Box<dyn Future<Output = bool>>> { Box::pin(async { true }) };
    let ctx = Ctx {
        store,
        config: &config,
        now: runtime::now_rfc3339(),
        random: &runtime::random,
        fetch: &runtime::fetch,
        throttle: &throttle,
        access: &crate::edge::access::hook(&config),
    };
    to_worker(app::handle(&ours, &ctx).await)
}
