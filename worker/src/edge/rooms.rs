//! The objects reached through their Durable Object stubs: calls between
//! them (`rooms::Rooms`) and client requests forwarded to the object that
//! serves them, with the body already read.

use worker::js_sys::Uint8Array;
use worker::{Env, Request as WRequest, Stub};

use crate::edge::WRITER_BINDING;
use crate::http::{Method, Request};
use crate::rooms::{Rooms, Target};
use crate::store::StoreError;

/// The role an object plays in this request (`rooms::ROLE_*`). Only the
/// worker sets it: no client header is ever copied under this name.
pub const ROLE_HEADER: &str = "x-regcred-object";
/// The secret a secret's object holds.
pub const NAME_HEADER: &str = "x-regcred-name";
/// A call between objects (`rooms::op`); absent on a forwarded request.
pub const CALL_HEADER: &str = "x-regcred-call";

pub struct EdgeRooms {
    env: Env,
}

impl EdgeRooms {
    pub fn new(env: &Env) -> EdgeRooms {
        EdgeRooms { env: env.clone() }
    }

    fn stub(&self, to: Target<'_>) -> worker::Result<Stub> {
        self.env
            .durable_object(WRITER_BINDING)?
            .id_from_name(&to.object_name())?
            .get_stub()
    }

    fn headers(to: Target<'_>) -> worker::Result<web_sys::Headers> {
        let headers = web_sys::Headers::new()?;
        headers.set(ROLE_HEADER, to.role())?;
        if let Target::Secret(name) = to {
            headers.set(NAME_HEADER, name.as_str())?;
        }
        Ok(headers)
    }

    /// A client request to the object that serves it. The object gets a
    /// new request with the body already read, so it never waits on a
    /// client.
    pub async fn forward(
        &self,
        to: Target<'_>,
        original: &web_sys::Request,
        ours: &Request,
    ) -> worker::Result<web_sys::Response> {
        let headers = Self::headers(to)?;
        for (name, value) in &ours.headers {
            if name != "content-length" {
                headers.set(name, value)?;
            }
        }
        let init = web_sys::RequestInit::new();
        // A HEAD pull is the GET pull to the object (it only reads, and
        // takes the object's no-turn path); the runtime drops the body.
        let method = match ours.method {
            Method::Head => "GET".to_owned(),
            _ => original.method(),
        };
        init.set_method(&method);
        init.set_headers(&headers);
        if !ours.body.is_empty() {
            init.set_body(&Uint8Array::from(ours.body.as_slice()));
        }
        let request = web_sys::Request::new_with_str_and_init(&original.url(), &init)?;
        let resp = self
            .stub(to)?
            .fetch_with_request(WRequest::from(request))
            .await?;
        Ok(resp.into())
    }

    async fn send(&self, to: Target<'_>, op: &str, body: String) -> worker::Result<(u16, String)> {
        let headers = Self::headers(to)?;
        headers.set(CALL_HEADER, op)?;
        headers.set("content-type", "application/json")?;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(&wasm_bindgen::JsValue::from_str(&body));
        let url = format!("https://regcred.internal/{op}");
        let request = web_sys::Request::new_with_str_and_init(&url, &init)?;
        let mut resp = self
            .stub(to)?
            .fetch_with_request(WRequest::from(request))
            .await?;
        Ok((resp.status_code(), resp.text().await?))
    }
}

impl Rooms for EdgeRooms {
    async fn call(&self, to: Target<'_>, op: &str, body: String) -> Result<String, StoreError> {
        let role = to.role();
        match self.send(to, op, body).await {
            Ok((200, text)) => Ok(text),
            Ok((status, text)) => Err(StoreError(format!(
                "the {role} object answered {op} with {status}: {text}"
            ))),
            Err(e) => Err(StoreError(format!(
                "the {role} object could not be reached for {op}: {e}"
            ))),
        }
    }
}
