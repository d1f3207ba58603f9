//! The objects and how they call each other. Each secret name has its own
//! Durable Object (its room: `secret_room.rs`); one directory holds what
//! spans names (`directory_room.rs`); the one object of earlier releases is
//! only read, by the move out of it (`legacy_room.rs`). A call between
//! them is an operation name and a JSON body; the edge sends them through
//! Durable Object stubs, native tests through plain functions.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::SecretName;

use crate::directory::NameState;

use crate::store::StoreError;

/// The object a call goes to.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Secret(&'a SecretName),
    Directory,
    Legacy,
}

impl Target<'_> {
    /// The name its Durable Object id is made from. Secret names have no
    /// `:`, so no secret's object is the directory or the legacy one.
    pub fn object_name(&self) -> String {
        match self {
            Target::Secret(n) => format!("secret:{n}"),
            Target::Directory => "directory".to_owned(),
            // What the earlier releases named their one object.
            Target::Legacy => "secrets".to_owned(),
        }
    }

    /// The role the object plays, sent with every call.
    pub fn role(&self) -> &'static str {
        match self {
            Target::Secret(_) => ROLE_SECRET,
            Target::Directory => ROLE_DIRECTORY,
            Target::Legacy => ROLE_LEGACY,
        }
    }
}

pub const ROLE_SECRET: &str = "secret";
pub const ROLE_DIRECTORY: &str = "directory";
pub const ROLE_LEGACY: &str = "legacy";

/// Operations between objects (never reachable by a client: only the
/// worker holds the objects' binding).
pub mod op {
    /// Secret: the live record as the object holds it (a pull by registry).
    pub const RECORD: &str = "record";
    /// Secret: a brokered secret's current credential, minted if due.
    pub const CURRENT: &str = "current";
    /// Secret: a scheduled check; records the health, sends its events.
    pub const CHECK: &str = "check";
    /// Secret: drop its deleted record if its retention ended.
    pub const SWEEP_ONE: &str = "sweep-one";
    /// Directory: sweep every deleted secret past retention.
    pub const SWEEP: &str = "sweep";
    /// Secret: move in from the legacy object if not yet, tell the directory.
    pub const TOUCH: &str = "touch";
    /// Secret: a page of its records (a backup page).
    pub const RECORDS: &str = "records";
    /// Secret: its records counted by key.
    pub const KEYS: &str = "keys";
    /// Secret: a rewrap batch over its records.
    pub const REWRAP: &str = "rewrap";
    /// Secret: records of a restore, written as they are.
    pub const PUT_RECORDS: &str = "put-records";
    /// Directory: a place for a name under the quota.
    pub const RESERVE: &str = "reserve";
    /// Directory: a name's state after a change.
    pub const PUBLISH: &str = "publish";
    /// Directory: the names holding a registry.
    pub const HOLDERS: &str = "holders";
    /// Directory, of itself: a page of the key counts.
    pub const KEYS_PAGE: &str = "keys-page";
    /// Legacy: a page of the names it holds.
    pub const NAMES: &str = "names";
    /// Legacy: every record of one name.
    pub const RECORDS_OF: &str = "records-of";
}

/// Sends calls between objects.
#[allow(async_fn_in_trait)] // Workers futures are !Send.
pub trait Rooms {
    /// Runs `op` with the JSON `body` in `to`; its JSON answer, or why the
    /// call failed.
    async fn call(&self, to: Target<'_>, op: &str, body: String) -> Result<String, StoreError>;
}

/// `Rooms::call` with typed bodies.
pub async fn call<R: Rooms + ?Sized, B: Serialize, T: DeserializeOwned>(
    rooms: &R,
    to: Target<'_>,
    op: &str,
    body: &B,
) -> Result<T, StoreError> {
    let text = serde_json::to_string(body).map_err(|e| StoreError(e.to_string()))?;
    let answer = rooms.call(to, op, text).await?;
    serde_json::from_slice(answer.as_bytes())
        .map_err(|e| StoreError(format!("{op} answered what is not its reply: {e}")))
}

/// The body of calls that name a secret.
#[derive(Debug, Serialize, Deserialize)]
pub struct Named {
    pub name: String,
}

/// `current`'s body: who pulls, for the mint's audit record.
#[derive(Debug, Serialize, Deserialize)]
pub struct Puller {
    pub actor: String,
    pub request_id: String,
}

/// `current`'s answer: the credential, or the mint's refusal as the client
/// gets it.
pub type CurrentWire = Result<shared::brokered::Current, shared::api::ApiError>;

/// `publish`'s body.
#[derive(Debug, Serialize, Deserialize)]
pub struct Publish {
    pub name: String,
    pub state: NameState,
}

/// A record as its object holds it (`record`).
#[derive(Debug, Serialize, Deserialize)]
pub struct RecordWire {
    pub value: String,
    pub metadata: Value,
}

/// A page or batch asked of an object (`records`, `rewrap`).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Window {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    pub limit: u64,
}

impl Window {
    pub fn query(&self) -> Vec<(String, String)> {
        let mut q = vec![("limit".to_owned(), self.limit.to_string())];
        if let Some(a) = &self.after {
            q.push(("after".to_owned(), a.clone()));
        }
        q
    }
}

/// `reserve`'s body.
#[derive(Debug, Serialize, Deserialize)]
pub struct Reserve {
    pub name: String,
    pub max: u64,
    /// What the name will be once the write the place is for commits.
    pub state: NameState,
}

/// `holders`' body: a registry's host key.
#[derive(Debug, Serialize, Deserialize)]
pub struct Host {
    pub host: String,
}

/// `keys-page`'s answer: counts by key id (live secrets, other records),
/// and the name to go on after.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct KeysPage {
    pub counts: std::collections::BTreeMap<String, (u64, u64)>,
    pub to_rewrap: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}
