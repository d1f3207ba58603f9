//! The Durable Object class. One class plays three roles, told by the
//! worker in every request (`edge/rooms.rs`): a secret's own object (one per
//! name: its writes ordered, its pulls never stale), the directory (what
//! spans names) and the legacy object of earlier releases (only read, by
//! the move out of it). Workers KV is eventually consistent and has no
//! compare-and-set: each object is the authority for what it holds and
//! writes through to KV (`writethrough.rs`); its alarm repairs KV, tells
//! the directory what it missed, and moves on the move.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use shared::api::{ApiError, ErrorCode, MAX_RESTORE_BODY_BYTES};
use shared::SecretName;
use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, State};

use crate::ctx::Ctx;
use crate::edge::kv::Kv;
use crate::edge::rooms::{EdgeRooms, CALL_HEADER, NAME_HEADER, ROLE_HEADER};
use crate::edge::runtime::{self, head_of, read_body, to_worker};
use crate::edge::storage::ObjectStorage;
use crate::edge::store::EdgeStore;
use crate::edge::KV_BINDING;
use crate::http::Response as OurResponse;
use crate::rooms::{op, ROLE_DIRECTORY, ROLE_LEGACY, ROLE_SECRET};
use crate::store::Store;
use crate::turnstile::Turnstile;
use crate::writethrough::{Room, WriteThrough};
use crate::{app, directory_room, legacy_room, secret_room};

// `alarm` also binds `fetch`.
#[durable_object(alarm)]
pub struct SecretWriter {
    state: State,
    env: Env,
    /// Storage calls alone would let requests interleave at each KV await;
    /// one request at a time makes check-then-write atomic.
    turn: Turnstile,
    /// Whether this instance has caught up with what an earlier one left
    /// (moved in, repaired KV, told the directory).
    caught_up: Cell<bool>,
    /// Whether an alarm is known to be set.
    alarm_set: Cell<bool>,
    /// The role this instance plays, kept in storage for the alarm the
    /// first time one is set (`role_kept`): an object only read, such as
    /// one a pull of an unknown name touched, stores nothing.
    role: std::cell::RefCell<String>,
    role_kept: Cell<bool>,
    /// The test settings, read once per instance: a missing variable is
    /// an error value workers-rs builds with text, too dear per request.
    crash_after_commit: bool,
    trace: bool,
    /// Known in this instance, so not read again per request: the
    /// directory's move is done; a secret's object holds its records.
    moved: Cell<bool>,
    ready: Cell<bool>,
}

/// A repair pass is due this long after a write (a crash may follow it).
const REPAIR_AFTER_MS: i64 = 10_000;
/// This long after a request whose KV write (or telling the directory) failed.
const KV_FAILED_RETRY_MS: i64 = 2_000;
/// And this long after a pass that left work undone.
const RETRY_AFTER_MS: i64 = 30_000;
/// A queued webhook delivery's first attempt.
const DELIVER_AFTER_MS: i64 = 500;
/// `REGCRED_TEST_FAILPOINT=after-commit`: every secret write stops after the
/// object's commit and before KV, as a crash there would. Only for the fault
/// tests; never set it in production.
const FAILPOINT: &str = "REGCRED_TEST_FAILPOINT";
/// `REGCRED_TEST_TRACE_OBJECTS=true`: one log line per request an object
/// gets (`regcred-object <role> <call or method>`), which `cargo xtask
/// bench` counts. Names only; never set it in production.
const TRACE: &str = "REGCRED_TEST_TRACE_OBJECTS";
/// Where an object keeps the role it plays, for its alarm.
const ROLE_KEY: &str = "room:";

/// The role of an object, and a secret's name.
enum Role {
    Secret(SecretName),
    Directory,
    Legacy,
}

impl Role {
    fn parse(text: &str) -> Option<Role> {
        match text {
            ROLE_DIRECTORY => Some(Role::Directory),
            ROLE_LEGACY => Some(Role::Legacy),
            _ => {
                let name = text.strip_prefix(ROLE_SECRET)?.strip_prefix(':')?;
                SecretName::parse(name).ok().map(Role::Secret)
            }
        }
    }

    fn of(req: &Request) -> Option<Role> {
        let header = |n: &str| req.headers().get(n).ok().flatten();
        match header(ROLE_HEADER)?.as_str() {
            ROLE_SECRET => Some(Role::Secret(SecretName::parse(&header(NAME_HEADER)?).ok()?)),
            other => Role::parse(other),
        }
    }

    fn text(&self) -> String {
        match self {
            Role::Secret(n) => format!("{ROLE_SECRET}:{n}"),
            Role::Directory => ROLE_DIRECTORY.to_owned(),
            Role::Legacy => ROLE_LEGACY.to_owned(),
        }
    }

    fn room(&self) -> Room {
        match self {
            Role::Secret(_) => Room::Secret,
            Role::Directory => Room::Directory,
            Role::Legacy => Room::Legacy,
        }
    }
}

fn failed(e: ApiError) -> Result<Response> {
    to_worker(crate::http::finish(OurResponse::error(e), "object"))
}

impl DurableObject for SecretWriter {
    fn new(state: State, env: Env) -> Self {
        SecretWriter {
            turn: Turnstile::default(),
            caught_up: Cell::new(false),
            alarm_set: Cell::new(false),
            role: std::cell::RefCell::new(String::new()),
            role_kept: Cell::new(false),
            crash_after_commit: env
                .var(FAILPOINT)
                .is_ok_and(|v| v.to_string() == "after-commit"),
            trace: env.var(TRACE).is_ok_and(|v| v.to_string() == "true"),
            moved: Cell::new(false),
            ready: Cell::new(false),
            state,
            env,
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let Some(role) = Role::of(&req) else {
            return failed(ApiError::new(
                ErrorCode::InternalError,
                "a request reached a Durable Object without its role; deploy the worker and its objects together",
            ));
        };
        if self.role.borrow().is_empty() {
            *self.role.borrow_mut() = role.text();
        }
        let Some(kv) = Kv::from_env(&self.env, KV_BINDING) else {
            return failed(ApiError::new(
                ErrorCode::InternalError,
                format!("no KV binding named {KV_BINDING}; check wrangler.toml"),
            ));
        };
        let authority = ObjectStorage(self.state.storage());
        let rooms = EdgeRooms::new(&self.env);
        let through = WriteThrough::of(role.room(), &authority, &kv);
        let through = if self.crash_after_commit && role.room() == Room::Secret {
            through.crashing_after_commit()
        } else {
            through
        };
        let store = EdgeStore::Through(through, &rooms);
        let call = req.headers().get(CALL_HEADER).ok().flatten();
        if self.trace {
            let what = call.clone().unwrap_or_else(|| req.inner().method());
            worker::console_log!("regcred-object {} {what}", role.text());
        }
        let resp = match &role {
            Role::Secret(name) => self.secret(req, name, call, &store, &rooms).await,
            Role::Directory => self.directory(req, call, &store, &rooms).await,
            Role::Legacy => self.legacy(req, call, &store).await,
        };
        // A webhook delivery was queued: its first attempt within seconds.
        if crate::outbox::take_queued() {
            self.alarm_set.set(false);
            self.arm(DELIVER_AFTER_MS).await;
        }
        resp
    }

    async fn alarm(&self) -> Result<Response> {
        self.alarm_set.set(false);
        let Some(kv) = Kv::from_env(&self.env, KV_BINDING) else {
            return Response::ok("");
        };
        let authority = ObjectStorage(self.state.storage());
        let role = self
            .state
            .storage()
            .get_multiple(vec![ROLE_KEY])
            .await
            .ok()
            .and_then(|m| m.get(&ROLE_KEY.into()).as_string())
            .and_then(|t| Role::parse(&t));
        let Some(role) = role else {
            return Response::ok("");
        };
        let rooms = EdgeRooms::new(&self.env);
        let store = EdgeStore::Through(WriteThrough::of(role.room(), &authority, &kv), &rooms);
        let config = runtime::config(&self.env);
        let left = self
            .turn
            .run(async {
                let mut left = self.repair(&store).await;
                if let (Role::Secret(name), Ok(cfg)) = (&role, config.as_ref()) {
                    self.sweep(&store, cfg).await;
                    left += self.tell(&store, cfg, &rooms, name).await;
                }
                left
            })
            .await;
        // Deliveries run outside the turn too: a receiver that hangs must
        // not hold up a write.
        let next_delivery = match config.as_ref() {
            Ok(cfg) => {
                let parts = Parts::new(&self.env);
                let ctx = parts.ctx(&store);
                crate::outbox::deliver_due(&ctx, cfg).await
            }
            Err(_) => None,
        };
        // The move runs outside the turn: it calls secrets' objects, which
        // call the directory back.
        let moved = match role {
            Role::Directory => directory_room::migrate(&store, &rooms).await,
            _ => Ok(true),
        };
        // Wake for whichever is due first: the next batch of the move, a
        // retry of what failed, the next delivery.
        let mut wake: Option<i64> =
            next_delivery.map(|due| (due - runtime::now().epoch_ms()).max(0));
        let mut soon = |ms: i64| wake = Some(wake.map_or(ms, |w| w.min(ms)));
        match moved {
            Ok(false) => soon(0),
            Err(e) => {
                worker::console_error!("regcred's move into objects per secret: {}", e.0);
                soon(RETRY_AFTER_MS);
            }
            Ok(true) if left > 0 => soon(RETRY_AFTER_MS),
            Ok(true) => {}
        }
        if let Some(ms) = wake {
            self.alarm_set.set(false);
            self.arm(ms).await;
        }
        Response::ok("")
    }
}

impl SecretWriter {
    async fn secret(
        &self,
        req: Request,
        name: &SecretName,
        call: Option<String>,
        store: &EdgeStore<'_>,
        rooms: &EdgeRooms,
    ) -> Result<Response> {
        // Pulls only read the object's own storage: once caught up they
        // need no turn, and never wait behind a write.
        if call.is_none() && req.method() == Method::Get && self.caught_up.get() {
            return serve(req, name, &self.env, store).await;
        }
        let config = runtime::config(&self.env);
        // The move's call takes no turn: it may come while this object
        // waits on the directory, which is running the move. Moving in and
        // telling are idempotent, and a state told out of order differs
        // from the records, so the next write or alarm tells it again.
        if call.as_deref() == Some(op::TOUCH) {
            if let Err(e) = secret_room::move_in(store, rooms, name).await {
                return failed(e.into());
            }
            if let Ok(cfg) = config.as_ref() {
                if self.tell(store, cfg, rooms, name).await > 0 {
                    return failed(ApiError::new(
                        ErrorCode::InternalError,
                        format!("{name} could not tell the directory its state"),
                    ));
                }
            }
            self.arm(REPAIR_AFTER_MS).await;
            return to_worker(OurResponse::json(200, &()));
        }
        self.turn
            .run(async {
                if !self.caught_up.get() {
                    if let Err(e) = secret_room::move_in(store, rooms, name).await {
                        worker::console_error!("regcred could not move {name} in: {}", e.0);
                        return failed(e.into());
                    }
                    self.repair(store).await;
                    if let Ok(cfg) = config.as_ref() {
                        self.tell(store, cfg, rooms, name).await;
                    }
                    self.caught_up.set(true);
                }
                let writes = match call.as_deref() {
                    Some(c) => c != op::RECORD,
                    None => req.method() != Method::Get,
                };
                if writes {
                    self.arm(REPAIR_AFTER_MS).await;
                    if !self.ready.get() {
                        if let Err(e) = secret_room::keep_ready(store).await {
                            return failed(e.into());
                        }
                        self.ready.set(true);
                    }
                }
                let resp = match call.as_deref() {
                    Some(c) => self.internal_secret(req, name, c, store, rooms).await,
                    None => serve(req, name, &self.env, store).await,
                };
                let mut retry = store.repair_pending();
                if writes {
                    if let Ok(cfg) = config.as_ref() {
                        retry |= self.tell(store, cfg, rooms, name).await > 0;
                    }
                }
                if retry {
                    self.alarm_set.set(false);
                    self.arm(KV_FAILED_RETRY_MS).await;
                }
                resp
            })
            .await
    }

    async fn internal_secret(
        &self,
        mut req: Request,
        name: &SecretName,
        call: &str,
        store: &EdgeStore<'_>,
        rooms: &EdgeRooms,
    ) -> Result<Response> {
        let body = req.bytes().await.unwrap_or_default();
        let parts = Parts::new(&self.env);
        let cfg = match parts.config.as_ref() {
            Ok(c) => c,
            Err(e) => return failed(ApiError::new(ErrorCode::InternalError, e.clone())),
        };
        let ctx = parts.ctx(store);
        let answer = secret_room::internal(&ctx, cfg, rooms, name, call, &body).await;
        to_worker(answer.unwrap_or_else(OurResponse::error))
    }

    async fn directory(
        &self,
        mut req: Request,
        call: Option<String>,
        store: &EdgeStore<'_>,
        rooms: &EdgeRooms,
    ) -> Result<Response> {
        if !self.caught_up.get() {
            self.turn
                .run(async {
                    self.repair(store).await;
                })
                .await;
            self.caught_up.set(true);
        }
        if !self.moved.get() {
            let done = store.get(crate::directory::MIGRATED_KEY).await;
            self.moved.set(matches!(done, Ok(Some(_))));
        }
        let migrated = self.moved.get();
        match call.as_deref() {
            // Secrets' objects call these holding their own turn. The move
            // may run first: the calls it makes (the legacy object, and
            // `touch`, which takes no turn) never wait on a turn.
            Some(c @ (op::RESERVE | op::PUBLISH)) => {
                if c == op::RESERVE && !migrated && !self.move_now(store, rooms).await {
                    return failed(directory_room::moving());
                }
                let body = req.bytes().await.unwrap_or_default();
                let answer = self
                    .turn
                    .run(async {
                        let a = directory_room::internal(store, rooms, c, &body).await;
                        if store.repair_pending() {
                            self.alarm_set.set(false);
                            self.arm(KV_FAILED_RETRY_MS).await;
                        }
                        a
                    })
                    .await;
                to_worker(answer.unwrap_or_else(OurResponse::error))
            }
            Some(c) => {
                if !migrated {
                    self.move_now(store, rooms).await;
                }
                let body = req.bytes().await.unwrap_or_default();
                let answer = directory_room::internal(store, rooms, c, &body).await;
                to_worker(answer.unwrap_or_else(OurResponse::error))
            }
            None => {
                if !migrated {
                    self.move_now(store, rooms).await;
                }
                let ours = read_whole(&req).await;
                let parts = Parts::new(&self.env);
                to_worker(directory_room::handle(&ours, &parts.ctx(store), rooms).await)
            }
        }
    }

    /// Moves what a request can; the alarm goes on with the rest. Answers
    /// whether the move is done.
    async fn move_now(&self, store: &EdgeStore<'_>, rooms: &EdgeRooms) -> bool {
        match directory_room::migrate(store, rooms).await {
            Ok(true) => true,
            Ok(false) => {
                self.arm(0).await;
                false
            }
            Err(e) => {
                worker::console_error!("regcred's move into objects per secret: {}", e.0);
                self.arm(RETRY_AFTER_MS).await;
                false
            }
        }
    }

    async fn legacy(
        &self,
        mut req: Request,
        call: Option<String>,
        store: &EdgeStore<'_>,
    ) -> Result<Response> {
        let Some(call) = call else {
            return failed(ApiError::new(
                ErrorCode::InternalError,
                "the legacy object serves no request since secrets have objects of their own",
            ));
        };
        let body = req.bytes().await.unwrap_or_default();
        let answer = self
            .turn
            .run(async {
                if !self.caught_up.get() {
                    self.repair(store).await;
                    self.caught_up.set(true);
                }
                legacy_room::internal(store, &call, &body).await
            })
            .await;
        to_worker(answer.unwrap_or_else(OurResponse::error))
    }

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

    /// Tells the directory the name's state if it changed; 1 if that failed.
    async fn tell(
        &self,
        store: &EdgeStore<'_>,
        cfg: &crate::config::Config,
        rooms: &EdgeRooms,
        name: &SecretName,
    ) -> u32 {
        match secret_room::publish_due(store, cfg, rooms, name).await {
            Ok(()) => 0,
            Err(e) => {
                worker::console_error!(
                    "regcred could not tell the directory about {name}: {}",
                    e.0
                );
                1
            }
        }
    }

    /// Drops the deleted secret past its retention (`history::sweep`).
    async fn sweep(&self, store: &EdgeStore<'_>, cfg: &crate::config::Config) {
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
        if !self.role_kept.get() {
            let role = self.role.borrow().clone();
            let kept = self
                .state
                .storage()
                .put_raw(ROLE_KEY, wasm_bindgen::JsValue::from_str(&role))
                .await;
            self.role_kept.set(kept.is_ok());
        }
        // An i64 is an offset from now, in milliseconds.
        if self.state.storage().set_alarm(in_ms).await.is_ok() {
            self.alarm_set.set(true);
        }
    }
}

/// Our request with its body, read up to the largest any route takes (the
/// route's own cap is checked after).
async fn read_whole(req: &Request) -> crate::http::Request {
    let mut ours = head_of(req.inner());
    (ours.body, ours.body_oversize) =
        read_body(req.inner(), ours.method, MAX_RESTORE_BODY_BYTES).await;
    ours
}

/// What a request's context borrows, made once per request.
struct Parts {
    config: std::rc::Rc<std::result::Result<crate::config::Config, String>>,
    access: Box<dyn Fn(String) -> crate::edge::access::Answer>,
}

impl Parts {
    fn new(env: &Env) -> Parts {
        let config = runtime::config(env);
        let access = Box::new(crate::edge::access::hook(&config));
        Parts { config, access }
    }

    fn ctx<'a, S>(&'a self, store: &'a S) -> Ctx<'a, S> {
        Ctx {
            store,
            config: &self.config,
            now: runtime::now(),
            random: &runtime::random,
            fetch: &runtime::fetch,
            sign: &crate::edge::sign::rs256,
            workload: &crate::edge::workload::verify,
            throttle: &no_throttle,
            access: &*self.access,
        }
    }
}

/// Failures never get this far; none is counted in an object.
fn no_throttle(_: &str) -> Pin<Box<dyn Future<Output = bool>>> {
    Box::pin(async { true })
}

/// Runs every check and the handler for one request inside a secret's
/// object. The fetch handler already refused what fails; the checks run
/// again because they cost little and the object must not trust what
/// reaches it.
async fn serve(
    req: Request,
    name: &SecretName,
    env: &Env,
    store: &EdgeStore<'_>,
) -> Result<Response> {
    let ours = read_whole(&req).await;
    // The worker sends each secret's requests to its object; one naming
    // another secret would write into the wrong object.
    if app::secret_named(&ours).is_some_and(|n| n != name.as_str()) {
        return failed(ApiError::new(
            ErrorCode::InternalError,
            format!("a request for another secret reached the object of \"{name}\"; deploy the worker and its objects together"),
        ));
    }
    let parts = Parts::new(env);
    to_worker(app::handle(&ours, &parts.ctx(store)).await)
}
