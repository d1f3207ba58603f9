//! A brokered secret's current credential: kept sealed in the secret's own
//! object (`minted:`, bound to the record's version, so a new source never
//! answers with the old one's credential), minted again once half its life
//! is gone, and minted once for pulls that arrive together. Each mint is an
//! audit event of its own; what list and get show of it (`source.mintedAt`,
//! `source.mintedUntil`) is written into the record's metadata, which keeps
//! its version (a mint is not an edit).

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use serde_json::Value;
use shared::api::{ApiError, ErrorCode};
use shared::brokered::Current;
use shared::source::Source;
use shared::{DockerConfig, SecretName};

use crate::audit::{record_mint, MintRecord};
use crate::config::Config;
use crate::ctx::Ctx;
use crate::mint::{mint, Minting};
use crate::record::{self, SecretMeta};
use crate::store::{Store, Stored};

/// The current credential, sealed, in the secret's own object
/// (`minted:<name>`: named, so a store holding several secrets, as native
/// tests use, keeps each one's apart).
pub const CURRENT_KEY: &str = "minted:";

fn current_key(name: &SecretName) -> String {
    format!("{CURRENT_KEY}{name}")
}

/// Who pulled, for the mint's audit record.
#[derive(Clone, Copy)]
pub struct Caller<'a> {
    pub actor: &'a str,
    pub request_id: &'a str,
}

/// What a puller gets: the one-registry document and when it runs out.
pub struct Handed {
    pub config: DockerConfig,
    pub current: Current,
}

/// The credential `source` yields now: the kept one while more than half
/// its life is left, else a new mint (shared with pulls already waiting
/// for one).
pub async fn current<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    stored: &Stored,
    source: &Source,
    caller: Caller<'_>,
) -> Result<Handed, ApiError> {
    let now = ctx.now.timestamp();
    let version = SecretMeta::of(stored).version;
    if let Some(kept) = kept(ctx, cfg, name, version).await {
        if !kept.due(now) {
            return handed(name, source, kept);
        }
    }
    let slot = match Flight::join(name.as_str()) {
        Flight::Waiting(wait) => return handed(name, source, wait.await?),
        Flight::Leading(slot) => slot,
    };
    let outcome = mint_and_keep(ctx, cfg, name, stored, source, caller).await;
    slot.land(outcome.clone());
    handed(name, source, outcome?)
}

/// `current` of the stored record of `name`, which must be brokered.
pub async fn of_record<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    caller: Caller<'_>,
) -> Result<Handed, ApiError> {
    let stored = record::load(ctx, name).await?;
    let text = record::open(cfg, name, &stored)?;
    let source = shared::brokered::parse_stored(&text).ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("\"{name}\" holds no cloud source any more; ask again"),
        )
    })?;
    current(ctx, cfg, name, &stored, &source, caller).await
}

fn handed(name: &SecretName, source: &Source, current: Current) -> Result<Handed, ApiError> {
    let config = current.document(source).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InternalError,
            format!("the source of \"{name}\" names no valid registry; send a new source"),
        )
    })?;
    Ok(Handed { config, current })
}

/// The kept credential, if one opens under the record's version.
async fn kept<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    version: u64,
) -> Option<Current> {
    let stored = ctx.store.get(&current_key(name)).await.ok()??;
    let plain = cfg.keyring.open(name, version, &stored.value).ok()?;
    serde_json::from_slice(&plain).ok()
}

async fn mint_and_keep<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    stored: &Stored,
    source: &Source,
    caller: Caller<'_>,
) -> Result<Current, ApiError> {
    let minting = Minting {
        fetch: ctx.fetch,
        sign: ctx.sign,
        allow_loopback: cfg.allow_http_loopback,
        now_ms: ctx.now.epoch_ms(),
    };
    let now = ctx.now.timestamp();
    let result = mint(&minting, source, now).await;
    let record = |outcome: String, expires_at: Option<String>, kept: bool| MintRecord {
        secret: name,
        actor: caller.actor,
        provider: source.kind(),
        outcome,
        expires_at,
        kept,
    };
    let (now_ms, id, days) = (ctx.now, caller.request_id, cfg.audit_days);
    let minted = match result {
        Ok(m) => m,
        Err(e) => {
            let m = record(e.code.clone(), None, false);
            record_mint(ctx.store, m, now_ms, id, days).await;
            return Err(e.to_api());
        }
    };
    let keep = minted.keepable(now);
    let current = Current::of(minted, now);
    if keep {
        keep_current(ctx, cfg, name, stored, &current).await?;
    }
    let until = current.expires().to_string();
    let m = record("success".into(), Some(until), keep);
    record_mint(ctx.store, m, now_ms, id, days).await;
    Ok(current)
}

/// Seals `current` beside the record, and shows its times in the record's
/// metadata (same value, same version).
async fn keep_current<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    stored: &Stored,
    current: &Current,
) -> Result<(), ApiError> {
    let mut meta = SecretMeta::of(stored);
    let plain = serde_json::to_vec(current).unwrap_or_default();
    let (sealed, _) = record::seal_text(ctx, cfg, name, meta.version, &plain)?;
    ctx.store
        .put(&current_key(name), &sealed, &Value::Null)
        .await?;
    if let Some(info) = meta.source.as_mut() {
        info.minted_at = Some(current.minted().to_string());
        info.minted_until = Some(current.expires().to_string());
    }
    let value = serde_json::to_value(&meta).unwrap_or(Value::Null);
    ctx.store
        .put(&record::key(name), &stored.value, &value)
        .await?;
    Ok(())
}

type Landed = Result<Current, ApiError>;

/// One mint per name in flight in this isolate: the first pull leads it,
/// the others wait for what it lands. A Durable Object runs every request
/// of its secret in one isolate, so this is per secret.
struct Slot {
    outcome: Option<Landed>,
    waiters: Vec<Waker>,
}

thread_local! {
    static FLIGHTS: RefCell<HashMap<String, Rc<RefCell<Slot>>>> = RefCell::new(HashMap::new());
}

enum Flight {
    Leading(Leader),
    Waiting(Wait),
}

impl Flight {
    fn join(name: &str) -> Flight {
        FLIGHTS.with(|f| {
            let mut f = f.borrow_mut();
            if let Some(slot) = f.get(name) {
                return Flight::Waiting(Wait(slot.clone()));
            }
            let slot = Rc::new(RefCell::new(Slot {
                outcome: None,
                waiters: Vec::new(),
            }));
            f.insert(name.to_owned(), slot);
            Flight::Leading(Leader {
                name: name.to_owned(),
                landed: false,
            })
        })
    }
}

struct Leader {
    name: String,
    landed: bool,
}

impl Leader {
    fn land(mut self, outcome: Landed) {
        self.finish(Some(outcome));
        self.landed = true;
    }

    fn finish(&self, outcome: Option<Landed>) {
        let slot = FLIGHTS.with(|f| f.borrow_mut().remove(&self.name));
        if let Some(slot) = slot {
            let mut slot = slot.borrow_mut();
            slot.outcome = Some(outcome.unwrap_or_else(|| {
                Err(ApiError::new(
                    ErrorCode::InternalError,
                    "the pull that was minting this credential stopped; try again",
                ))
            }));
            for w in slot.waiters.drain(..) {
                w.wake();
            }
        }
    }
}

impl Drop for Leader {
    /// A leader dropped before landing (its request went away) must not
    /// leave the others waiting for ever.
    fn drop(&mut self) {
        if !self.landed {
            self.finish(None);
        }
    }
}

struct Wait(Rc<RefCell<Slot>>);

impl Future for Wait {
    type Output = Landed;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Landed> {
        let mut slot = self.0.borrow_mut();
        match &slot.outcome {
            Some(o) => Poll::Ready(o.clone()),
            None => {
                slot.waiters.push(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
