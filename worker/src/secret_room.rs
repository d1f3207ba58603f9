//! A secret's own object: its live record, deleted record and kept
//! versions live there, every write of the name is ordered there, and pulls
//! by name are served there. Client requests run through the app as they
//! are (`app::handle`); this file is what the object adds: moving in from
//! the legacy object on its first touch, telling the directory the name's
//! state after a change, and the calls other objects make.

use serde_json::Value;
use shared::api::{ApiError, BackupItem, ErrorCode};
use shared::SecretName;

use crate::brokered::Caller;
use crate::config::Config;
use crate::ctx::Ctx;
use crate::directory::{IndexEntry, NameState};
use crate::http::Response;
use crate::name_state;
use crate::record::key;
use crate::rooms::{
    call, op, CurrentWire, Named, Publish, Puller, RecordWire, Reserve, Rooms, Target, Window,
};
use crate::store::{Store, StoreError};
use crate::{backup, keys};

/// Set once the object holds what the legacy object held for its name.
pub const READY_KEY: &str = "ready:";

/// Moves this name's records in from the legacy object, once: secrets
/// written before objects per secret keep everything.
pub async fn move_in<S: Store, R: Rooms>(
    store: &S,
    rooms: &R,
    name: &SecretName,
) -> Result<(), StoreError> {
    if store.get(READY_KEY).await?.is_some() {
        return Ok(());
    }
    // Once the directory's move is done (KV says so), no name is left in
    // the legacy object: a new name's first touch asks no global object.
    if store.get(crate::directory::MOVED_KEY).await?.is_some() {
        return Ok(());
    }
    let body = Named {
        name: name.to_string(),
    };
    let items: Vec<BackupItem> = call(rooms, Target::Legacy, op::RECORDS_OF, &body).await?;
    if items.is_empty() {
        // Nothing to move: storing that would give every name a pull ever
        // asked for storage. The first write keeps it (`keep_ready`).
        return Ok(());
    }
    for item in &items {
        if store.get(&item.key).await?.is_none() {
            store.put(&item.key, &item.value, &item.metadata).await?;
        }
    }
    store.put(READY_KEY, "", &Value::Null).await
}

/// Before a write: from now on the object holds the name's records, and
/// never asks the legacy object again.
pub async fn keep_ready<S: Store>(store: &S) -> Result<(), StoreError> {
    if store.get(READY_KEY).await?.is_none() {
        store.put(READY_KEY, "", &Value::Null).await?;
    }
    Ok(())
}

/// A place under the quota for `name`, asked of the directory (a secret's
/// object cannot count the others), which takes the name as live with
/// `registries` at once: a create needs no second call to tell it. Should
/// the write not follow, the state told differs from the records, and the
/// object's alarm tells the truth.
pub async fn reserve<S: Store, R: Rooms>(
    store: &S,
    rooms: &R,
    name: &SecretName,
    registries: &[String],
    max: u64,
) -> Result<bool, StoreError> {
    let state = NameState::Live {
        registries: registries
            .iter()
            .map(|r| IndexEntry {
                registry: r.clone(),
            })
            .collect(),
    };
    name_state::forget_published(store).await?;
    let body = Reserve {
        name: name.to_string(),
        max,
        state: state.clone(),
    };
    let granted = call(rooms, Target::Directory, op::RESERVE, &body).await?;
    if granted {
        name_state::told(store, &state).await?;
    }
    Ok(granted)
}

/// Tells the directory the name's state if it changed since it last took
/// one; answers the state.
pub async fn publish_due<S: Store, R: Rooms>(
    store: &S,
    cfg: &Config,
    rooms: &R,
    name: &SecretName,
) -> Result<(), StoreError> {
    let Some(state) = name_state::due(store, cfg, name).await? else {
        return Ok(());
    };
    let body = Publish {
        name: name.to_string(),
        state,
    };
    let () = call(rooms, Target::Directory, op::PUBLISH, &body).await?;
    name_state::told(store, &body.state).await
}

fn bad_call(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequestBody, format!("internal call: {e}"))
}

/// Answers a call from another object (`rooms::op`).
pub async fn internal<S: Store, R: Rooms>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    rooms: &R,
    name: &SecretName,
    operation: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let window = || serde_json::from_slice::<Window>(body).map_err(bad_call);
    match operation {
        op::RECORD => {
            let found = ctx.store.get(&key(name)).await?.map(|s| RecordWire {
                value: s.value,
                metadata: s.metadata.unwrap_or(Value::Null),
            });
            Ok(Response::json(200, &found))
        }
        op::CURRENT => {
            let who: Puller = serde_json::from_slice(body).map_err(bad_call)?;
            let caller = Caller {
                actor: &who.actor,
                request_id: &who.request_id,
            };
            let answer: CurrentWire = crate::brokered::of_record(ctx, cfg, name, caller)
                .await
                .map(|h| h.current);
            Ok(Response::json(200, &answer))
        }
        op::CHECK => {
            let who: Puller = serde_json::from_slice(body).map_err(bad_call)?;
            let caller = Caller {
                actor: &who.actor,
                request_id: &who.request_id,
            };
            let checked = crate::watch::check(ctx, cfg, name, caller).await?;
            crate::outbox::emit(ctx, name, &checked.events, &checked.watch.health).await;
            let status = checked.watch.health.status;
            Ok(Response::json(200, &crate::schedule::Checked { status }))
        }
        op::SWEEP_ONE => {
            // The run's time, so the object judges the retention as the directory did.
            let now_secs: i64 = serde_json::from_slice(body).map_err(bad_call)?;
            let now = crate::ctx::Now::from_epoch_ms(now_secs.saturating_mul(1000));
            let policy = crate::history::Policy::of(cfg, now);
            let gone = crate::history::sweep(ctx.store, &policy).await?;
            publish_due(ctx.store, cfg, rooms, name).await?;
            Ok(Response::json(200, &gone))
        }
        op::TOUCH => {
            publish_due(ctx.store, cfg, rooms, name).await?;
            Ok(Response::json(200, &()))
        }
        op::RECORDS => backup::export(ctx, &window()?.query()).await,
        op::KEYS => keys::list(ctx, cfg).await,
        op::REWRAP => {
            let resp = keys::rewrap(ctx, cfg, &window()?.query()).await?;
            publish_due(ctx.store, cfg, rooms, name).await?;
            Ok(resp)
        }
        op::PUT_RECORDS => {
            let items: Vec<BackupItem> = serde_json::from_slice(body).map_err(bad_call)?;
            for item in &items {
                ctx.store
                    .put(&item.key, &item.value, &item.metadata)
                    .await?;
            }
            publish_due(ctx.store, cfg, rooms, name).await?;
            Ok(Response::json(200, &()))
        }
        other => Err(bad_call(format!("a secret's object has no call {other}"))),
    }
}
