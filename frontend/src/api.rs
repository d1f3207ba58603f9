//! Talking to `/v2/...`. Errors come back as the API's own message.

use serde::de::DeserializeOwned;
use shared::api::{ErrorBody, HealthResponse};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// What the user sees when a call fails: the API's message, never a bare status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub message: String,
    pub target: Option<String>,
}

impl CallError {
    fn plain(message: impl Into<String>) -> Self {
        CallError {
            message: message.into(),
            target: None,
        }
    }
}

pub async fn health() -> Result<HealthResponse, CallError> {
    get_json("/v2/health").await
}

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, CallError> {
    let window = web_sys::window().ok_or_else(|| CallError::plain("no browser window"))?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str(path))
        .await
        .map_err(|_| CallError::plain("the API could not be reached (network error)"))?
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
        return serde_json::from_str(text).map_err(|e| {
            CallError::plain(format!("the API answered in an unexpected shape: {e}"))
        });
    }
    match serde_json::from_str::<ErrorBody>(text) {
        Ok(body) => Err(CallError {
            message: body.error.message,
            target: body.error.target,
        }),
        Err(_) => Err(CallError::plain(format!(
            "the API answered with HTTP {status} and no error message"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_api_message_and_target() {
        let body = r#"{"error":{"code":"InvalidSecretName","message":"bad name","target":"name"}}"#;
        let err = decode::<HealthResponse>(400, body).unwrap_err();
        assert_eq!(err.message, "bad name");
        assert_eq!(err.target.as_deref(), Some("name"));
    }

    #[test]
    fn non_json_errors_still_say_something() {
        let err = decode::<HealthResponse>(502, "<html>").unwrap_err();
        assert!(err.message.contains("502"));
    }
}
