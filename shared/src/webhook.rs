//! Webhooks as the Standard Webhooks specification has them (CONTRACT §9):
//! the `whsec_` secret, the `v1,` signature of `<id>.<timestamp>.<body>`,
//! the event body, the Slack text a person can act on, and the retry
//! schedule. No clock and no randomness: callers pass both in.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a new secret.
pub const SECRET_BYTES: usize = 32;
/// Delays between attempts when `REGCRED_WEBHOOK_RETRY_SECONDS` is not
/// set: about 1 min, 5 min, 30 min, 2 h and 6 h.
pub const DEFAULT_RETRY_SECONDS: [u32; 5] = [60, 300, 1800, 7200, 21600];

/// The events a receiver may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    #[serde(rename = "secret.failing")]
    Failing,
    #[serde(rename = "secret.recovered")]
    Recovered,
    #[serde(rename = "secret.expiring")]
    Expiring,
    #[serde(rename = "secret.expired")]
    Expired,
    #[serde(rename = "webhook.test")]
    Test,
}

impl EventType {
    pub const ALL: [EventType; 5] = [
        EventType::Failing,
        EventType::Recovered,
        EventType::Expiring,
        EventType::Expired,
        EventType::Test,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Failing => "secret.failing",
            EventType::Recovered => "secret.recovered",
            EventType::Expiring => "secret.expiring",
            EventType::Expired => "secret.expired",
            EventType::Test => "webhook.test",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// `whsec_<base64>` of fresh random bytes (the caller draws them).
pub fn format_secret(random: &[u8; SECRET_BYTES]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(random))
}

/// The key bytes of a `whsec_` secret (the prefix may be left out).
pub fn decode_secret(secret: &str) -> Option<Vec<u8>> {
    let b64 = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD.decode(b64).ok().filter(|k| !k.is_empty())
}

/// `webhook-signature`: `v1,` and base64 of HMAC-SHA256 over
/// `<id>.<timestamp>.<body>` with the secret's bytes.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("any length"));
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// What happened to a secret, as the body's `data` says it. Never a
/// credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventData {
    pub name: String,
    pub registries: Vec<String>,
    pub status: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// The `standard` body: `{"type", "timestamp", "data"}`.
pub fn standard_body(event: EventType, timestamp: &str, data: &EventData) -> String {
    serde_json::json!({"type": event.as_str(), "timestamp": timestamp, "data": data}).to_string()
}

/// The `slack` body: `{"text"}`, saying which secret, what happened and
/// what to do.
pub fn slack_body(event: EventType, data: &EventData) -> String {
    let what = match event {
        EventType::Failing => format!(
            "regcred: the pull secret *{}* is failing ({}): {}. Deployments that pull with it will fail (DEP_E153). Fix the credentials: `regcred secret edit {}`.",
            data.name, data.status, data.message, data.name
        ),
        EventType::Recovered => format!(
            "regcred: the pull secret *{}* works again ({}).",
            data.name,
            data.registries.join(", ")
        ),
        EventType::Expiring => format!(
            "regcred: the pull secret *{}* expires {}. Renew the credentials before then: `regcred secret edit {}`.",
            data.name,
            data.expires_at.as_deref().unwrap_or("soon"),
            data.name
        ),
        EventType::Expired => format!(
            "regcred: the pull secret *{}* expired {}. Deployments that pull with it will fail (DEP_E153): `regcred secret edit {}`.",
            data.name,
            data.expires_at.as_deref().unwrap_or(""),
            data.name
        ),
        EventType::Test => "regcred: a test event; this receiver is set up.".to_owned(),
    };
    serde_json::json!({ "text": what }).to_string()
}

/// Parses `REGCRED_WEBHOOK_RETRY_SECONDS`, e.g. `"1,2,4"`: the delays
/// between attempts (three retries, four attempts in all).
pub fn parse_retry_seconds(text: &str) -> Result<Vec<u32>, String> {
    let delays: Result<Vec<u32>, _> = text.split(',').map(|d| d.trim().parse::<u32>()).collect();
    match delays {
        Ok(d) if !d.is_empty() && d.len() <= 10 && d.iter().all(|s| (1..=86_400).contains(s)) => {
            Ok(d)
        }
        _ => Err(format!(
            "REGCRED_WEBHOOK_RETRY_SECONDS {text:?} is not a list of 1 to 10 delays in seconds (1 to 86400 each), like \"60,300,1800\""
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_the_standard_webhooks_vector() {
        let key = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            sign(
                &key,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let s = format_secret(&[7; SECRET_BYTES]);
        assert!(s.starts_with("whsec_"));
        assert_eq!(decode_secret(&s).unwrap(), vec![7; SECRET_BYTES]);
        assert!(decode_secret("whsec_not base64!").is_none());
    }

    #[test]
    fn bodies_say_what_happened_and_never_more() {
        let data = EventData {
            name: "hub-ci".into(),
            registries: vec!["https://index.docker.io/v1/".into()],
            status: "credentialsRejected".into(),
            message: "the registry refused the credentials".into(),
            failing_since: Some("2026-12-06T00:00:00Z".into()),
            expires_at: None,
        };
        let body: serde_json::Value = serde_json::from_slice(
            standard_body(EventType::Failing, "2026-12-06T00:00:01Z", &data).as_bytes(),
        )
        .unwrap();
        assert_eq!(body["type"], "secret.failing");
        assert_eq!(body["data"]["failingSince"], "2026-12-06T00:00:00Z");
        assert!(body["data"].get("expiresAt").is_none());
        let slack = slack_body(EventType::Failing, &data);
        assert!(slack.contains("hub-ci") && slack.contains("regcred secret edit hub-ci"));
        assert_eq!(
            EventType::parse("secret.expiring"),
            Some(EventType::Expiring)
        );
        assert_eq!(EventType::parse("secret.nope"), None);
    }

    #[test]
    fn retry_delays_are_a_short_list_of_seconds() {
        assert_eq!(parse_retry_seconds("1,2,4").unwrap(), [1, 2, 4]);
        assert_eq!(parse_retry_seconds(" 60 , 300 ").unwrap(), [60, 300]);
        for bad in ["", "0", "1,,2", "-1", "1,2,x", "100000"] {
            assert!(parse_retry_seconds(bad).is_err(), "{bad:?}");
        }
    }
}
