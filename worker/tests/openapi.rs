//! The OpenAPI document served at `/v2/openapi.json`. Schemas come from the
//! wire types in `shared` (utoipa derives), paths are declared here once; the
//! worker embeds `worker/openapi.json`, and this test fails when that file
//! differs from what the types generate. Refresh it with
//! `REGCRED_BLESS=1 cargo test -p regcred-worker --test openapi`.
#![allow(dead_code)]

use std::collections::BTreeMap;

use shared::api::{
    ApiError, BackupItem, BackupPage, CreateSecretRequest, CreatedResponse, EncryptionKeys,
    ErrorBody, ErrorCode, ErrorDetail, HealthResponse, IdMessageResponse, KeyUsage,
    LoginCheckResponse, ModifySecretRequest, Quota, QuotaResponse, QuotaUsage, RegistryCredentials,
    RegistryUser, RegistryUsers, RestoreChunk, RestoreResult, RewrapBatch, SecretData, SecretList,
    SecretStatus, SessionResponse, SignIn, VersionInfo, VersionList,
};
use shared::apitoken::{CreateTokenRequest, CreatedToken, TokenInfo, TokenList};
use shared::name::{MAX_NAME_LEN, NAME_PATTERN};
use shared::{MAX_DOCKERCONFIGJSON_BYTES, MAX_REGISTRIES};
use utoipa::openapi::schema::{KnownFormat, Object, SchemaFormat};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// A `.dockerconfigjson` document as the puller route returns it.
#[derive(ToSchema)]
struct DockerConfigJson {
    auths: BTreeMap<String, DockerAuthEntry>,
}

/// One registry's credentials (kubectl's shape).
#[derive(ToSchema)]
struct DockerAuthEntry {
    username: String,
    password: String,
    email: Option<String>,
    /// base64 of username:password
    auth: String,
    identitytoken: Option<String>,
    registrytoken: Option<String>,
}

/// The login check's dry run takes a modify body's `data` alone, or a
/// `source` (minted for the check, nothing kept).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct LoginCheckRequest {
    data: Option<SecretData>,
    source: Option<shared::api::SourceRequest>,
}

const NAME: &str =
    "Name of the secret: 1-253 of a-z, 0-9 and '-', starting and ending with a letter or digit.";

#[utoipa::path(get, path = "/v2/health", tag = "meta", security(),
    responses((status = 200, description = "The worker answers", body = HealthResponse)))]
fn health() {}

#[utoipa::path(get, path = "/v2/openapi.json", tag = "meta", security(),
    responses((status = 200, description = "This document", content_type = "application/json")))]
fn openapi() {}

#[utoipa::path(get, path = "/v2/session", tag = "regcred extensions",
    description = "Who the caller is: the token's label (or the Cloudflare Access identity's email), its role, its scope and how it signed in. Any role. Without any credential the 401 is not counted by the failed-authentication limit (the console asks on every load).",
    responses(
        (status = 200, description = "The caller", body = SessionResponse),
        (status = 401, description = "No or unknown token", body = ErrorBody),
    ))]
fn session() {}

#[utoipa::path(get, path = "/v2/admin/dockerRegistrySecrets", tag = "Docker Registry Secret",
    description = "Lists secret metadata (never credentials). A scoped token sees, and counts, only the secrets its scope matches. Roles: viewer, editor, admin.",
    params(
        ("$top" = Option<u64>, Query, description = "Number of results to display (integer >= 0)"),
        ("$skip" = Option<u64>, Query, description = "Number of results to skip (integer >= 0)"),
        ("$count" = Option<bool>, Query, description = "true: count is the total stored; false or absent: items in this response"),
        ("expiringWithinDays" = Option<u64>, Query, description = "regcred: only secrets expired or expiring within this many days"),
        ("deleted" = Option<bool>, Query, description = "regcred: true lists deleted secrets kept for undelete (with deletedAt and purgeAfter) instead of live ones"),
    ),
    responses(
        (status = 200, description = "Secret metadata", body = SecretList),
        (status = 400, description = "Bad paging value", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
    ))]
fn list() {}

#[utoipa::path(post, path = "/v2/admin/dockerRegistrySecrets", tag = "Docker Registry Secret",
    description = "Creates a secret. `.dockerconfigjson` may be JSON text or base64 of it. regcred: `source` instead of `data` makes a brokered secret, whose registry credential is minted from a cloud credential (Amazon ECR, Google, Azure) at pull time; a create never mints. A scoped token may only create names its scope matches (403 naming the scope otherwise). Roles: editor, admin.",
    params(("If-None-Match" = Option<String>, Header, description = "regcred: `*` makes an existing name a 412 instead of a 409")),
    request_body(content = CreateSecretRequest, content_type = "application/json"),
    responses(
        (status = 202, description = "Created (ETag: \"1\"; Location: the secret)", body = CreatedResponse,
            links(
                ("GetSecret" = (operation_id = "get", parameters(("dockerRegistryName" = "$request.body#/name")),
                    description = "The secret just created")),
                ("ModifySecret" = (operation_id = "modify", parameters(("dockerRegistryName" = "$request.body#/name")),
                    description = "New credentials or expiry for it")),
                ("CheckSecret" = (operation_id = "check", parameters(("dockerRegistryName" = "$request.body#/name")),
                    description = "A login check of its credentials")),
                ("DeleteSecret" = (operation_id = "delete", parameters(("dockerRegistryName" = "$request.body#/name")),
                    description = "Delete it")),
            )),
        (status = 412, description = "If-None-Match: * and the name exists", body = ErrorBody),
        (status = 400, description = "Invalid body, name or .dockerconfigjson", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed, or the name is outside the token's scope", body = ErrorBody),
        (status = 409, description = "Name taken", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 429, description = "Quota used up", body = ErrorBody),
    ))]
fn create() {}

#[utoipa::path(get, path = "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}", tag = "Docker Registry Secret",
    description = "Metadata of one secret (never credentials). Roles: viewer, editor, admin.",
    params(("dockerRegistryName" = String, Path, description = NAME)),
    responses(
        (status = 200, description = "Secret metadata; ETag: its version", body = SecretStatus),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No such secret (or it is outside the token's scope)", body = ErrorBody),
    ))]
fn get() {}

#[utoipa::path(patch, path = "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}", tag = "Docker Registry Secret",
    description = "Replaces the secret's .dockerconfigjson (`data`, merge-patch), or changes one registry entry of it (`entry`: registry, username, password or email; what it does not name stays), or only the expiry. The name cannot change. Roles: editor, admin.",
    params(("dockerRegistryName" = String, Path, description = NAME),
        ("If-Match" = Option<String>, Header, description = "regcred: the ETag last read; a stale one is a 412")),
    request_body(content = ModifySecretRequest, content_type = "application/merge-patch+json"),
    responses(
        (status = 202, description = "Modified (ETag: the new version)", body = IdMessageResponse,
            links(
                ("GetSecret" = (operation_id = "get", parameters(("dockerRegistryName" = "$request.path.dockerRegistryName")),
                    description = "The secret as modified")),
                ("DeleteSecret" = (operation_id = "delete", parameters(("dockerRegistryName" = "$request.path.dockerRegistryName")),
                    description = "Delete it")),
            )),
        (status = 412, description = "If-Match does not name the current version", body = ErrorBody),
        (status = 400, description = "Invalid body, name, .dockerconfigjson or entry (a registry the secret does not hold; no registry named while it holds several)", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No such secret (or it is outside the token's scope)", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
    ))]
fn modify() {}

#[utoipa::path(delete, path = "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}", tag = "Docker Registry Secret",
    description = "Deletes a secret. Roles: editor, admin.",
    params(("dockerRegistryName" = String, Path, description = NAME),
        ("If-Match" = Option<String>, Header, description = "regcred: the ETag last read; a stale one is a 412")),
    responses(
        (status = 412, description = "If-Match does not name the current version", body = ErrorBody),
        (status = 202, description = "Deleted", body = IdMessageResponse,
            links(
                ("GetSecret" = (operation_id = "get", parameters(("dockerRegistryName" = "$request.path.dockerRegistryName")),
                    description = "Now a 404")),
            )),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No such secret (or it is outside the token's scope)", body = ErrorBody),
        (status = 413, description = "A request body over 64 KiB (any method is refused with one)", body = ErrorBody),
    ))]
fn delete() {}

#[utoipa::path(get, path = "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/dockerconfigjson", tag = "regcred extensions",
    description = "The assembled .dockerconfigjson, for deployers. A brokered secret's holds the credential minted from its source (minted on the first pull and again once half its life is gone; pulls together share one mint); a refused mint is a 502 MintFailed naming the provider and its error. Role: puller only. Cache-Control: no-store.",
    params(("dockerRegistryName" = String, Path, description = NAME)),
    responses(
        (status = 200, description = "The .dockerconfigjson", body = DockerConfigJson,
            headers(("Expires-At" = String, description = "regcred: when the credentials stop working (RFC 3339), if the secret has an expiry; a brokered secret's: the minted credential's"))),
        (status = 502, description = "A brokered secret's cloud refused the mint (MintFailed)", body = ErrorBody),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No such secret (or it is outside the token's scope)", body = ErrorBody),
    ))]
fn pull() {}

#[utoipa::path(get, path = "/v2/admin/registryCredentials", tag = "regcred extensions",
    description = "The credentials for one registry, for pullers that know a registry, not a secret name (docker-credential-regcred, a kubelet credential provider). Registries match by host and port, ignoring scheme and path; every Docker Hub spelling is Docker Hub. Exactly one secret must hold the registry: none is a 404, several a 409 (AmbiguousRegistry) whose message and details name the candidate secrets, never credentials; pin one per registry in the CLI's config (`regcred pin <registry> <secret>`) or use the by-name route. Recorded in the audit trail as a pull of the secret it resolved to. Role: puller only. Cache-Control: no-store.",
    params(("registry" = String, Query, description = "The registry's server URL or host[:port], e.g. `ghcr.io`, `127.0.0.1:5000`, `https://index.docker.io/v1/`")),
    responses(
        (status = 200, description = "The credentials of the one secret that holds the registry", body = RegistryCredentials),
        (status = 400, description = "registry missing or not a registry address (InvalidQueryParameter)", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No secret holds credentials for the registry", body = ErrorBody),
        (status = 409, description = "Several secrets hold credentials for the registry (AmbiguousRegistry); details name them", body = ErrorBody),
    ))]
fn registry_credentials() {}

#[utoipa::path(get, path = "/v2/admin/pullableRegistries", tag = "regcred extensions",
    description = "Every registry the token may read, with the secret and username that hold it, never a password (docker-credential-regcred list). Role: puller only. Recorded in the audit trail as a pull.",
    responses(
        (status = 200, description = "The registries", body = RegistryUsers),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
    ))]
fn pullable_registries() {}

#[utoipa::path(post, path = "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/check", tag = "regcred extensions",
    description = "Logs in to each registry of the stored secret (Docker Registry HTTP API v2: /v2/, then the Basic or Bearer challenge) and says whether the credentials work. Never echoes them. A brokered secret mints first. What it finds becomes the secret's `health`, as a scheduled check's does (and may send webhook events). Roles: editor, admin.",
    params(("dockerRegistryName" = String, Path, description = NAME)),
    responses(
        (status = 200, description = "One outcome per registry", body = LoginCheckResponse),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No such secret (or it is outside the token's scope)", body = ErrorBody),
    ))]
fn check() {}

#[utoipa::path(post, path = "/v2/admin/registryLoginChecks", tag = "regcred extensions",
    description = "The login check for credentials not yet saved (a dry run). Roles: editor, admin.",
    request_body(content = LoginCheckRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "One outcome per registry", body = LoginCheckResponse),
        (status = 400, description = "Invalid body or .dockerconfigjson", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
    ))]
fn dry_run_check() {}

#[utoipa::path(get, path = "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/checks", tag = "regcred extensions",
    description = "The secret's last 20 checks (scheduled or by hand), newest first. Roles: viewer, editor, admin.",
    params(("dockerRegistryName" = String, Path, description = NAME)),
    responses(
        (status = 200, description = "The checks", body = shared::api::CheckList),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No such secret (or it is outside the token's scope)", body = ErrorBody),
    ))]
fn checks() {}

#[utoipa::path(get, path = "/v2/admin/health", tag = "regcred extensions",
    description = "How many secrets (that the token may see) are in each health state. Roles: viewer, editor, admin.",
    responses(
        (status = 200, description = "Counts by state", body = shared::api::HealthCounts),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
    ))]
fn health_counts() {}

#[utoipa::path(post, path = "/v2/admin/webhooks", tag = "regcred extensions",
    description = "Adds a receiver of the events (`secret.failing`, `secret.recovered`, `secret.expiring`, `secret.expired`, `webhook.test`), signed per Standard Webhooks. The signing secret is shown this once. Role: admin.",
    request_body(content = shared::api::CreateWebhookRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The receiver's id and secret", body = shared::api::CreatedWebhook),
        (status = 400, description = "Invalid url (the login check's address rules), events or format", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
    ))]
fn create_webhook() {}

#[utoipa::path(get, path = "/v2/admin/webhooks", tag = "regcred extensions",
    description = "The receivers, never a secret. Role: admin.",
    responses(
        (status = 200, description = "The receivers", body = shared::api::WebhookList),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
    ))]
fn list_webhooks() {}

#[utoipa::path(delete, path = "/v2/admin/webhooks/{id}", tag = "regcred extensions",
    description = "Removes a receiver; nothing is sent to it again. Role: admin.",
    params(("id" = String, Path, description = "The receiver's id")),
    responses(
        (status = 202, description = "Removed", body = IdMessageResponse),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No such receiver", body = ErrorBody),
    ))]
fn remove_webhook() {}

#[utoipa::path(post, path = "/v2/admin/webhooks/{id}/test", tag = "regcred extensions",
    description = "Sends the receiver a `webhook.test` event, retried like any other. Role: admin.",
    params(("id" = String, Path, description = "The receiver's id")),
    responses(
        (status = 202, description = "Queued", body = IdMessageResponse),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No such receiver", body = ErrorBody),
    ))]
fn test_webhook() {}

#[utoipa::path(get, path = "/v2/admin/webhooks/{id}/deliveries", tag = "regcred extensions",
    description = "Each event sent to the receiver, newest first: its `webhook-id`, attempts, `delivered` / `retrying` / `failed`, the last HTTP status. Role: admin.",
    params(("id" = String, Path, description = "The receiver's id")),
    responses(
        (status = 200, description = "The deliveries", body = shared::api::DeliveryList),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No such receiver", body = ErrorBody),
    ))]
fn deliveries() {}

#[utoipa::path(post, path = "/v2/admin/workloadIdentities", tag = "regcred extensions",
    description = "Adds a trust rule: a bearer JWT from `issuer` (RS256 or ES256, its keys from the issuer's discovery document or `jwksUri`) whose `aud` holds `audience` and whose claims match every glob signs in as `role` (viewer, puller or editor, never admin) within `scope`. Rules are tried in creation order; the first match decides. Role: admin.",
    request_body(content = shared::workload::TrustRule, content_type = "application/json"),
    responses(
        (status = 201, description = "The rule, with its id", body = shared::workload::WorkloadIdentity),
        (status = 400, description = "Invalid rule (an admin role, no claims, an issuer the rails refuse)", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
    ))]
fn create_identity() {}

#[utoipa::path(get, path = "/v2/admin/workloadIdentities", tag = "regcred extensions",
    description = "The trust rules, in creation order, each with its id. Role: admin.",
    responses(
        (status = 200, description = "The rules", body = shared::workload::WorkloadIdentityList),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
    ))]
fn list_identities() {}

#[utoipa::path(delete, path = "/v2/admin/workloadIdentities/{id}", tag = "regcred extensions",
    description = "Removes a trust rule; tokens it matched are refused within a second. Role: admin.",
    params(("id" = String, Path, description = "The rule's id")),
    responses(
        (status = 202, description = "Removed", body = IdMessageResponse),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No such rule", body = ErrorBody),
    ))]
fn remove_identity() {}

#[utoipa::path(get, path = "/v2/admin/auditEvents", tag = "regcred extensions",
    description = "The audit trail, newest first: creates, modifies, deletes, puller reads, login checks, failed authentications and forbidden attempts, token creates and revokes. Holds no secret. A scoped token sees only events about secrets its scope matches. Roles: editor, admin.",
    params(
        ("$top" = Option<u64>, Query, description = "Number of events (default 100)"),
        ("$skip" = Option<u64>, Query, description = "Events to skip"),
        ("$count" = Option<bool>, Query, description = "true: count is the total of matching events"),
        ("secret" = Option<String>, Query, description = "Only events about this secret"),
    ),
    responses(
        (status = 200, description = "Events", body = shared::api::AuditList),
        (status = 400, description = "Bad paging value", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
    ))]
fn audit() {}

#[utoipa::path(get, path = "/v2/admin/resourceQuota/dockerRegistrySecrets", tag = "Resource Quota",
    description = "How many secrets are stored and may be; for a scoped token, the usage counts only the secrets its scope matches. With quotaOnly=true only the quota: `{\"quota\": {\"maxCount\": Q}}`, no `usage`. Roles: viewer, editor, admin.",
    params(("quotaOnly" = Option<bool>, Query, description = "true: only the quota, not the usage (SAP's parameter); anything but true or false is a 400")),
    responses(
        (status = 200, description = "Usage and quota (usage left out with quotaOnly=true)", body = QuotaResponse),
        (status = 400, description = "quotaOnly is not true or false (InvalidQueryParameter)", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
    ))]
fn quota() {}

#[utoipa::path(get, path = "/v2/admin/tokens", tag = "regcred extensions",
    description = "The managed tokens, oldest first: id, label, role, scope, created, expiry and the hour last used. Never a token. Tokens from REGCRED_TOKENS are not listed. Role: admin.",
    responses(
        (status = 200, description = "The tokens", body = TokenList),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
    ))]
fn list_tokens() {}

#[utoipa::path(post, path = "/v2/admin/tokens", tag = "regcred extensions",
    description = "Makes a token (`rc_` and 48 hex digits: 192 random bits; secret scanners match `\\brc_[0-9a-f]{48}\\b`). The answer is the only place the token ever appears: storage keeps its SHA-256. `scope` limits it to secret names matching the patterns (`team-a-*`, exact names; at most 10); an admin token cannot be scoped. Role: admin.",
    request_body(content = CreateTokenRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The token, shown once", body = CreatedToken),
        (status = 400, description = "Invalid label, role, scope or expiry", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 429, description = "500 managed tokens exist already (QuotaExceeded)", body = ErrorBody),
    ))]
fn create_token() {}

#[utoipa::path(delete, path = "/v2/admin/tokens/{id}", tag = "regcred extensions",
    description = "Revokes a token: it stops working at once where it was revoked and everywhere within KV's propagation time (about 60 s). Role: admin.",
    params(("id" = String, Path, description = "The token's id (16 hex digits), from the list")),
    responses(
        (status = 202, description = "Revoked", body = IdMessageResponse),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No managed token has this id", body = ErrorBody),
    ))]
fn revoke_token() {}

#[utoipa::path(get, path = "/v2/admin/encryptionKeys", tag = "regcred extensions",
    description = "The keys of REGCRED_KEYS in order (the first seals new values) and how many live secrets (`secrets`) and kept versions or deleted secrets (`versions`) each seals, then key ids records name that are not configured (those records cannot be opened). `toRewrap`: records not yet sealed the current way (under the first key, name and version bound). A key at 0 for both can be removed. Role: admin.",
    responses(
        (status = 200, description = "Keys and counts", body = EncryptionKeys),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
    ))]
fn encryption_keys() {}

#[utoipa::path(post, path = "/v2/admin/encryptionKeys/rewrap", tag = "regcred extensions",
    description = "Seals up to `limit` records (live secrets, kept versions, deleted secrets) after `after` again under the first key, at their own version (content, version and ETag stay). Call again with `after` = the answer's `next` until it is absent; a record whose key is missing is listed in `failed` and skipped. Runs in the Durable Object, one batch at a time. Role: admin.",
    params(
        ("after" = Option<String>, Query, description = "The `next` of the previous batch"),
        ("limit" = Option<u64>, Query, description = "Records per batch, 1-500 (default 100)"),
    ),
    responses(
        (status = 200, description = "One batch", body = RewrapBatch),
        (status = 400, description = "Bad after or limit (InvalidQueryParameter)", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
    ))]
fn rewrap() {}

#[utoipa::path(get, path = "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/versions", tag = "regcred extensions",
    description = "The kept versions of a live or deleted secret, newest first: version, when and by whom it was written, registries, expiry and key id. Never credentials. Roles: viewer, editor, admin.",
    params(("dockerRegistryName" = String, Path, description = NAME)),
    responses(
        (status = 200, description = "Kept versions", body = VersionList),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No such secret, live or deleted within the retention (or it is outside the token's scope)", body = ErrorBody),
    ))]
fn versions() {}

#[utoipa::path(post, path = "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/versions/{version}/restore", tag = "regcred extensions",
    description = "Makes a new version with the credentials and expiry of a kept one; older versions stay. The secret must be live (undelete a deleted one first). Honours If-Match. Roles: editor, admin.",
    params(
        ("dockerRegistryName" = String, Path, description = NAME),
        ("version" = u64, Path, description = "A version from GET .../versions"),
        ("If-Match" = Option<String>, Header, description = "The ETag the restore expects the secret to be at"),
    ),
    responses(
        (status = 202, description = "Restored as a new version (its ETag in ETag)", body = IdMessageResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Invalid name or version", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No such secret, or that version is not kept", body = ErrorBody),
        (status = 412, description = "If-Match does not name the current version", body = ErrorBody),
    ))]
fn restore_version() {}

#[utoipa::path(post, path = "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/undelete", tag = "regcred extensions",
    description = "Brings back a deleted secret within its retention, at the version it had: list, get and pull serve it again. Counts against the quota. Roles: editor, admin.",
    params(("dockerRegistryName" = String, Path, description = NAME)),
    responses(
        (status = 202, description = "Live again (its ETag in ETag)", body = IdMessageResponse),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "No secret of this name was deleted within the retention", body = ErrorBody),
        (status = 409, description = "A secret of this name exists again (SecretAlreadyExists); restore a version instead", body = ErrorBody),
        (status = 429, description = "The quota is used up (QuotaExceeded)", body = ErrorBody),
    ))]
fn undelete() {}

#[utoipa::path(post, path = "/v2/admin/dockerRegistrySecrets/{dockerRegistryName}/purge", tag = "regcred extensions",
    description = "Drops for good every kept record of the name but its live version: a deleted secret, and the kept versions. Role: admin.",
    params(("dockerRegistryName" = String, Path, description = NAME)),
    responses(
        (status = 202, description = "Purged", body = IdMessageResponse),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 404, description = "Nothing of this name is stored", body = ErrorBody),
    ))]
fn purge() {}

#[utoipa::path(get, path = "/v2/admin/backup", tag = "regcred extensions",
    description = "One page of the whole store as stored: every live, deleted and kept record with its sealed value (envelope) and metadata, never plaintext, in key order. It restores only with the same REGCRED_KEYS. The audit trail is not included. `regcred backup` writes these pages to a file. Role: admin (unscoped).",
    params(
        ("after" = Option<String>, Query, description = "The `next` of the previous page"),
        ("limit" = Option<u64>, Query, description = "Records per page, 1-1000 (default 200)"),
    ),
    responses(
        (status = 200, description = "One page", body = BackupPage),
        (status = 400, description = "Bad after or limit (InvalidQueryParameter)", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
    ))]
fn backup() {}

#[utoipa::path(post, path = "/v2/admin/restore", tag = "regcred extensions",
    description = "Writes one chunk of a backup. The first chunk needs an empty store (no live, deleted or kept record) and starts the restore `restoreId`; later chunks name the same id, the last says `done`. Every record is checked (its key, metadata, and that REGCRED_KEYS opens it at its version) before any is written, so a refused chunk changes nothing. Bodies up to 1 MiB. Role: admin (unscoped).",
    request_body(content = RestoreChunk, content_type = "application/json"),
    responses(
        (status = 200, description = "The chunk is written", body = RestoreResult),
        (status = 400, description = "A record is not valid or does not open with these keys", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 409, description = "The store is not empty, or another restore is under way (StoreNotEmpty)", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 429, description = "More secrets than the quota (QuotaExceeded)", body = ErrorBody),
    ))]
fn restore() {}

/// The rules the server enforces on names and bodies, declared from
/// `shared`'s constants, so a request generated from this document (a
/// client's, a fuzzer's) is one the server can take: the name's pattern and
/// length wherever a secret is named, the `.dockerconfigjson`'s size, the
/// expiry's format.
struct Constraints;

fn object(schema: &mut utoipa::openapi::RefOr<utoipa::openapi::Schema>) -> Option<&mut Object> {
    match schema {
        utoipa::openapi::RefOr::T(utoipa::openapi::Schema::Object(o)) => Some(o),
        _ => None,
    }
}

fn name_rule(o: &mut Object) {
    o.pattern = Some(NAME_PATTERN.into());
    o.min_length = Some(1);
    o.max_length = Some(MAX_NAME_LEN);
}

impl Modify for Constraints {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                for p in op.parameters.iter_mut().flatten() {
                    if p.name == "dockerRegistryName" {
                        p.schema.as_mut().and_then(object).map(name_rule);
                    }
                }
            }
        }
        let schemas = &mut doc.components.as_mut().expect("components").schemas;
        let mut property = |schema: &str, field: &str, edit: &dyn Fn(&mut Object)| {
            let o = schemas
                .get_mut(schema)
                .and_then(object)
                .and_then(|s| {
                    // A PATCH changes the credentials, the expiry or both: `{}` is a 400.
                    if schema == "ModifySecretRequest" {
                        s.min_properties = Some(1);
                    }
                    s.properties.get_mut(field)
                })
                .and_then(object)
                .unwrap_or_else(|| panic!("{schema}.{field} is not an inline schema"));
            edit(o);
        };
        property("CreateSecretRequest", "name", &name_rule);
        property("SecretData", ".dockerconfigjson", &|o| {
            // Not a JSON Schema format: a name for what the string holds.
            o.format = Some(SchemaFormat::Custom("dockerconfigjson".into()));
            o.min_length = Some(1);
            o.max_length = Some(MAX_DOCKERCONFIGJSON_BYTES);
            o.description = Some(format!(
                "The .dockerconfigjson as JSON text, or base64 of it: {{\"auths\": {{\"<registry>\": {{\"auth\": ...}}}}}}, 1 to {MAX_REGISTRIES} registries, at most {MAX_DOCKERCONFIGJSON_BYTES} bytes."
            ));
        });
        // An entry's email must be local@domain (shared::dockerconfig).
        property("EntryEditRequest", "email", &|o| {
            o.format = Some(SchemaFormat::KnownFormat(KnownFormat::Email));
        });
        property("RestoreChunk", "restoreId", &|o| {
            o.pattern = Some("^[a-z0-9-]{8,64}$".into());
            o.min_length = Some(8);
            o.max_length = Some(64);
        });
        for request in ["CreateSecretRequest", "ModifySecretRequest"] {
            property(request, "expiresAt", &|o| {
                o.format = Some(SchemaFormat::KnownFormat(KnownFormat::DateTime));
            });
        }
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        // Every route that takes a token is rate limited on failures.
        const LIMITED: &str = "Too many missing or unknown tokens from this address (TooManyFailedAttempts; wait Retry-After seconds). Valid tokens are never refused by this limit.";
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let responses = &mut op.responses.responses;
                if !responses.contains_key("401") {
                    continue;
                }
                let described = match responses.get("429") {
                    Some(utoipa::openapi::RefOr::T(r)) => {
                        format!("{}; or: {LIMITED}", r.description)
                    }
                    _ => LIMITED.to_owned(),
                };
                let response = utoipa::openapi::ResponseBuilder::new()
                    .description(described)
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new()
                            .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .header(
                        "Retry-After",
                        utoipa::openapi::HeaderBuilder::new()
                            .description(Some("Seconds to wait"))
                            .build(),
                    )
                    .build();
                responses.insert("429".into(), response.into());
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "regcred",
        description = "Docker registry pull secrets at the edge. Compatible with SAP AI Core's /v2/admin/dockerRegistrySecrets; regcred's extensions are roles per token (viewer, editor, puller, admin), managed and scoped tokens, sign-in with Cloudflare Access (Cf-Access-Jwt-Assertion), the puller routes, versions and undelete, backup and restore, and extra metadata. Every write (create, modify, restore) makes a version, and each secret keeps its last REGCRED_VERSIONS (default 10), the current one included; a DELETE answers as SAP's does, but keeps the secret for REGCRED_RETENTION_DAYS (default 30) for undelete, and creating the name again goes on numbering from it, its history restorable until that retention ends. Every route that takes GET also takes HEAD (the same answer without its body); any method a route does not take, OPTIONS included (CORS is same origin only), is a 405 with Allow.",
        license(name = "MIT", identifier = "MIT"),
    ),
    paths(health, openapi, session, list, create, get, modify, delete, pull, registry_credentials, pullable_registries, check, dry_run_check, checks, health_counts, create_webhook, list_webhooks, remove_webhook, test_webhook, deliveries, create_identity, list_identities, remove_identity, audit, quota, list_tokens, create_token, revoke_token, encryption_keys, rewrap, versions, restore_version, undelete, purge, backup, restore),
    components(schemas(
        SecretStatus, SecretList, CreatedResponse, IdMessageResponse, QuotaResponse, QuotaUsage, Quota,
        HealthResponse, SessionResponse, SignIn, shared::Role, TokenList, TokenInfo, CreatedToken, CreateTokenRequest, EncryptionKeys, KeyUsage, RewrapBatch, VersionInfo, VersionList, BackupItem, BackupPage, RestoreChunk, RestoreResult, LoginCheckResponse, shared::login::LoginOutcome, shared::login::LoginResult, shared::time::ExpiryState, shared::api::AuditEvent, shared::api::AuditList, ErrorBody, ApiError, ErrorDetail, ErrorCode, CreateSecretRequest, ModifySecretRequest,
        SecretData, LoginCheckRequest, DockerConfigJson, DockerAuthEntry, RegistryCredentials, RegistryUser, RegistryUsers, shared::api::EntryEditRequest, shared::api::RegistryLogin, shared::api::SourceRequest, shared::source::SourceInfo, shared::source::SourceType,
        shared::health::Health, shared::health::HealthStatus, shared::api::CheckList, shared::api::CheckRecord, shared::api::HealthCounts,
        shared::api::CreateWebhookRequest, shared::api::CreatedWebhook, shared::api::WebhookInfo, shared::api::WebhookList, shared::api::DeliveryInfo, shared::api::DeliveryList, shared::workload::TrustRule, shared::workload::WorkloadIdentity, shared::workload::WorkloadIdentityList,
    )),
    security(("bearer" = [])),
    modifiers(&BearerAuth, &Constraints),
)]
struct Doc;

/// utoipa 5.5 writes a Link's fields in snake case (`operation_id`); the
/// OpenAPI Link Object spells them `operationId`, `operationRef` and
/// `requestBody`, and no other object here has those keys (inside a string a
/// quote is escaped, so text in a description cannot match).
fn camel_case_links(json: &str) -> String {
    json.replace("\"operation_id\":", "\"operationId\":")
        .replace("\"operation_ref\":", "\"operationRef\":")
        .replace("\"request_body\":", "\"requestBody\":")
}

#[test]
fn links_chain_a_created_secret_to_its_operations() {
    let doc: serde_json::Value = serde_json::from_str(&camel_case_links(
        &Doc::openapi().to_json().expect("serializable"),
    ))
    .expect("json");
    let ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let created = &doc["paths"]["/v2/admin/dockerRegistrySecrets"]["post"]["responses"]["202"];
    let links = created["links"]
        .as_object()
        .expect("create's 202 has links");
    for (name, link) in links {
        let target = link["operationId"].as_str().expect("operationId");
        assert!(
            ids.contains(&target),
            "{name} names {target}, no such operation"
        );
        assert_eq!(
            link["parameters"]["dockerRegistryName"], "$request.body#/name",
            "{name}"
        );
    }
    let mut targets: Vec<&str> = links
        .values()
        .filter_map(|l| l["operationId"].as_str())
        .collect();
    targets.sort();
    assert_eq!(targets, ["check", "delete", "get", "modify"]);
}

#[test]
fn served_document_matches_the_types() {
    let mut doc = Doc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    // Compact: the worker embeds this file, and every byte ships in its wasm.
    let generated = camel_case_links(&doc.to_json().expect("serializable")) + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
    if std::env::var_os("REGCRED_BLESS").is_some() {
        std::fs::write(path, &generated).expect("write openapi.json");
    }
    let served = std::fs::read_to_string(path).expect("read openapi.json");
    assert!(
        served == generated,
        "worker/openapi.json is out of date; run REGCRED_BLESS=1 cargo test -p regcred-worker --test openapi"
    );
}

/// The operations table and the served document name the same (method,
/// path) pairs: neither can gain a route the other lacks.
#[test]
fn the_operations_table_is_the_documents_paths() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../openapi.json")).expect("openapi.json is JSON");
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "post", "patch", "delete", "put"] {
            if item.get(method).is_some() {
                documented.push((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    let mut table: Vec<(String, String)> = regcred_worker::ops::OPERATIONS
        .iter()
        .map(|o| (o.method.as_str().to_owned(), o.path.to_owned()))
        .collect();
    documented.sort();
    table.sort();
    assert_eq!(table, documented);
}
