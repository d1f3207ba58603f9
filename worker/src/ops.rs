//! The API as one table: each operation's method, path, action, body and
//! which object serves it. Routing, the `Allow` of a 405, forwarding and
//! body reading all read this table, and a test checks that its (method,
//! path) set is the OpenAPI document's, so the API is spelled out once.

use shared::api::{MAX_BODY_BYTES, MAX_RESTORE_BODY_BYTES};
use shared::Action;

use crate::http::Method;

/// What answers an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Health,
    OpenApi,
    Session,
    List,
    Create,
    Get,
    Modify,
    Delete,
    Pull,
    RegistryCredentials,
    PullableRegistries,
    Check,
    DryRunCheck,
    Audit,
    Quota,
    ListTokens,
    CreateToken,
    RevokeToken,
    Keys,
    Rewrap,
    Versions,
    RestoreVersion,
    Undelete,
    Purge,
    Backup,
    Restore,
    /// A secret's last checks.
    Checks,
    /// How many secrets are in each health state.
    HealthCounts,
    CreateWebhook,
    ListWebhooks,
    RemoveWebhook,
    TestWebhook,
    Deliveries,
    CreateIdentity,
    ListIdentities,
    RemoveIdentity,
}

/// Where an admitted request is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serves {
    /// The fetch handler, from KV at the edge (a pull by registry asks the
    /// secret's object for the credentials it hands out).
    Edge,
    /// The named secret's own object: it orders the name's writes, is
    /// where a pull is never stale, and alone holds its versions.
    Secret,
    /// The directory: what spans names (the deleted list, backup and
    /// restore, key counts and the rewrap, which ask each secret's object).
    Directory,
}

/// The request body an operation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// None is read as JSON; one is still refused past the default cap.
    Unread,
    /// JSON of at most this many bytes (the content type is checked).
    Json(usize),
}

impl Body {
    /// The largest body the operation takes: every method has a cap.
    pub fn cap(self) -> usize {
        match self {
            Body::Unread => MAX_BODY_BYTES,
            Body::Json(cap) => cap,
        }
    }
}

/// One row of the API.
#[derive(Debug)]
pub struct Operation {
    pub method: Method,
    /// As the OpenAPI document spells it: `{name}` segments are parameters.
    pub path: &'static str,
    pub op: Op,
    /// The role check's action; `None`: no token needed.
    pub action: Option<Action>,
    pub body: Body,
    pub serves: Serves,
}

const SECRET: &str = "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}";
const JSON: Body = Body::Json(MAX_BODY_BYTES);

const fn row(
    method: Method,
    path: &'static str,
    op: Op,
    action: Option<Action>,
    body: Body,
    serves: Serves,
) -> Operation {
    Operation {
        method,
        path,
        op,
        action,
        body,
        serves,
    }
}

use Body::Unread;
use Method::{Delete, Get, Patch, Post};
use Serves::{Directory, Edge, Secret};

/// Every operation. HEAD is served wherever GET is (the same row).
pub const OPERATIONS: &[Operation] = &[
    row(Get, "/v2/health", Op::Health, None, Unread, Edge),
    row(Get, "/v2/openapi.json", Op::OpenApi, None, Unread, Edge),
    row(
        Get,
        "/v2/session",
        Op::Session,
        Some(Action::Session),
        Unread,
        Edge,
    ),
    row(
        Get,
        "/v2/admin/dockerRegistrySecrets",
        Op::List,
        Some(Action::List),
        Unread,
        Edge,
    ),
    row(
        Post,
        "/v2/admin/dockerRegistrySecrets",
        Op::Create,
        Some(Action::Create),
        JSON,
        Secret,
    ),
    row(Get, SECRET, Op::Get, Some(Action::Read), Unread, Edge),
    row(
        Patch,
        SECRET,
        Op::Modify,
        Some(Action::Modify),
        JSON,
        Secret,
    ),
    row(
        Delete,
        SECRET,
        Op::Delete,
        Some(Action::Delete),
        Unread,
        Secret,
    ),
    row(
        Get,
        "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/dockerconfigjson",
        Op::Pull,
        Some(Action::Pull),
        Unread,
        Secret,
    ),
    row(
        Get,
        "/v2/admin/registryCredentials",
        Op::RegistryCredentials,
        Some(Action::Pull),
        Unread,
        Edge,
    ),
    row(
        Get,
        "/v2/admin/pullableRegistries",
        Op::PullableRegistries,
        Some(Action::Pull),
        Unread,
        Edge,
    ),
    // In the secret's object: what a check finds is the secret's health.
    row(
        Post,
        "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/check",
        Op::Check,
        Some(Action::CheckLogin),
        Unread,
        Secret,
    ),
    row(
        Get,
        "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/checks",
        Op::Checks,
        Some(Action::Read),
        Unread,
        Secret,
    ),
    row(
        Get,
        "/v2/admin/health",
        Op::HealthCounts,
        Some(Action::List),
        Unread,
        Edge,
    ),
    row(
        Post,
        "/v2/admin/webhooks",
        Op::CreateWebhook,
        Some(Action::ManageWebhooks),
        JSON,
        Edge,
    ),
    row(
        Get,
        "/v2/admin/webhooks",
        Op::ListWebhooks,
        Some(Action::ManageWebhooks),
        Unread,
        Edge,
    ),
    row(
        Delete,
        "/v2/admin/webhooks/{id}",
        Op::RemoveWebhook,
        Some(Action::ManageWebhooks),
        Unread,
        Edge,
    ),
    // The directory queues the test event and its alarm delivers it.
    row(
        Post,
        "/v2/admin/webhooks/{id}/test",
        Op::TestWebhook,
        Some(Action::ManageWebhooks),
        Unread,
        Directory,
    ),
    row(
        Post,
        "/v2/admin/workloadIdentities",
        Op::CreateIdentity,
        Some(Action::ManageIdentities),
        JSON,
        Edge,
    ),
    row(
        Get,
        "/v2/admin/workloadIdentities",
        Op::ListIdentities,
        Some(Action::ManageIdentities),
        Unread,
        Edge,
    ),
    row(
        Delete,
        "/v2/admin/workloadIdentities/{id}",
        Op::RemoveIdentity,
        Some(Action::ManageIdentities),
        Unread,
        Edge,
    ),
    row(
        Get,
        "/v2/admin/webhooks/{id}/deliveries",
        Op::Deliveries,
        Some(Action::ManageWebhooks),
        Unread,
        Edge,
    ),
    row(
        Post,
        "/v2/admin/registryLoginChecks",
        Op::DryRunCheck,
        Some(Action::CheckLogin),
        JSON,
        Edge,
    ),
    row(
        Get,
        "/v2/admin/auditEvents",
        Op::Audit,
        Some(Action::ReadAudit),
        Unread,
        Edge,
    ),
    row(
        Get,
        "/v2/admin/resourceQuota/dockerRegistrySecrets",
        Op::Quota,
        Some(Action::ReadQuota),
        Unread,
        Edge,
    ),
    row(
        Get,
        "/v2/admin/tokens",
        Op::ListTokens,
        Some(Action::ListTokens),
        Unread,
        Edge,
    ),
    row(
        Post,
        "/v2/admin/tokens",
        Op::CreateToken,
        Some(Action::CreateToken),
        JSON,
        Edge,
    ),
    row(
        Delete,
        "/v2/admin/tokens/{id}",
        Op::RevokeToken,
        Some(Action::RevokeToken),
        Unread,
        Edge,
    ),
    row(
        Get,
        "/v2/admin/encryptionKeys",
        Op::Keys,
        Some(Action::ReadKeys),
        Unread,
        Directory,
    ),
    row(
        Post,
        "/v2/admin/encryptionKeys/rewrap",
        Op::Rewrap,
        Some(Action::Rewrap),
        Unread,
        Directory,
    ),
    row(
        Get,
        "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/versions",
        Op::Versions,
        Some(Action::ReadHistory),
        Unread,
        Secret,
    ),
    row(
        Post,
        "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/versions/{version}/restore",
        Op::RestoreVersion,
        Some(Action::RestoreVersion),
        Unread,
        Secret,
    ),
    row(
        Post,
        "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/undelete",
        Op::Undelete,
        Some(Action::Undelete),
        Unread,
        Secret,
    ),
    row(
        Post,
        "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/purge",
        Op::Purge,
        Some(Action::Purge),
        Unread,
        Secret,
    ),
    row(
        Get,
        "/v2/admin/backup",
        Op::Backup,
        Some(Action::Backup),
        Unread,
        Directory,
    ),
    row(
        Post,
        "/v2/admin/restore",
        Op::Restore,
        Some(Action::Restore),
        Body::Json(MAX_RESTORE_BODY_BYTES),
        Directory,
    ),
];

/// The path parameters of a matched request, by their names in the table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// `{dockerRegistryName}`, as sent (the handler parses it).
    pub name: Option<String>,
    pub version: Option<String>,
    pub id: Option<String>,
}

/// `path` against a pattern: the parameters it binds, if it matches.
fn bind(pattern: &str, path: &str) -> Option<Params> {
    let mut params = Params::default();
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) if w.starts_with('{') => {
                if g.is_empty() {
                    return None;
                }
                let value = Some(g.to_owned());
                match w {
                    "{dockerRegistryName}" => params.name = value,
                    "{version}" => params.version = value,
                    _ => params.id = value,
                }
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return None,
        }
    }
}

/// What the table says of a request's method and path.
pub enum Found {
    Operation(&'static Operation, Params),
    /// The path exists, not with this method: the `Allow` of the 405.
    NotAllowed(String),
    NoRoute,
}

/// The order methods are listed in `Allow`.
const ALLOW_ORDER: [Method; 4] = [Get, Post, Patch, Delete];

/// Looks a request up. A trailing `/` is ignored; HEAD is GET.
pub fn find(method: Method, path: &str) -> Found {
    let path = path.strip_suffix('/').unwrap_or(path);
    let method = if method == Method::Head { Get } else { method };
    let mut allowed: Vec<Method> = Vec::new();
    for operation in OPERATIONS {
        let Some(params) = bind(operation.path, path) else {
            continue;
        };
        if operation.method == method {
            return Found::Operation(operation, params);
        }
        allowed.push(operation.method);
    }
    if allowed.is_empty() {
        return Found::NoRoute;
    }
    let mut words = Vec::new();
    for m in ALLOW_ORDER {
        if allowed.contains(&m) {
            words.push(m.as_str());
            if m == Get {
                words.push("HEAD");
            }
        }
    }
    Found::NotAllowed(words.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_bind_their_parameters() {
        let found = find(
            Method::Post,
            "/v2/admin/dockerRegistrySecrets/team-a/versions/3/restore/",
        );
        assert!(matches!(
            &found,
            Found::Operation(o, p) if o.op == Op::RestoreVersion
                && p.name.as_deref() == Some("team-a")
                && p.version.as_deref() == Some("3")
        ));
        assert!(matches!(
            find(Method::Get, "/v2/admin/dockerRegistrySecrets//versions"),
            Found::NoRoute
        ));
        assert!(matches!(find(Method::Get, "/v2/nothing"), Found::NoRoute));
    }

    #[test]
    fn allow_lists_the_methods_of_the_path() {
        let allow = |m, p| match find(m, p) {
            Found::NotAllowed(a) => a,
            _ => String::new(),
        };
        assert_eq!(
            allow(Method::Other, "/v2/admin/dockerRegistrySecrets/x"),
            "GET, HEAD, PATCH, DELETE"
        );
        assert_eq!(
            allow(Method::Delete, "/v2/admin/dockerRegistrySecrets"),
            "GET, HEAD, POST"
        );
        assert_eq!(allow(Method::Get, "/v2/admin/restore"), "POST");
        assert!(matches!(
            find(Method::Head, "/v2/health"),
            Found::Operation(o, _) if o.op == Op::Health
        ));
    }

    #[test]
    fn every_row_is_one_method_and_path() {
        for (i, a) in OPERATIONS.iter().enumerate() {
            for b in &OPERATIONS[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "{:?} {} twice",
                    a.method,
                    a.path
                );
            }
        }
    }
}
