//! Talking to `/v2/...` through gloo-net. Bodies are `shared`'s request
//! types, serialized; errors come back as the API's own message and
//! target, so the page can put them next to the field they concern.

use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::{
    AuditList, CreateSecretRequest, CreatedResponse, EntryEditRequest, ErrorBody,
    IdMessageResponse, LoginCheckResponse, ModifySecretRequest, QuotaResponse, RegistryUsers,
    SecretData, SecretList, SecretStatus, SessionResponse, SourceRequest, VersionList,
};
use shared::apitoken::{CreateTokenRequest, TokenList};

use crate::form::ExpiryChange;

/// What the user sees when a call fails: the API's message, never a bare status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub status: u16,
    pub message: String,
    pub target: Option<String>,
}

impl CallError {
    fn plain(message: impl Into<String>) -> Self {
        CallError {
            status: 0,
            message: message.into(),
            target: None,
        }
    }
}

const SECRETS: &str = "/v2/admin/dockerRegistrySecrets";
const TOKENS: &str = "/v2/admin/tokens";

/// Who `token` belongs to; with an empty token, who the edge says the
/// browser is (Cloudflare Access), else a 401.
pub async fn session(token: &str) -> Result<SessionResponse, CallError> {
    send(authed(Request::get("/v2/session"), token).build()).await
}

/// Whether the edge may sign this browser in by itself (Cloudflare Access
/// in front): only then is `/v2/session` asked without a token, since
/// anywhere else that is a 401 the browser logs on every signed-out load.
pub async fn edge_signs_in() -> bool {
    send::<shared::api::HealthResponse>(Request::get("/v2/health").build())
        .await
        .is_ok_and(|h| h.access)
}

/// One window of the list, `count` being the total stored.
pub async fn list(token: &str, top: usize, skip: usize) -> Result<SecretList, CallError> {
    let (top, skip) = (top.to_string(), skip.to_string());
    let query = [("$top", top.as_str()), ("$skip", &skip), ("$count", "true")];
    send(authed(Request::get(SECRETS), token).query(query).build()).await
}

pub async fn get(token: &str, name: &str) -> Result<SecretStatus, CallError> {
    send(authed(Request::get(&format!("{SECRETS}/{name}")), token).build()).await
}

pub async fn create(
    token: &str,
    name: &str,
    dockerconfigjson: &str,
    expires_at: Option<String>,
) -> Result<CreatedResponse, CallError> {
    let body = CreateSecretRequest {
        name: name.to_owned(),
        data: Some(data(dockerconfigjson)),
        source: None,
        expires_at,
    };
    send(authed(Request::post(SECRETS), token).json(&body)).await
}

/// A brokered secret: minted from `source` at pull time (not now).
pub async fn create_source(
    token: &str,
    name: &str,
    source: SourceRequest,
    expires_at: Option<String>,
) -> Result<CreatedResponse, CallError> {
    let body = CreateSecretRequest {
        name: name.to_owned(),
        data: None,
        source: Some(source),
        expires_at,
    };
    send(authed(Request::post(SECRETS), token).json(&body)).await
}

pub async fn modify(
    token: &str,
    name: &str,
    change: Change,
    expiry: ExpiryChange,
) -> Result<IdMessageResponse, CallError> {
    let body = modify_body(change, expiry);
    send(authed(Request::patch(&format!("{SECRETS}/{name}")), token).json(&body)).await
}

/// What a PATCH does to the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A whole new `.dockerconfigjson` (`data`).
    Replace(String),
    /// One registry entry edited, the rest kept (`entry`).
    Edit(EntryEditRequest),
    /// A whole new cloud source (a rotated key).
    Source(SourceRequest),
    /// Only the expiry changes.
    Keep,
}

/// A PATCH body. `ModifySecretRequest` cannot say "clear the expiry"
/// (`None` leaves the field out, which keeps it), so clearing adds the
/// `"expiresAt": null` the API takes for that.
#[derive(Debug, Serialize)]
pub struct ModifyBody {
    #[serde(flatten)]
    request: ModifySecretRequest,
    #[serde(rename = "expiresAt", skip_serializing_if = "Option::is_none")]
    clear_expiry: Option<()>,
}

pub fn modify_body(change: Change, expiry: ExpiryChange) -> ModifyBody {
    let (expires_at, clear_expiry) = match expiry {
        ExpiryChange::Keep => (None, None),
        ExpiryChange::Set(t) => (Some(t), None),
        ExpiryChange::Clear => (None, Some(())),
    };
    let (data, entry, source) = match change {
        Change::Replace(json) => (Some(data(&json)), None, None),
        Change::Edit(e) => (None, Some(e), None),
        Change::Source(s) => (None, None, Some(s)),
        Change::Keep => (None, None, None),
    };
    ModifyBody {
        request: ModifySecretRequest {
            data,
            expires_at,
            entry,
            source,
        },
        clear_expiry,
    }
}

fn data(dockerconfigjson: &str) -> SecretData {
    SecretData {
        dockerconfigjson: dockerconfigjson.to_owned(),
    }
}

/// The audit trail, newest first; only events about `secret` when given.
pub async fn audit(token: &str, secret: Option<&str>) -> Result<AuditList, CallError> {
    let req = authed(Request::get("/v2/admin/auditEvents"), token);
    let req = match secret {
        Some(s) => req.query([("$top", "50"), ("secret", s)]),
        None => req.query([("$top", "100")]),
    };
    send(req.build()).await
}

/// Logs in to the registries of a stored secret.
pub async fn check_stored(token: &str, name: &str) -> Result<LoginCheckResponse, CallError> {
    send(authed(Request::post(&format!("{SECRETS}/{name}/check")), token).build()).await
}

/// Logs in with credentials not saved yet. The dry run takes a modify
/// body's `data` alone.
pub async fn check_given(
    token: &str,
    dockerconfigjson: &str,
) -> Result<LoginCheckResponse, CallError> {
    let body = ModifySecretRequest {
        data: Some(data(dockerconfigjson)),
        expires_at: None,
        entry: None,
        source: None,
    };
    let req = authed(Request::post("/v2/admin/registryLoginChecks"), token).json(&body);
    send(req).await
}

/// A secret's last checks, newest first.
pub async fn checks(token: &str, name: &str) -> Result<shared::api::CheckList, CallError> {
    send(authed(Request::get(&format!("{SECRETS}/{name}/checks")), token).build()).await
}

const WEBHOOKS: &str = "/v2/admin/webhooks";

pub async fn webhooks(token: &str) -> Result<shared::api::WebhookList, CallError> {
    send(authed(Request::get(WEBHOOKS), token).build()).await
}

pub async fn add_webhook(
    token: &str,
    body: &shared::api::CreateWebhookRequest,
) -> Result<shared::api::CreatedWebhook, CallError> {
    send(authed(Request::post(WEBHOOKS), token).json(body)).await
}

pub async fn remove_webhook(token: &str, id: &str) -> Result<IdMessageResponse, CallError> {
    send(authed(Request::delete(&format!("{WEBHOOKS}/{id}")), token).build()).await
}

pub async fn test_webhook(token: &str, id: &str) -> Result<IdMessageResponse, CallError> {
    send(authed(Request::post(&format!("{WEBHOOKS}/{id}/test")), token).build()).await
}

pub async fn deliveries(token: &str, id: &str) -> Result<shared::api::DeliveryList, CallError> {
    send(authed(Request::get(&format!("{WEBHOOKS}/{id}/deliveries")), token).build()).await
}

const IDENTITIES: &str = "/v2/admin/workloadIdentities";

pub async fn identities(token: &str) -> Result<Vec<shared::workload::WorkloadIdentity>, CallError> {
    let all: shared::workload::WorkloadIdentityList =
        send(authed(Request::get(IDENTITIES), token).build()).await?;
    Ok(all.resources)
}

pub async fn add_identity(
    token: &str,
    body: &serde_json::Value,
) -> Result<shared::workload::WorkloadIdentity, CallError> {
    send(authed(Request::post(IDENTITIES), token).json(body)).await
}

pub async fn remove_identity(token: &str, id: &str) -> Result<IdMessageResponse, CallError> {
    send(authed(Request::delete(&format!("{IDENTITIES}/{id}")), token).build()).await
}

/// The login check of a source not saved yet: minted for the check alone.
pub async fn check_source(
    token: &str,
    source: SourceRequest,
) -> Result<LoginCheckResponse, CallError> {
    let body = ModifySecretRequest {
        data: None,
        expires_at: None,
        entry: None,
        source: Some(source),
    };
    let req = authed(Request::post("/v2/admin/registryLoginChecks"), token).json(&body);
    send(req).await
}

pub async fn delete(token: &str, name: &str) -> Result<IdMessageResponse, CallError> {
    send(authed(Request::delete(&format!("{SECRETS}/{name}")), token).build()).await
}

/// A secret's kept versions, newest first (never credentials).
pub async fn versions(token: &str, name: &str) -> Result<VersionList, CallError> {
    send(authed(Request::get(&format!("{SECRETS}/{name}/versions")), token).build()).await
}

/// A new version made from kept version `version`.
pub async fn restore_version(
    token: &str,
    name: &str,
    version: u64,
) -> Result<IdMessageResponse, CallError> {
    let path = format!("{SECRETS}/{name}/versions/{version}/restore");
    send(authed(Request::post(&path), token).build()).await
}

/// Deleted secrets still kept for undelete.
pub async fn deleted(token: &str) -> Result<SecretList, CallError> {
    let query = [("deleted", "true"), ("$count", "true")];
    send(authed(Request::get(SECRETS), token).query(query).build()).await
}

pub async fn undelete(token: &str, name: &str) -> Result<IdMessageResponse, CallError> {
    send(authed(Request::post(&format!("{SECRETS}/{name}/undelete")), token).build()).await
}

/// The quota and how much of it is used (as far as the session sees).
pub async fn quota(token: &str) -> Result<QuotaResponse, CallError> {
    let req = authed(
        Request::get("/v2/admin/resourceQuota/dockerRegistrySecrets"),
        token,
    );
    send(req.build()).await
}

/// The registries a puller may read, with the secret and username of each
/// (never a password).
pub async fn pullable(token: &str) -> Result<RegistryUsers, CallError> {
    send(authed(Request::get("/v2/admin/pullableRegistries"), token).build()).await
}

/// The managed API tokens (never the tokens themselves).
pub async fn tokens(token: &str) -> Result<TokenList, CallError> {
    send(authed(Request::get(TOKENS), token).build()).await
}

/// What the page shows of a create's answer (`shared::apitoken::CreatedToken`):
/// the token, this once, and what it was made as. Read without serde's
/// `flatten`, whose buffering code the console would otherwise carry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewToken {
    pub token: String,
    pub label: String,
    pub role: shared::Role,
    #[serde(default)]
    pub scope: Option<shared::Scope>,
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// Makes a token; the answer holds it, this once.
pub async fn create_token(token: &str, body: &CreateTokenRequest) -> Result<NewToken, CallError> {
    send(authed(Request::post(TOKENS), token).json(body)).await
}

pub async fn revoke_token(token: &str, id: &str) -> Result<IdMessageResponse, CallError> {
    send(authed(Request::delete(&format!("{TOKENS}/{id}")), token).build()).await
}

/// An empty token sends no header: behind Cloudflare Access the edge's
/// assertion says who the caller is.
fn authed(req: RequestBuilder, token: &str) -> RequestBuilder {
    if token.is_empty() {
        return req;
    }
    req.header("authorization", &format!("Bearer {token}"))
}

/// gloo's errors are not shown: they may quote the request, and the user
/// needs to know what to do, not how fetch failed.
async fn send<T: DeserializeOwned>(req: Result<Request, gloo_net::Error>) -> Result<T, CallError> {
    let req = req.map_err(|_| CallError::plain("the browser could not build the request"))?;
    let resp = req.send().await.map_err(|_| {
        CallError::plain("the API could not be reached (network error); is the worker running?")
    })?;
    let text = resp.text().await.unwrap_or_default();
    decode(resp.status(), &text)
}

/// Turns a status and body into a value or the API's error message.
pub fn decode<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, CallError> {
    if (200..300).contains(&status) {
        return serde_json::from_slice(text.as_bytes()).map_err(|e| CallError {
            status,
            message: format!("the API answered in an unexpected shape: {e}"),
            target: None,
        });
    }
    match serde_json::from_slice::<ErrorBody>(text.as_bytes()) {
        Ok(body) => Err(CallError {
            status,
            message: body.error.message,
            target: body.error.target,
        }),
        Err(_) => Err(CallError {
            status,
            message: format!("the API answered with HTTP {status} and no error message"),
            target: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use shared::api::HealthResponse;

    #[test]
    fn errors_carry_the_api_message_and_target() {
        let body = r#"{"error":{"code":"InvalidSecretName","message":"bad name","target":"name"}}"#;
        let err = decode::<HealthResponse>(400, body).unwrap_err();
        assert_eq!((err.status, err.message.as_str()), (400, "bad name"));
        assert_eq!(err.target.as_deref(), Some("name"));
    }

    #[test]
    fn non_json_errors_still_say_something() {
        let err = decode::<HealthResponse>(502, "<html>").unwrap_err();
        assert!(err.message.contains("502"));
    }

    #[test]
    fn modify_bodies_keep_set_or_clear_the_expiry() {
        let data = json!({".dockerconfigjson": "{}"});
        let body = |e| serde_json::to_value(modify_body(Change::Replace("{}".into()), e)).unwrap();
        assert_eq!(body(ExpiryChange::Keep), json!({"data": data}));
        assert_eq!(
            body(ExpiryChange::Set("2027-01-02T00:00:00Z".into())),
            json!({"data": data, "expiresAt": "2027-01-02T00:00:00Z"})
        );
        assert_eq!(
            body(ExpiryChange::Clear),
            json!({"data": data, "expiresAt": null})
        );
        assert_eq!(
            serde_json::to_value(modify_body(Change::Keep, ExpiryChange::Clear)).unwrap(),
            json!({"expiresAt": null})
        );
    }

    #[test]
    fn only_a_health_answer_naming_access_asks_the_edge() {
        let health_says_access =
            |text| decode::<shared::api::HealthResponse>(200, text).is_ok_and(|h| h.access);
        assert!(health_says_access(
            r#"{"status":"ok","version":"1","access":true}"#
        ));
        assert!(!health_says_access(
            r#"{"status":"ok","version":"1","access":false}"#
        ));
        assert!(!health_says_access(r#"{"status":"ok","version":"1"}"#));
        assert!(!health_says_access("<html>"));
    }

    #[test]
    fn entry_edits_send_only_what_changes() {
        let edit = EntryEditRequest {
            registry: Some("ghcr.io".into()),
            password: Some("pw".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(modify_body(Change::Edit(edit), ExpiryChange::Keep)).unwrap(),
            json!({"entry": {"registry": "ghcr.io", "password": "pw"}})
        );
    }
}
