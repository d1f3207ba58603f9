//! The regcred API over HTTP (blocking ureq, rustls). The token goes only in
//! the `Authorization` header, never in a URL; error answers become the
//! API's own message, which says how to fix what was sent.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::ErrorBody;

use crate::error::{CliError, Result};
use crate::settings::Target;

pub struct Api {
    target: Target,
    agent: ureq::Agent,
}

/// An answer of the API: its status and body.
pub struct Answer {
    pub status: u16,
    pub body: String,
    /// The answer's `Expires-At` (a secret's expiry, on the puller route).
    pub expires_at: Option<String>,
    /// The answer's `ETag`: the version read, sent back as `If-Match` so a
    /// write based on it cannot undo someone else's change in between.
    pub etag: Option<String>,
}

impl Answer {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.body).map_err(|e| {
            CliError::new(format!(
                "the API answered {} with an unexpected body ({e})",
                self.status
            ))
        })
    }

    /// The API's error code, if the answer is an error body.
    pub fn error_code(&self) -> Option<String> {
        serde_json::from_str::<ErrorBody>(&self.body)
            .ok()
            .map(|b| b.error.code.to_string())
    }

    /// The answer as an error: the API's message and code.
    pub fn into_error(self) -> CliError {
        match serde_json::from_str::<ErrorBody>(&self.body) {
            Ok(b) => CliError::new(format!(
                "{} ({}, HTTP {})",
                b.error.message, b.error.code, self.status
            )),
            Err(_) => CliError::new(format!(
                "the API answered HTTP {} without an error body",
                self.status
            )),
        }
    }
}

pub use shared::login::query_escape as encode;

impl Api {
    pub fn new(target: Target) -> Api {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("regcred-cli/", env!("CARGO_PKG_VERSION")))
            .build();
        Api { target, agent }
    }

    pub fn url(&self) -> &str {
        &self.target.url
    }

    /// Sends one request; any HTTP status is an `Answer`, only a transport
    /// failure is an error.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Result<Answer> {
        let url = format!("{}{path}", self.target.url);
        let mut req = self
            .agent
            .request(method, &url)
            .set("Authorization", &format!("Bearer {}", self.target.token))
            .set("Accept", "application/json");
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let result = match body {
            Some(b) => req.set("Content-Type", "application/json").send_string(b),
            None => req.call(),
        };
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => {
                return Err(CliError::new(format!(
                    "cannot reach {} ({t}); check the URL (regcred login) and the network",
                    self.target.url
                )))
            }
        };
        let status = resp.status();
        let expires_at = resp.header("expires-at").map(str::to_owned);
        let etag = resp.header("etag").map(str::to_owned);
        let body = resp.into_string().map_err(|e| {
            CliError::new(format!("reading the answer from {}: {e}", self.target.url))
        })?;
        Ok(Answer {
            status,
            body,
            expires_at,
            etag,
        })
    }

    /// A request whose answer must be 2xx.
    pub fn ok(&self, method: &str, path: &str, body: Option<&str>) -> Result<Answer> {
        self.ok_with(method, path, body, &[])
    }

    /// [`Api::ok`] with extra headers (`If-Match`).
    pub fn ok_with(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Result<Answer> {
        let a = self.send(method, path, body, headers)?;
        if a.status >= 300 {
            return Err(a.into_error());
        }
        Ok(a)
    }

    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.ok("GET", path, None)?.json()
    }

    pub fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T> {
        let text = serde_json::to_string(body).map_err(|e| CliError::new(e.to_string()))?;
        self.ok("POST", path, Some(&text))?.json()
    }
}
