//! Webhook deliveries. An event is queued in the object that saw it (a
//! secret's object for its changes of state, the directory for a test):
//! `outbox:<webhook-id>:<receiver>` in that object's own storage, one per
//! receiver. The object's alarm sends what is due, outside its write
//! turnstile, so a receiver that hangs never slows a write or a pull.
//! Each attempt keeps the event's `webhook-id`, is signed again with its
//! own `webhook-timestamp`, and goes through the login check's rails (a
//! vetted URL, no redirects, 10 s, a capped body). A 2xx delivers it;
//! otherwise it waits its turn of `REGCRED_WEBHOOK_RETRY_SECONDS` and is
//! recorded `failed` after the last. What each delivery did is in KV
//! (`delivery:<receiver>:<inverted ms>:<webhook-id>`), for the list.

use std::cell::Cell;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::address;
use shared::api::DeliveryInfo;
use shared::apitoken::hex;
use shared::login::{ProbeRequest, ProbeResponse, REQUEST_TIMEOUT_MS};
use shared::webhook::{sign, slack_body, standard_body, EventData, EventType};
use shared::SecretName;

use crate::config::Config;
use crate::ctx::Ctx;
use crate::record::SecretMeta;
use crate::store::Store;
use crate::webhooks::{self, delivery_prefix, WebhookMeta};

/// Queued deliveries, in the object's own storage.
pub const OUTBOX_PREFIX: &str = "outbox:";
/// Delivery records are kept this long.
const RECORD_TTL_SECS: u64 = 30 * 86_400;
const MAX_MS: i64 = 9_999_999_999_999;

thread_local! {
    /// Set when this isolate queued a delivery: the object arms its alarm.
    static QUEUED: Cell<bool> = const { Cell::new(false) };
}

/// Whether a delivery was queued since the last ask (and forget it).
pub fn take_queued() -> bool {
    QUEUED.with(|q| q.replace(false))
}

/// One event on its way to one receiver.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    /// The `webhook-id`: the same on every attempt.
    pub id: String,
    pub receiver: String,
    pub event: String,
    pub data: EventData,
    pub created_ms: i64,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due (epoch ms).
    pub due_ms: i64,
}

impl Pending {
    fn outbox_key(&self) -> String {
        format!("{OUTBOX_PREFIX}{}:{}", self.id, self.receiver)
    }

    fn record_key(&self) -> String {
        format!(
            "{}{:013}:{}",
            delivery_prefix(&self.receiver),
            MAX_MS - self.created_ms,
            self.id
        )
    }
}

/// Queues the events a check sent (its `health` after it) to every
/// receiver that wants them.
pub async fn emit<S: Store>(
    ctx: &Ctx<'_, S>,
    name: &SecretName,
    events: &[EventType],
    health: &shared::health::Health,
) {
    if events.is_empty() {
        return;
    }
    let meta = match crate::record::load(ctx, name).await {
        Ok(stored) => SecretMeta::of(&stored),
        Err(_) => return,
    };
    let data = EventData {
        name: name.to_string(),
        registries: meta.registries.clone(),
        status: serde_json::to_value(health.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        message: health.message.clone(),
        failing_since: health.failing_since.clone(),
        expires_at: meta.expires_at.clone().filter(|e| !e.is_empty()),
    };
    for event in events {
        queue(ctx, *event, &data, None).await;
    }
}

/// Queues `event` for every receiver that wants it, or for `only`.
pub async fn queue<S: Store>(
    ctx: &Ctx<'_, S>,
    event: EventType,
    data: &EventData,
    only: Option<&str>,
) {
    let Ok(receivers) = webhooks::receivers(ctx.store).await else {
        return;
    };
    let mut random = [0u8; 12];
    if !(ctx.random)(&mut random) {
        return;
    }
    let id = format!("msg_{}", hex(&random));
    let now = ctx.now.epoch_ms();
    for (receiver, meta) in receivers {
        let wanted = match only {
            Some(o) => o == receiver,
            None => meta.wants(event),
        };
        if !wanted {
            continue;
        }
        let p = Pending {
            id: id.clone(),
            receiver,
            event: event.as_str().to_owned(),
            data: data.clone(),
            created_ms: now,
            attempts: 0,
            due_ms: now,
        };
        if put_pending(ctx.store, &p).await.is_ok() {
            record(ctx.store, &p, "retrying", 0).await;
            QUEUED.with(|q| q.set(true));
        }
    }
}

/// The delivery is its key's metadata: one list reads every one.
async fn put_pending<S: Store>(store: &S, p: &Pending) -> Result<(), crate::store::StoreError> {
    let meta = serde_json::to_value(p).unwrap_or(Value::Null);
    store.put(&p.outbox_key(), "", &meta).await
}

/// Writes what the delivery did so far to KV (the list reads it).
async fn record<S: Store>(store: &S, p: &Pending, status: &str, last_status: u16) {
    let info = DeliveryInfo {
        id: p.id.clone(),
        event: p.event.clone(),
        created_at: crate::ctx::Now::from_epoch_ms(p.created_ms).to_string(),
        attempts: p.attempts,
        status: status.to_owned(),
        last_status,
    };
    if let Ok(v) = serde_json::to_value(&info) {
        let _ = store
            .put_expiring(&p.record_key(), "", &v, RECORD_TTL_SECS)
            .await;
    }
}

/// Sends every delivery that is due; answers when the next one is due
/// (epoch ms), if any is left.
pub async fn deliver_due<S: Store>(ctx: &Ctx<'_, S>, cfg: &Config) -> Option<i64> {
    let now = ctx.now.epoch_ms();
    let mut pending: Vec<Pending> = Vec::new();
    let mut pages = ctx.store.pages(OUTBOX_PREFIX);
    while let Ok(Some(keys)) = pages.next().await {
        pending.extend(keys.iter().filter_map(|k| k.read_metadata::<Pending>()));
    }
    let mut next: Option<i64> = None;
    // Each receiver is read (and its secret opened) once per run, however
    // many of its deliveries are due.
    let mut receivers: HashMap<String, Option<Receiver>> = HashMap::new();
    for mut p in pending {
        if p.due_ms > now {
            next = Some(next.map_or(p.due_ms, |n| n.min(p.due_ms)));
            continue;
        }
        if !receivers.contains_key(&p.receiver) {
            let found = webhooks::receiver(ctx.store, cfg, &p.receiver)
                .await
                .ok()
                .flatten();
            receivers.insert(p.receiver.clone(), found);
        }
        let receiver = receivers.get(&p.receiver).and_then(Option::as_ref);
        let status = attempt(ctx, cfg, &p, receiver).await;
        p.attempts += 1;
        let delivered = (200..300).contains(&status);
        let retries = &cfg.webhook_retry_secs;
        if delivered || status == GONE || p.attempts as usize > retries.len() {
            let word = if delivered { "delivered" } else { "failed" };
            record(ctx.store, &p, word, status).await;
            let _ = ctx.store.delete(&p.outbox_key()).await;
            continue;
        }
        let wait = retries[p.attempts as usize - 1];
        p.due_ms = now + i64::from(wait) * 1000;
        record(ctx.store, &p, "retrying", status).await;
        let _ = put_pending(ctx.store, &p).await;
        next = Some(next.map_or(p.due_ms, |n| n.min(p.due_ms)));
    }
    next
}

/// The receiver was removed: the delivery ends.
const GONE: u16 = 1;

/// A receiver and its signing key.
type Receiver = (webhooks::WebhookMeta, Vec<u8>);

/// One attempt: the HTTP status, or 0 when no answer came.
async fn attempt<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    p: &Pending,
    receiver: Option<&Receiver>,
) -> u16 {
    let Some((meta, key)) = receiver else {
        return GONE;
    };
    let Some(event) = EventType::parse(&p.event) else {
        return GONE;
    };
    let body = body_for(meta, event, &p.data, ctx.now.timestamp().to_string());
    if address::vet_url(&meta.url, cfg.allow_http_loopback).is_err() {
        return 0;
    }
    let ts = ctx.now.timestamp().unix_seconds();
    let req = ProbeRequest {
        url: meta.url.clone(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("webhook-id".into(), p.id.clone()),
            ("webhook-timestamp".into(), ts.to_string()),
            ("webhook-signature".into(), sign(key, &p.id, ts, &body)),
        ],
        body: Some(body),
        deadline_ms: Some(ctx.now.epoch_ms() + REQUEST_TIMEOUT_MS),
    };
    match (ctx.fetch)(req).await {
        ProbeResponse::Answer { status, .. } => status,
        ProbeResponse::Failed(_) => 0,
    }
}

fn body_for(meta: &WebhookMeta, event: EventType, data: &EventData, timestamp: String) -> String {
    match meta.format.as_str() {
        "slack" => slack_body(event, data),
        _ => standard_body(event, &timestamp, data),
    }
}
