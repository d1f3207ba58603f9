//! `regcred webhook add | list | remove | test | deliveries` (admin token),
//! and `regcred status`: how many secrets are in each health state. A
//! receiver's signing secret is printed once, by `add`, and kept nowhere.

use serde_json::{json, Value};
use shared::api::{
    CreateWebhookRequest, CreatedWebhook, DeliveryList, HealthCounts, IdMessageResponse,
    WebhookList,
};

use crate::client::{encode, Api};
use crate::cmd::print;
use crate::error::Result;
use crate::output::{table, Format};

const WEBHOOKS: &str = "/v2/admin/webhooks";

pub fn add(api: &Api, url: &str, events: Vec<String>, slack: bool, output: Format) -> Result<()> {
    let body = CreateWebhookRequest {
        url: url.to_owned(),
        events: (!events.is_empty()).then_some(events),
        format: slack.then(|| "slack".to_owned()),
    };
    let made: CreatedWebhook = api.post(WEBHOOKS, &body)?;
    let value = serde_json::to_value(&made).unwrap_or_default();
    print(
        output,
        &value,
        || {
            format!(
                "webhook {} added\nsigning secret (shown this once; verify webhook-signature with it):\n{}\n",
                made.id, made.secret
            )
        },
        || vec![made.id.clone()],
    )
}

pub fn list(api: &Api, output: Format) -> Result<()> {
    let all: WebhookList = api.get(WEBHOOKS)?;
    let value = serde_json::to_value(&all).unwrap_or_default();
    print(
        output,
        &value,
        || {
            table(
                &["id", "url", "events", "format", "created"],
                all.resources
                    .iter()
                    .map(|w| {
                        vec![
                            w.id.clone(),
                            w.url.clone(),
                            w.events.join(","),
                            w.format.clone(),
                            w.created_at.clone(),
                        ]
                    })
                    .collect(),
            )
        },
        || all.resources.iter().map(|w| w.id.clone()).collect(),
    )
}

pub fn remove(api: &Api, id: &str) -> Result<()> {
    let answer = api.ok("DELETE", &format!("{WEBHOOKS}/{}", encode(id)), None)?;
    let done: IdMessageResponse = serde_json::from_str(&answer.body).unwrap_or(IdMessageResponse {
        id: id.to_owned(),
        message: String::new(),
        warnings: Vec::new(),
    });
    println!("webhook {} removed", done.id);
    Ok(())
}

pub fn test(api: &Api, id: &str) -> Result<()> {
    let _: Value = api.post(&format!("{WEBHOOKS}/{}/test", encode(id)), &json!({}))?;
    println!("a webhook.test event is on its way to {id}; `regcred webhook deliveries {id}` shows how it went");
    Ok(())
}

pub fn deliveries(api: &Api, id: &str, output: Format) -> Result<()> {
    let all: DeliveryList = api.get(&format!("{WEBHOOKS}/{}/deliveries", encode(id)))?;
    let value = serde_json::to_value(&all).unwrap_or_default();
    print(
        output,
        &value,
        || {
            table(
                &[
                    "id",
                    "event",
                    "created",
                    "attempts",
                    "status",
                    "last status",
                ],
                all.resources
                    .iter()
                    .map(|d| {
                        vec![
                            d.id.clone(),
                            d.event.clone(),
                            d.created_at.clone(),
                            d.attempts.to_string(),
                            d.status.clone(),
                            d.last_status.to_string(),
                        ]
                    })
                    .collect(),
            )
        },
        || all.resources.iter().map(|d| d.id.clone()).collect(),
    )
}

/// `regcred status`: the secrets in each health state.
pub fn status(api: &Api, output: Format) -> Result<()> {
    let counts: HealthCounts = api.get("/v2/admin/health")?;
    let value = serde_json::to_value(&counts).unwrap_or_default();
    print(
        output,
        &value,
        || {
            table(
                &["health", "secrets"],
                counts
                    .counts
                    .iter()
                    .map(|(state, n)| vec![state.clone(), n.to_string()])
                    .collect(),
            )
        },
        || counts.counts.keys().cloned().collect(),
    )
}
