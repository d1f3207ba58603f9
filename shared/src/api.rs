//! The HTTP API's wire types, compatible with SAP AI Core's
//! `/v2/admin/dockerRegistrySecrets`, plus regcred's extensions.

use std::fmt;

use serde::{Deserialize, Serialize};

pub const MSG_CREATED: &str = "Secret has been created";
pub const MSG_MODIFIED: &str = "Secret has been modified";
pub const MSG_DELETED: &str = "Docker Registry Secret has been deleted";

/// Request bodies over this size get 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A restore chunk may be larger: one sealed 64 KiB secret is about 88 KB.
pub const MAX_RESTORE_BODY_BYTES: usize = 1024 * 1024;

/// `data` of create and modify: only `.dockerconfigjson` is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SecretData {
    #[serde(rename = ".dockerconfigjson")]
    pub dockerconfigjson: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct CreateSecretRequest {
    /// Checked with `SecretName::parse` by the server, so the error can name the rule.
    pub name: String,
    /// The credentials. regcred: left out when `source` is sent instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = SecretData))]
    pub data: Option<SecretData>,
    /// regcred: a cloud credential that registry credentials are minted
    /// from at pull time, instead of `data` (both, or neither, is a 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRequest>,
    /// regcred: when the credentials stop working (RFC 3339 or YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct ModifySecretRequest {
    /// New credentials. regcred: may be left out when only `expiresAt`
    /// changes (never null: the server refuses `"data": null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = SecretData))]
    pub data: Option<SecretData>,
    /// regcred: set (RFC 3339 or YYYY-MM-DD) or clear (null) the expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// regcred: change one registry entry, keeping what it does not name
    /// (instead of `data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<EntryEditRequest>,
    /// regcred: a whole new source for a brokered secret (a rotated cloud
    /// key), instead of `data` or `entry`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRequest>,
}

/// `source` of a create or PATCH (CONTRACT §8): which fields apply depends
/// on `type`. Hosts are pinned to the cloud's own (`endpoint` on
/// amazonaws.com, the key's `token_uri` exactly Google's, `authorityHost`
/// Microsoft's).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SourceRequest {
    /// `awsEcr`, `gcpServiceAccount` or `azureServicePrincipal`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Every type but awsEcr; awsEcr: optional, another server key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// awsEcr.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// awsEcr.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// awsEcr: write only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_access_key: Option<String>,
    /// awsEcr: the account; the registry is `<registryId>.dkr.ecr.<region>.amazonaws.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
    /// awsEcr: `https://api.ecr.<region>.amazonaws.com` unless given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// gcpServiceAccount: the JSON key file as text; write only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_key: Option<String>,
    /// azureServicePrincipal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// azureServicePrincipal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// azureServicePrincipal: write only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// azureServicePrincipal: `https://login.microsoftonline.com` unless given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority_host: Option<String>,
}

// Holds keys: only the type and identifiers are shown.
impl std::fmt::Debug for SourceRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceRequest")
            .field("type", &self.kind)
            .field("registry", &self.registry)
            .field("access_key_id", &self.access_key_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// `entry` of a PATCH: which registry entry, and what of it changes. Every
/// field left out stays as stored.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct EntryEditRequest {
    /// The entry to change, in any spelling of its registry; may be left out
    /// when the secret holds one registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// Move the entry to this registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_registry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// A new email; null clears it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub email: Option<Option<String>>,
}

impl fmt::Debug for EntryEditRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntryEditRequest")
            .field("registry", &self.registry)
            .field("new_registry", &self.new_registry)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("email", &self.email)
            .finish()
    }
}

/// A field where absent (keep), null (clear) and a value (set) differ.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// One registry of a secret and who logs in to it: never the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistryLogin {
    /// The server key as stored.
    pub registry: String,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl RegistryLogin {
    pub fn of(config: &crate::DockerConfig) -> Vec<RegistryLogin> {
        config
            .entries()
            .iter()
            .map(|e| RegistryLogin {
                registry: e.server.clone(),
                username: e.credentials.username.clone(),
                email: e.email.clone(),
            })
            .collect()
    }
}

/// Metadata of a stored secret. Never carries credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecretStatus {
    pub name: String,
    /// Server keys of the registries in the secret.
    pub registries: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
    pub modified_at: String,
    /// When the credentials stop working (RFC 3339), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<crate::time::ExpiryState>,
    /// The id of the encryption key (in `REGCRED_KEYS`) its value is sealed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// regcred, deleted secrets only (`?deleted=true`): when it was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    /// regcred, deleted secrets only: when it is purged for good, unless
    /// undeleted before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purge_after: Option<String>,
    /// regcred, get only: each registry's username (and email), so an edit
    /// can show and keep them. Never a password.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<RegistryLogin>,
    /// regcred, a brokered secret: the cloud credential it mints from (its
    /// type and identifiers, never a key) and when the current credential
    /// was minted and runs out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceInfo>,
    /// regcred: what the last check (scheduled or by hand) found; `unchecked`
    /// until the first one after a create or an edit of the credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<crate::health::Health>,
}

/// `POST /v2/admin/webhooks`: a receiver of the events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// https, or http to loopback where `REGCRED_ALLOW_HTTP_LOOPBACK` is set.
    pub url: String,
    /// `secret.failing`, `secret.recovered`, `secret.expiring`,
    /// `secret.expired`, `webhook.test`; left out: all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// `standard` (Standard Webhooks, the default) or `slack` (`{"text"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// The answer of a create: the signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedWebhook {
    pub id: String,
    /// `whsec_<base64>`: verify each delivery's `webhook-signature` with it.
    pub secret: String,
}

/// A receiver as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookInfo {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub format: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookList {
    pub count: u64,
    pub resources: Vec<WebhookInfo>,
}

/// One event's delivery to one receiver, over all its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryInfo {
    /// The `webhook-id` every attempt carries.
    pub id: String,
    pub event: String,
    pub created_at: String,
    pub attempts: u32,
    /// `delivered`, `retrying` or `failed`.
    pub status: String,
    /// The last attempt's HTTP status, or 0 when it got no answer.
    pub last_status: u16,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryList {
    pub count: u64,
    pub resources: Vec<DeliveryInfo>,
}

/// `GET /v2/admin/health`: how many secrets are in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthCounts {
    /// State name (`ok`, `credentialsRejected`, ...) → number of secrets.
    pub counts: std::collections::BTreeMap<String, u64>,
}

/// One check of a secret, as its history keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CheckRecord {
    pub checked_at: String,
    pub status: crate::health::HealthStatus,
    pub message: String,
}

/// `GET .../{name}/checks`: the last 20 checks, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckList {
    pub count: u64,
    pub resources: Vec<CheckRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretList {
    pub count: u64,
    pub resources: Vec<SecretStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedResponse {
    pub message: String,
    /// Accepted but worth fixing, e.g. `auth` disagreeing with username/password.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Answer to PATCH and DELETE: SAP's client requires both fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdMessageResponse {
    pub id: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The quota answer. SAP's schema requires only `quota`: with
/// `quotaOnly=true` there is no `usage` (and no count is taken).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaResponse {
    /// Left out with `quotaOnly=true` (never null).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = QuotaUsage))]
    pub usage: Option<QuotaUsage>,
    pub quota: Quota,
}

/// The query of the quota route: SAP's `quotaOnly` (a boolean).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QuotaQuery {
    /// `quotaOnly=true`: the answer holds the quota, not the usage.
    pub quota_only: bool,
}

impl QuotaQuery {
    /// Reads `quotaOnly` from decoded query pairs; others are ignored.
    pub fn from_query<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ApiError> {
        let mut query = QuotaQuery::default();
        for (key, value) in pairs {
            if key == "quotaOnly" {
                query.quota_only = boolean(key, value)?;
            }
        }
        Ok(query)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaUsage {
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    pub max_count: u64,
}

/// Answer of a registry login check: one outcome per registry in the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginCheckResponse {
    pub results: Vec<crate::login::LoginOutcome>,
}

/// One audit record. Holds no secret: the actor is a token's label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// RFC 3339.
    pub time: String,
    /// The token's label; `anonymous` (no token) or `unknown-token`.
    pub actor: String,
    /// create, modify, delete, pull, check, authenticate, authorize,
    /// token-create, token-revoke, rewrap, restore-version, undelete, purge,
    /// backup, restore.
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// `success`, the error code, or for a login check that answered, its
    /// first result that was not ok (`credentialsRejected`, `unreachable`, ...).
    pub outcome: String,
    pub status: u16,
    pub request_id: String,
    /// The client address (`CF-Connecting-IP`) of aggregated failed sign-ins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// How many failed sign-ins from `address` this minute's record holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// The id of the managed token a token create or revoke concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// A mint: the cloud that minted (`awsEcr`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<SourceType>,
    /// A mint: when the minted credential runs out (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// A mint: whether the credential was kept for the next pulls (one
    /// whose stated expiry has passed is handed out once, not kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<bool>,
    /// A workload identity: the token's `sub` (the actor is the rule's label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditList {
    pub count: u64,
    pub resources: Vec<AuditEvent>,
}

/// The credentials one secret holds for the registry a puller asked for
/// (`GET /v2/admin/registryCredentials?registry=`).
/// One registry a puller may read, without its password
/// (`GET /v2/admin/pullableRegistries`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistryUser {
    /// The server key as stored.
    pub registry: String,
    pub secret: String,
    pub username: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistryUsers {
    pub count: u64,
    pub resources: Vec<RegistryUser>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RegistryCredentials {
    /// The server key as stored in the secret, e.g. `https://index.docker.io/v1/`.
    pub registry: String,
    /// The name of the secret the credentials come from.
    pub secret: String,
    pub username: String,
    pub password: String,
    /// An OAuth identity token, when the registry entry has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identitytoken: Option<String>,
    /// When the secret's credentials stop working (RFC 3339), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

// Like `Credentials`, never shows the password (nor the identity token).
impl fmt::Debug for RegistryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryCredentials")
            .field("registry", &self.registry)
            .field("secret", &self.secret)
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .field(
                "identitytoken",
                &self.identitytoken.as_ref().map(|_| "<hidden>"),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Who the caller is (`GET /v2/session`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionResponse {
    /// The token's label, or the Access identity's email.
    pub label: String,
    pub role: crate::roles::Role,
    /// The secret-name patterns the caller is limited to; absent: every secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<String>>))]
    pub scope: Option<crate::scope::Scope>,
    /// How the caller signed in.
    #[serde(default)]
    pub via: SignIn,
    /// A workload identity: the token's `sub` (a repository's ref, a pod's
    /// service account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// How a caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum SignIn {
    /// A token from the worker's `REGCRED_TOKENS` setting.
    #[default]
    EnvironmentToken,
    /// A token made with `POST /v2/admin/tokens`.
    ManagedToken,
    /// A Cloudflare Access identity (`Cf-Access-Jwt-Assertion`).
    Access,
    /// A workload's own OIDC token, matched by a trust rule.
    WorkloadIdentity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthResponse {
    pub status: String,
    pub version: String,
    /// regcred: true when the worker takes Cloudflare Access's identity
    /// (REGCRED_ACCESS_TEAM_DOMAIN and _AUD set), so the console asks
    /// `/v2/session` without a token only then. Left out when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub access: bool,
}

/// `GET /v2/admin/encryptionKeys`: each key and how many secrets it seals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EncryptionKeys {
    /// The key new values are sealed with (the first in `REGCRED_KEYS`).
    pub primary: String,
    /// Configured keys in `REGCRED_KEYS` order, then ids secrets name that
    /// are not configured (`configured: false`: those secrets cannot open).
    pub keys: Vec<KeyUsage>,
    /// Records (secrets, kept versions, deleted secrets) a rewrap would
    /// rewrite: not under the primary key, or sealed before versions were bound.
    pub to_rewrap: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyUsage {
    pub id: String,
    pub configured: bool,
    /// Live secrets sealed with it.
    pub secrets: u64,
    /// Kept versions and deleted secrets sealed with it. A key at 0 for
    /// both can be removed from `REGCRED_KEYS`.
    #[serde(default)]
    pub versions: u64,
}

/// `POST /v2/admin/encryptionKeys/rewrap`: one bounded batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RewrapBatch {
    /// Records (secrets, kept versions, deleted secrets) looked at in this batch.
    pub examined: u64,
    /// Of those, sealed again under the primary key.
    pub rewrapped: u64,
    /// Records that could not be opened (their key is missing), by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<ErrorDetail>,
    /// Where the next batch starts (`?after=`); absent when this was the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// One kept version of a secret (`GET .../{name}/versions`). Never holds
/// credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// Its ETag, unquoted; numbers only grow, also across a delete.
    pub version: u64,
    /// When this version was written (RFC 3339).
    pub created_at: String,
    /// The token label or Access identity that wrote it; absent for
    /// versions written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    pub registries: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The version get and pull serve (false for every version of a
    /// deleted secret).
    pub current: bool,
    /// Set on the version that was current when the secret was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    /// Each registry's username in this version, so versions can be told
    /// apart. Never a password.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<RegistryLogin>,
}

/// A secret's kept versions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionList {
    pub count: u64,
    pub resources: Vec<VersionInfo>,
}

/// One stored record in a backup: the sealed value and its metadata as the
/// store keeps them (never plaintext). `key` is `secret:<name>`,
/// `deleted:<name>` or `version:<name>/<version>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackupItem {
    pub key: String,
    /// The envelope (`v2.<key id>.<base64>`).
    pub value: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: serde_json::Value,
}

/// `GET /v2/admin/backup`: one page of the store, in key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackupPage {
    pub items: Vec<BackupItem>,
    /// Where the next page starts (`?after=`); absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// `POST /v2/admin/restore`: one chunk of a backup. The first chunk of a
/// restore needs an empty store; later chunks name the same `restoreId`;
/// the last says `done`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RestoreChunk {
    /// Chosen by the client, 8 to 64 of a-z, 0-9 and '-'.
    pub restore_id: String,
    pub items: Vec<BackupItem>,
    #[serde(default)]
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RestoreResult {
    /// Records written by this chunk.
    pub restored: u64,
    /// Whether the restore is finished (the store takes writes again).
    pub done: bool,
}

/// The closed set of error codes. Each has one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    InvalidRequestBody,
    InvalidSecretName,
    InvalidDockerConfigJson,
    InvalidQueryParameter,
    NameIsImmutable,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    SecretAlreadyExists,
    /// More than one secret holds credentials for the registry a puller asked for.
    AmbiguousRegistry,
    PreconditionFailed,
    PayloadTooLarge,
    UnsupportedMediaType,
    QuotaExceeded,
    /// Too many failed authentications from one address: wait (`Retry-After`).
    TooManyFailedAttempts,
    /// A stored secret is sealed with a key `REGCRED_KEYS` no longer holds.
    EncryptionKeyMissing,
    /// A restore needs an empty store (or the restore it continues).
    StoreNotEmpty,
    /// A cloud refused to mint a brokered secret's credential.
    MintFailed,
    InternalError,
}

impl ErrorCode {
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::InvalidRequestBody
            | ErrorCode::InvalidSecretName
            | ErrorCode::InvalidDockerConfigJson
            | ErrorCode::InvalidQueryParameter
            | ErrorCode::NameIsImmutable => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::SecretAlreadyExists
            | ErrorCode::AmbiguousRegistry
            | ErrorCode::StoreNotEmpty => 409,
            ErrorCode::PreconditionFailed => 412,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::QuotaExceeded | ErrorCode::TooManyFailedAttempts => 429,
            ErrorCode::InternalError | ErrorCode::EncryptionKeyMissing => 500,
            ErrorCode::MintFailed => 502,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequestBody => "InvalidRequestBody",
            ErrorCode::InvalidSecretName => "InvalidSecretName",
            ErrorCode::InvalidDockerConfigJson => "InvalidDockerConfigJson",
            ErrorCode::InvalidQueryParameter => "InvalidQueryParameter",
            ErrorCode::NameIsImmutable => "NameIsImmutable",
            ErrorCode::Unauthorized => "Unauthorized",
            ErrorCode::Forbidden => "Forbidden",
            ErrorCode::NotFound => "NotFound",
            ErrorCode::MethodNotAllowed => "MethodNotAllowed",
            ErrorCode::SecretAlreadyExists => "SecretAlreadyExists",
            ErrorCode::AmbiguousRegistry => "AmbiguousRegistry",
            ErrorCode::PreconditionFailed => "PreconditionFailed",
            ErrorCode::PayloadTooLarge => "PayloadTooLarge",
            ErrorCode::UnsupportedMediaType => "UnsupportedMediaType",
            ErrorCode::QuotaExceeded => "QuotaExceeded",
            ErrorCode::TooManyFailedAttempts => "TooManyFailedAttempts",
            ErrorCode::InternalError => "InternalError",
            ErrorCode::EncryptionKeyMissing => "EncryptionKeyMissing",
            ErrorCode::StoreNotEmpty => "StoreNotEmpty",
            ErrorCode::MintFailed => "MintFailed",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ApiError,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The field or path the error concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            request_id: None,
            target: None,
            details: Vec::new(),
        }
    }

    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }
}

/// `$top`, `$skip` and `$count` of a list request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Paging {
    pub top: Option<u64>,
    pub skip: u64,
    /// `$count=true`: `count` is the total stored, not the page length.
    pub count_total: bool,
    /// regcred's filter: only secrets expired or expiring within N days.
    pub expiring_within_days: Option<u64>,
    /// regcred: `deleted=true` lists deleted secrets kept for undelete.
    pub deleted: bool,
    /// regcred: `health=failing` lists only secrets whose last check
    /// failed (every state but ok, expiringSoon and unchecked).
    pub failing: bool,
}

impl Paging {
    /// Reads the paging parameters from decoded query pairs; others are ignored.
    pub fn from_query<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ApiError> {
        let mut paging = Paging::default();
        for (key, value) in pairs {
            match key {
                "$top" => paging.top = Some(non_negative(key, value)?),
                "$skip" => paging.skip = non_negative(key, value)?,
                "expiringWithinDays" => {
                    paging.expiring_within_days = Some(non_negative(key, value)?)
                }
                "$count" => paging.count_total = boolean(key, value)?,
                "deleted" => paging.deleted = boolean(key, value)?,
                "health" if value == "failing" => paging.failing = true,
                "health" => {
                    return Err(ApiError::new(
                        ErrorCode::InvalidQueryParameter,
                        format!("\"health\" takes \"failing\", not {value:?}"),
                    )
                    .with_target("health"))
                }
                _ => {}
            }
        }
        Ok(paging)
    }
}

/// A boolean query parameter: `true` or `false`, in any case.
fn boolean(key: &str, value: &str) -> Result<bool, ApiError> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::new(
            ErrorCode::InvalidQueryParameter,
            format!("{key} must be true or false, not {value:?}"),
        )
        .with_target(key)),
    }
}

fn non_negative(key: &str, value: &str) -> Result<u64, ApiError> {
    value
        .parse::<u64>()
        .ok()
        .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidQueryParameter,
                format!("{key} must be a whole number of 0 or more, not {value:?}"),
            )
            .with_target(key)
        })
}

/// A `.dockerconfigjson` problem as an API error; the target is the path
/// inside the body, e.g. `data..dockerconfigjson.auths["r.io"].auth`.
pub fn config_error(e: crate::dockerconfig::ConfigError) -> ApiError {
    let inner = e.path.strip_prefix('$').unwrap_or(&e.path);
    ApiError::new(
        ErrorCode::InvalidDockerConfigJson,
        format!(".dockerconfigjson {}: {}", e.path, e.problem),
    )
    .with_target(format!("data..dockerconfigjson{inner}"))
}

/// Which cloud mints the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SourceType {
    #[serde(rename = "awsEcr")]
    AwsEcr,
    #[serde(rename = "gcpServiceAccount")]
    GcpServiceAccount,
    #[serde(rename = "azureServicePrincipal")]
    AzureServicePrincipal,
}

impl SourceType {
    /// The provider's name in messages ("Amazon ECR refused ...").
    pub fn provider(self) -> &'static str {
        match self {
            SourceType::AwsEcr => "Amazon ECR",
            SourceType::GcpServiceAccount => "Google",
            SourceType::AzureServicePrincipal => "Azure",
        }
    }
}

/// What list and get show of a source: its type and identifiers, never a
/// secret, plus when the current credential was minted and runs out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SourceInfo {
    #[serde(rename = "type")]
    pub kind: SourceType,
    pub registry: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// RFC 3339: when the current credential was minted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minted_at: Option<String>,
    /// RFC 3339: when the current credential runs out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minted_until: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_sap_shape() {
        let mut e = ApiError::new(ErrorCode::NotFound, "no secret named x").with_target("name");
        e.request_id = Some("r1".into());
        let json = serde_json::to_value(ErrorBody { error: e }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "NotFound", "message": "no secret named x", "requestId": "r1", "target": "name"}})
        );
    }

    #[test]
    fn registry_credentials_wire_shape_and_hidden_debug() {
        let c = RegistryCredentials {
            registry: "https://index.docker.io/v1/".into(),
            secret: "hub".into(),
            username: "bob".into(),
            password: "pw-secret".into(),
            identitytoken: Some("tok-secret".into()),
            expires_at: Some("2027-01-01T00:00:00Z".into()),
        };
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"registry": "https://index.docker.io/v1/", "secret": "hub",
                "username": "bob", "password": "pw-secret", "identitytoken": "tok-secret",
                "expiresAt": "2027-01-01T00:00:00Z"})
        );
        assert_eq!(
            serde_json::from_value::<RegistryCredentials>(json).unwrap(),
            c
        );
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("pw-secret") && !shown.contains("tok-secret"),
            "{shown}"
        );
        let bare = RegistryCredentials {
            identitytoken: None,
            expires_at: None,
            ..c
        };
        let json = serde_json::to_value(&bare).unwrap();
        assert!(json.get("identitytoken").is_none() && json.get("expiresAt").is_none());
        assert_eq!(ErrorCode::AmbiguousRegistry.status(), 409);
        assert_eq!(
            ErrorCode::AmbiguousRegistry.to_string(),
            "AmbiguousRegistry"
        );
    }

    #[test]
    fn data_allows_only_dockerconfigjson() {
        let ok = r#"{"name":"a","data":{".dockerconfigjson":"{}"}}"#;
        assert!(serde_json::from_slice::<CreateSecretRequest>(ok.as_bytes()).is_ok());
        let extra = r#"{"name":"a","data":{".dockerconfigjson":"{}","x":"y"}}"#;
        assert!(serde_json::from_slice::<CreateSecretRequest>(extra.as_bytes()).is_err());
        let renamed = r#"{"name":"a","data":{".dockerconfigjson":"{}"}}"#;
        assert!(serde_json::from_slice::<ModifySecretRequest>(renamed.as_bytes()).is_err());
    }

    #[test]
    fn paging_rules() {
        assert_eq!(Paging::from_query([]), Ok(Paging::default()));
        let p = Paging::from_query([
            ("$top", "10"),
            ("$skip", "0"),
            ("$count", "TRUE"),
            ("x", "y"),
        ])
        .unwrap();
        assert_eq!(
            p,
            Paging {
                top: Some(10),
                skip: 0,
                count_total: true,
                expiring_within_days: None,
                deleted: false,
                failing: false,
            }
        );
        for (k, v) in [
            ("$top", "-1"),
            ("$skip", "1.5"),
            ("$top", ""),
            ("$skip", "+3"),
            ("$count", "1"),
            ("deleted", "yes"),
        ] {
            let e = Paging::from_query([(k, v)]).unwrap_err();
            assert_eq!(
                (e.code, e.target.as_deref()),
                (ErrorCode::InvalidQueryParameter, Some(k))
            );
        }
    }

    #[test]
    fn quota_only_is_a_boolean() {
        let read = |pairs: &[(&'static str, &'static str)]| {
            QuotaQuery::from_query(pairs.iter().copied()).map(|q| q.quota_only)
        };
        assert_eq!(read(&[]), Ok(false));
        assert_eq!(read(&[("quotaOnly", "true")]), Ok(true));
        assert_eq!(read(&[("quotaOnly", "True")]), Ok(true));
        assert_eq!(read(&[("quotaOnly", "false"), ("other", "x")]), Ok(false));
        for bad in ["", "1", "yes", "truee"] {
            let e = read(&[("quotaOnly", bad)]).unwrap_err();
            assert_eq!(
                (e.code, e.target.as_deref()),
                (ErrorCode::InvalidQueryParameter, Some("quotaOnly"))
            );
            assert!(e.message.contains("true or false"), "{}", e.message);
        }
    }
}
