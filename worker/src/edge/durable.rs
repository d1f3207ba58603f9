//! The Durable Object that serializes writes. Workers KV is eventually
//! consistent and has no compare-and-set; every create, modify and delete
//! runs here, one at a time, against the object's own storage (the
//! authority for existence and versions) and writes through to KV, which
//! reads at the edge keep using. Pulls are served here too, from the
//! authority, so no puller ever gets credentials a 202 replaced or deleted
//! (KV elsewhere can lag by about 60 s). See `writethrough.rs` for how KV
//! is kept equal to the authority, and the alarm that repairs it.

use std::future::Future;
use std::pin::Pin;

use std::cell::Cell;

use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, State};

use shared::api::MAX_RESTORE_BODY_BYTES;

use crate::app;
use crate::ctx::Ctx;
use crate::edge::kv::Kv;
use crate::edge::runtime::{self, head_of, read_body, to_worker};
use crate::edge::storage::ObjectStorage;
use crate::edge::store::EdgeStore;
use crate::edge::KV_BINDING;
use crate::turnstile::Turnstile;
use crate::writethrough::WriteThrough;

// `alarm` also binds `fetch`.
#[durable_object(alarm)]
pub struct SecretWriter {
    state: State,
    env: Env,
    /// Storage calls alone would let requests interleave at each KV await;
    /// one request at a time makes check-then-write atomic.
    turn: Turnstile,
    /// Whether this instance has repaired what an earlier one left.
    repaired: Cell<bool>,
    /// Whether an alarm is known to be set (it runs `repair`).
    alarm_set: Cell<bool>,
}

/// A repair pass is due this long after a write (a crash may follow it).
const REPAIR_AFTER_MS: i64 = 10_000;
/// This long after a request whose KV write failed.
const KV_FAILED_RETRY_MS: i64 = 2_000;
/// And this long after a pass that left keys KV still refused.
const RETRY_AFTER_MS: i64 = 30_000;
/// `REGCRED_TEST_FAILPOINT=after-commit`: every secret write stops after the
/// object's commit and before KV, as a crash there would. Only for the fault
/// tests; never set it in production.
const FAILPOINT: &str = "REGCRED_TEST_FAILPOINT";

impl DurableObject for SecretWriter {
    fn new(state: State, env: Env) -> Self {
        SecretWriter {
            state,
            env,
            turn: Turnstile::default(),
            repaired: Cell::new(false),
            alarm_set: Cell::new(false),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let kv = Kv::from_env(&self.env, KV_BINDING)
            .ok_or_else(|| worker::Error::RustError(format!("no KV binding named {KV_BINDING}")))?;
        let authority = ObjectStorage(self.state.storage());
        let crash = self
            .env
            .var(FAILPOINT)
            .is_ok_and(|v| v.to_string() == "after-commit");
        let through = WriteThrough::new(&authority, &kv);
        let through = if crash {
            through.crashing_after_commit()
        } else {
            through
        };
        let store = EdgeStore::Through(through);
        // Pulls only read the authority: they need no turn, and never wait
        // behind a write.
        if req.method() == Method::Get && self.repaired.get() {
            return serve(req, &self.env, &store).await;
        }
        self.turn
            .run(async {
                if !self.repaired.get() {
                    self.repair(&store).await;
                    self.repaired.set(true);
                }
                if req.method() != Method::Get {
                    self.arm(REPAIR_AFTER_MS).await;
                }
                let resp = serve(req, &self.env, &store).await;
                if store.repair_pending() {
                    self.alarm_set.set(false);
                    self.arm(KV_FAILED_RETRY_MS).await;
                }
                resp
            })
            .await
    }

    async fn alarm(&self) -> Result<Response> {
        self.alarm_set.set(false);
        let Some(kv) = Kv::from_env(&self.env, KV_BINDING) else {
            return Response::ok("");
        };
        let authority = ObjectStorage(self.state.storage());
        let store = EdgeStore::Through(WriteThrough::new(&authority, &kv));
        let left = self
            .turn
            .run(async {
                let left = self.repair(&store).await;
                self.sweep(&store).await;
                left
            })
            .await;
        if left > 0 {
            self.arm(RETRY_AFTER_MS).await;
        }
        Response::ok("")
    }
}

impl SecretWriter {
    /// Copies to KV every write it may have missed; answers how many keys
    /// KV still refused.
    async fn repair(&self, store: &EdgeStore<'_>) -> u32 {
        match store.repair().await {
            Ok(done) => {
                if done.fixed > 0 || done.left > 0 {
                    worker::console_log!(
                        "regcred repaired {} KV keys, {} left for the next alarm",
                        done.fixed,
                        done.left
                    );
                }
                done.left
            }
            Err(e) => {
                worker::console_error!("regcred repair failed: {}", e.0);
                1
            }
        }
    }

    /// Drops deleted secrets whose retention ended (`history::sweep`); the
    /// alarm follows writes, and until a sweep they are invisible anyway.
    async fn sweep(&self, store: &EdgeStore<'_>) {
        let config = runtime::config(&self.env);
        let Ok(cfg) = config.as_ref() else { return };
        let policy = crate::history::Policy::of(cfg, runtime::now());
        match crate::history::sweep(store, &policy).await {
            Ok(0) => {}
            Ok(n) => {
                worker::console_log!("regcred purged {n} deleted secrets past their retention")
            }
            Err(e) => worker::console_error!("regcred sweep failed: {}", e.0),
        }
    }

    /// Makes sure an alarm runs within `in_ms`. A write arms one before it
    /// starts, so an instance that dies between its commit and KV is
    /// repaired by the alarm; `alarm_set` keeps that to one storage call
    /// per alarm, not one per write.
    async fn arm(&self, in_ms: i64) {
        if self.alarm_set.get() {
            return;
        }
        // An i64 is an offset from now, in milliseconds.
        if self.state.storage().set_alarm(in_ms).await.is_ok() {
            self.alarm_set.set(true);
        }
    }
}

/// Runs every check and the handler for one request inside the Durable
/// Object, against write-through storage. The fetch handler already refused
/// what fails; the checks run again because they cost little and the object
/// must not trust what reaches it.
async fn serve(req: Request, env: &Env, store: &EdgeStore<'_>) -> Result<Response> {
    let mut ours = head_of(&req);
    // The largest any route takes; the route's own cap is checked after.
    (ours.body, ours.body_oversize) = read_body(&req, ours.method, MAX_RESTORE_BODY_BYTES).await;
    let config = runtime::config(env);
    // Failures never get this far; none is counted here.
    let throttle = |_: &str| -> Pin<Box<dyn Future<Output = bool>>> { Box::pin(async { true }) };
    let ctx = Ctx {
        store,
        config: &config,
        now: runtime::now(),
        random: &runtime::random,
        fetch: &runtime::fetch,
        throttle: &throttle,
        access: &crate::edge::access::hook(&config),
    };
    to_worker(app::handle(&ours, &ctx).await)
}
