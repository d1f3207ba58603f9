//! Webhook receivers (admin only): `webhook:<id>` in KV, the value the
//! receiver's signing secret sealed like a secret (bound to the name
//! `webhook-<id>`), the metadata what the list shows. Deliveries are
//! `outbox.rs`'s; their records are listed here.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::address;
use shared::api::{
    ApiError, CreateWebhookRequest, CreatedWebhook, DeliveryInfo, DeliveryList, ErrorCode,
    IdMessageResponse, WebhookInfo, WebhookList,
};
use shared::apitoken::hex;
use shared::webhook::{format_secret, EventType, SECRET_BYTES};
use shared::SecretName;

use crate::config::Config;
use crate::crypto::NONCE_LEN;
use crate::ctx::Ctx;
use crate::http::Response;
use crate::store::Store;

pub const PREFIX: &str = "webhook:";
/// What each delivery to a receiver did, in KV
/// (`delivery:<receiver>:<inverted ms>:<webhook-id>`; `outbox.rs` writes them).
pub const DELIVERY_PREFIX: &str = "delivery:";
/// Receivers a deployment may have.
pub const MAX_WEBHOOKS: u64 = 20;

/// What KV's metadata holds of a receiver.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookMeta {
    #[serde(rename = "u")]
    pub url: String,
    #[serde(rename = "e")]
    pub events: Vec<String>,
    #[serde(rename = "f")]
    pub format: String,
    #[serde(rename = "c")]
    pub created_at: String,
}

impl WebhookMeta {
    pub fn wants(&self, event: EventType) -> bool {
        self.events.iter().any(|e| e == event.as_str())
    }
}

pub fn delivery_prefix(receiver: &str) -> String {
    format!("{DELIVERY_PREFIX}{receiver}:")
}

pub fn key(id: &str) -> String {
    format!("{PREFIX}{id}")
}

/// The name a receiver's secret is sealed to.
fn sealed_name(id: &str) -> Result<SecretName, ApiError> {
    SecretName::parse(&format!("webhook-{id}"))
        .map_err(|e| ApiError::new(ErrorCode::InternalError, e.to_string()))
}

/// A receiver's id as a path gives it: 16 hex digits.
fn id_of(raw: &str) -> Result<&str, ApiError> {
    if shared::apitoken::is_id(raw) {
        Ok(raw)
    } else {
        Err(not_found(raw))
    }
}

fn not_found(id: &str) -> ApiError {
    let shown: String = id.chars().take(40).collect();
    ApiError::new(
        ErrorCode::NotFound,
        format!("there is no webhook {shown:?}; GET /v2/admin/webhooks lists them"),
    )
    .with_target("id")
}

fn bad(target: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequestBody, message).with_target(target)
}

/// `POST /v2/admin/webhooks`.
pub async fn create<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    body: &[u8],
) -> Result<Response, ApiError> {
    let req: CreateWebhookRequest = serde_json::from_slice(body).map_err(|e| {
        bad(
            "body",
            format!("{e}; send {{\"url\", \"events\"?, \"format\"?: \"standard\" | \"slack\"}}"),
        )
    })?;
    address::vet_url(&req.url, cfg.allow_http_loopback)
        .map_err(|why| bad("url", format!("\"url\": {}", why.message)))?;
    let events = match req.events {
        None => EventType::ALL
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect(),
        Some(list) if list.is_empty() => {
            return Err(bad(
                "events",
                "\"events\" names none; leave it out for all of them".into(),
            ))
        }
        Some(list) => {
            if let Some(unknown) = list.iter().find(|e| EventType::parse(e).is_none()) {
                let all: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
                return Err(bad(
                    "events",
                    format!(
                        "unknown event {unknown:?}; the events are {}",
                        all.join(", ")
                    ),
                ));
            }
            list
        }
    };
    let format = req.format.unwrap_or_else(|| "standard".into());
    if format != "standard" && format != "slack" {
        return Err(bad(
            "format",
            format!("\"format\" is \"standard\" or \"slack\", not {format:?}"),
        ));
    }
    if ctx.store.count(PREFIX, MAX_WEBHOOKS).await? >= MAX_WEBHOOKS {
        return Err(ApiError::new(
            ErrorCode::QuotaExceeded,
            format!("there are already {MAX_WEBHOOKS} webhooks; remove one first"),
        ));
    }
    let mut random = [0u8; SECRET_BYTES + 8 + NONCE_LEN];
    if !(ctx.random)(&mut random) {
        return Err(ApiError::new(
            ErrorCode::InternalError,
            "no secure random bytes were available; try again",
        ));
    }
    let mut secret_bytes = [0u8; SECRET_BYTES];
    secret_bytes.copy_from_slice(&random[..SECRET_BYTES]);
    let secret = format_secret(&secret_bytes);
    let id = hex(&random[SECRET_BYTES..SECRET_BYTES + 8]);
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&random[SECRET_BYTES + 8..]);
    let sealed = cfg
        .keyring
        .seal(&sealed_name(&id)?, 1, secret.as_bytes(), nonce)
        .map_err(|e| ApiError::new(ErrorCode::InternalError, e))?;
    let meta = WebhookMeta {
        url: req.url,
        events,
        format,
        created_at: ctx.now.timestamp().to_string(),
    };
    let value = serde_json::to_value(&meta).unwrap_or(Value::Null);
    ctx.store.put(&key(&id), &sealed, &value).await?;
    Ok(Response::json(201, &CreatedWebhook { id, secret }))
}

/// Every receiver, never a secret.
pub async fn receivers<S: Store>(store: &S) -> Result<Vec<(String, WebhookMeta)>, ApiError> {
    let mut out = Vec::new();
    let mut pages = store.pages(PREFIX);
    while let Some(keys) = pages.next().await? {
        for k in keys {
            if let Some(meta) = k.read_metadata::<WebhookMeta>() {
                out.push((k.name[PREFIX.len()..].to_owned(), meta));
            }
        }
    }
    Ok(out)
}

/// `GET /v2/admin/webhooks`.
pub async fn list<S: Store>(ctx: &Ctx<'_, S>) -> Result<Response, ApiError> {
    let resources: Vec<WebhookInfo> = receivers(ctx.store)
        .await?
        .into_iter()
        .map(|(id, m)| WebhookInfo {
            id,
            url: m.url,
            events: m.events,
            format: m.format,
            created_at: m.created_at,
        })
        .collect();
    Ok(Response::json(
        200,
        &WebhookList {
            count: resources.len() as u64,
            resources,
        },
    ))
}

/// `DELETE /v2/admin/webhooks/{id}`: no delivery to it is attempted again.
pub async fn remove<S: Store>(ctx: &Ctx<'_, S>, raw: &str) -> Result<Response, ApiError> {
    let id = existing(ctx.store, raw).await?;
    ctx.store.delete(&key(&id)).await?;
    Ok(Response::json(
        202,
        &IdMessageResponse {
            id,
            message: "Webhook has been removed".into(),
            warnings: Vec::new(),
        },
    ))
}

/// A receiver and its secret, for a delivery; `None` once removed.
pub async fn receiver<S: Store>(
    store: &S,
    cfg: &Config,
    id: &str,
) -> Result<Option<(WebhookMeta, Vec<u8>)>, ApiError> {
    let Some(stored) = store.get(&key(id)).await? else {
        return Ok(None);
    };
    let Some(meta) = stored
        .metadata
        .and_then(|m| serde_json::from_value::<WebhookMeta>(m).ok())
    else {
        return Ok(None);
    };
    let plain = cfg
        .keyring
        .open(&sealed_name(id)?, 1, &stored.value)
        .map_err(|e| ApiError::new(ErrorCode::InternalError, format!("webhook {id}: {e:?}")))?;
    let secret = String::from_utf8(plain).unwrap_or_default();
    let key = shared::webhook::decode_secret(&secret).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InternalError,
            format!("webhook {id}: unreadable secret"),
        )
    })?;
    Ok(Some((meta, key)))
}

/// Checks the path's id names a receiver (the test route).
pub async fn existing<S: Store>(store: &S, raw: &str) -> Result<String, ApiError> {
    let id = id_of(raw)?;
    match store.get(&key(id)).await? {
        Some(_) => Ok(id.to_owned()),
        None => Err(not_found(id)),
    }
}

/// `GET /v2/admin/webhooks/{id}/deliveries`: newest first.
pub async fn deliveries<S: Store>(ctx: &Ctx<'_, S>, raw: &str) -> Result<Response, ApiError> {
    let id = existing(ctx.store, raw).await?;
    let id = id.as_str();
    let prefix = delivery_prefix(id);
    let mut resources: Vec<DeliveryInfo> = Vec::new();
    let mut pages = ctx.store.pages(&prefix);
    while let Some(keys) = pages.next().await? {
        resources.extend(
            keys.iter()
                .filter_map(|k| k.read_metadata::<DeliveryInfo>()),
        );
    }
    Ok(Response::json(
        200,
        &DeliveryList {
            count: resources.len() as u64,
            resources,
        },
    ))
}
