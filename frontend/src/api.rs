//! Talking to `/v2/...`. Errors come back as the API's own message and
//! target, so the page can put them next to the field they concern.

use serde::de::DeserializeOwned;
use shared::api::{
    AuditList, CreatedResponse, ErrorBody, IdMessageResponse, LoginCheckResponse, SecretList,
    SecretStatus, SessionResponse,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

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

pub async fn session(token: &str) -> Result<SessionResponse, CallError> {
    call("GET", "/v2/session", token, None).await
}

pub async fn list(token: &str) -> Result<SecretList, CallError> {
    call("GET", SECRETS, token, None).await
}

pub async fn get(token: &str, name: &str) -> Result<SecretStatus, CallError> {
    call("GET", &format!("{SECRETS}/{name}"), token, None).await
}

pub async fn create(
    token: &str,
    name: &str,
    dockerconfigjson: &str,
    expires_at: Option<&str>,
) -> Result<CreatedResponse, CallError> {
    let mut body =
        serde_json::json!({"name": name, "data": {".dockerconfigjson": dockerconfigjson}});
    if let Some(e) = expires_at {
        body["expiresAt"] = e.into();
    }
    call("POST", SECRETS, token, Some(body.to_string())).await
}

pub async fn modify(
    token: &str,
    name: &str,
    dockerconfigjson: &str,
    expires_at: Option<&str>,
) -> Result<IdMessageResponse, CallError> {
    let mut body = serde_json::json!({"data": {".dockerconfigjson": dockerconfigjson}});
    if let Some(e) = expires_at {
        body["expiresAt"] = e.into();
    }
    call(
        "PATCH",
        &format!("{SECRETS}/{name}"),
        token,
        Some(body.to_string()),
    )
    .await
}

/// The audit trail, newest first; only events about `secret` when given.
pub async fn audit(token: &str, secret: Option<&str>) -> Result<AuditList, CallError> {
    let path = match secret {
        Some(s) => format!("/v2/admin/auditEvents?$top=50&secret={s}"),
        None => "/v2/admin/auditEvents?$top=100".to_string(),
    };
    call("GET", &path, token, None).await
}

/// Logs in to the registries of a stored secret.
pub async fn check_stored(token: &str, name: &str) -> Result<LoginCheckResponse, CallError> {
    call("POST", &format!("{SECRETS}/{name}/check"), token, None).await
}

/// Logs in with credentials not saved yet.
pub async fn check_given(
    token: &str,
    dockerconfigjson: &str,
) -> Result<LoginCheckResponse, CallError> {
    let body = serde_json::json!({"data": {".dockerconfigjson": dockerconfigjson}});
    call(
        "POST",
        "/v2/admin/registryLoginChecks",
        token,
        Some(body.to_string()),
    )
    .await
}

pub async fn delete(token: &str, name: &str) -> Result<IdMessageResponse, CallError> {
    call("DELETE", &format!("{SECRETS}/{name}"), token, None).await
}

async fn call<T: DeserializeOwned>(
    method: &str,
    path: &str,
    token: &str,
    body: Option<String>,
) -> Result<T, CallError> {
    let window = web_sys::window().ok_or_else(|| CallError::plain("no browser window"))?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|_| CallError::plain("cannot build headers"))?;
    let bearer = format!("Bearer {token}");
    let _ = headers.set("authorization", &bearer);
    if let Some(b) = &body {
        let _ = headers.set("content-type", "application/json");
        init.set_body(&JsValue::from_str(b));
    }
    init.set_headers(&headers);
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| {
            CallError::plain("the API could not be reached (network error); is the worker running?")
        })?
        .dyn_into()
        .map_err(|_| CallError::plain("the browser returned no response"))?;
    let text = match resp.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_string()),
        Err(_) => None,
    }
    .unwrap_or_default();
    decode(resp.status(), &text)
}

/// Turns a status and body into a value or the API's error message.
pub fn decode<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, CallError> {
    if (200..300).contains(&status) {
        return serde_json::from_str(text).map_err(|e| CallError {
            status,
            message: format!("the API answered in an unexpected shape: {e}"),
            target: None,
        });
    }
    match serde_json::from_str::<ErrorBody>(text) {
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
}
