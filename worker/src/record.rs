//! The stored record of a secret. KV key `secret:<name>`; value = the
//! encrypted envelope of its normalized `.dockerconfigjson`; metadata =
//! [`SecretMeta`], everything a list page shows, so a page needs no per-key
//! read. The version backs ETag / If-Match.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::api::{ApiError, ErrorCode, SecretStatus};
use shared::health::{Health, Watch};
use shared::source::SourceInfo;
use shared::time::Timestamp;
use shared::{parse_stored_dockerconfigjson, DockerConfig, SecretName};

use crate::config::Config;
use crate::crypto::{OpenError, NONCE_LEN};
use crate::ctx::Ctx;
use crate::store::{Store, Stored};

pub const PREFIX: &str = "secret:";
/// Workers KV refuses metadata over 1024 bytes serialized.
pub const MAX_METADATA_BYTES: usize = 1024;

pub fn key(name: &SecretName) -> String {
    format!("{PREFIX}{name}")
}

/// A secret's KV metadata. The short names are what is stored (KV's 1 KiB
/// holds more registries that way); records written before a field existed
/// read with its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecretMeta {
    /// Server keys, cut from the end to fit KV's limit.
    #[serde(rename = "r")]
    pub registries: Vec<String>,
    #[serde(rename = "c")]
    pub created_at: String,
    #[serde(rename = "m")]
    pub modified_at: String,
    /// How many registries were cut from `registries`.
    #[serde(rename = "x")]
    pub omitted: u64,
    #[serde(rename = "e", skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(rename = "v")]
    pub version: u64,
    /// The id of the key the value is sealed with; records written before
    /// it was kept read `None` (the envelope names it).
    #[serde(rename = "k", skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Who wrote this version (a token label or Access identity).
    #[serde(rename = "b", skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// On a deleted secret's record: when it was deleted.
    #[serde(rename = "d", skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    /// A brokered secret: its source's identifiers and the current
    /// credential's times (never a key or a credential).
    #[serde(rename = "s", skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceInfo>,
    /// What the last check found, and the expiry warning already sent;
    /// absent (unchecked) after a create or an edit.
    #[serde(rename = "h", skip_serializing_if = "Option::is_none")]
    pub watch: Option<Watch>,
}

impl Default for SecretMeta {
    /// Secrets written before versions existed are at version 1.
    fn default() -> Self {
        SecretMeta {
            registries: Vec::new(),
            created_at: String::new(),
            modified_at: String::new(),
            omitted: 0,
            expires_at: None,
            version: 1,
            key_id: None,
            created_by: None,
            deleted_at: None,
            source: None,
            watch: None,
        }
    }
}

impl SecretMeta {
    /// The metadata of a stored secret; unreadable metadata reads as empty.
    pub fn of(stored: &Stored) -> SecretMeta {
        stored
            .metadata
            .as_ref()
            .and_then(|m| SecretMeta::deserialize(m).ok())
            .unwrap_or_default()
    }

    /// What the API shows of it; the expiry state needs `now`.
    pub fn status(self, name: &str, now: Option<Timestamp>) -> SecretStatus {
        let expiry = match (self.expires_at.as_deref().map(Timestamp::parse), now) {
            (Some(Ok(t)), Some(now)) => Some(t.expiry_state(now)),
            _ => None,
        };
        SecretStatus {
            name: name.to_owned(),
            registries: self.registries,
            created_at: self.created_at,
            modified_at: self.modified_at,
            expires_at: self.expires_at.filter(|e| !e.is_empty()),
            expiry,
            key_id: self.key_id,
            deleted_at: None,
            purge_after: None,
            users: Vec::new(),
            source: self.source,
            health: Some(self.watch.map_or_else(Health::unchecked, |w| w.health)),
        }
    }
}

/// `meta` with as many of `registries` as fit KV's 1 KiB limit: they are
/// dropped from the end (and counted in `omitted`) until it fits; GET reads
/// the full list from the value.
///
/// The kept count is worked out from sizes, not by serializing again per
/// dropped registry: the metadata with no registry, plus each kept one's
/// JSON string and comma, with `x` growing by digits. One pass, then one
/// serialization.
pub fn fit(meta: &SecretMeta, registries: &[String]) -> Value {
    let total = registries.len();
    let build = |kept: usize| SecretMeta {
        registries: registries[..kept].to_vec(),
        omitted: (total - kept) as u64,
        ..meta.clone()
    };
    let serialized = |m: &SecretMeta| serde_json::to_value(m).unwrap_or_default();
    let digits = |n: usize| n.to_string().len();
    // Everything but the registries' strings and the digits of `x`.
    let rest = serialized(&build(0)).to_string().len() - digits(total);
    let mut kept = 0;
    let mut listed = 0;
    for (i, r) in registries.iter().enumerate() {
        let quoted = serde_json::to_string(r).map_or(MAX_METADATA_BYTES, |q| q.len());
        let with = listed + quoted + usize::from(i > 0);
        if rest + with + digits(total - (i + 1)) > MAX_METADATA_BYTES {
            break;
        }
        listed = with;
        kept = i + 1;
    }
    let mut value = serialized(&build(kept));
    // Never taken: the sizes above are exact (a test compares them).
    while kept > 0 && value.to_string().len() > MAX_METADATA_BYTES {
        kept -= 1;
        value = serialized(&build(kept));
    }
    value
}

/// The metadata of a version written now.
#[allow(clippy::too_many_arguments)]
pub fn metadata(
    registries: &[String],
    created: &str,
    modified: &str,
    expires: Option<&str>,
    version: u64,
    key_id: &str,
    by: &str,
) -> Value {
    let meta = SecretMeta {
        registries: Vec::new(),
        created_at: created.to_owned(),
        modified_at: modified.to_owned(),
        omitted: 0,
        expires_at: expires.map(str::to_owned),
        version,
        key_id: Some(key_id.to_owned()),
        created_by: (!by.is_empty()).then(|| by.to_owned()),
        deleted_at: None,
        source: None,
        watch: None,
    };
    fit(&meta, registries)
}

/// The full registry list of a record: its metadata's, or the value's when
/// the metadata could not hold them all.
pub fn registries_of(meta: &SecretMeta, text: &str) -> Vec<String> {
    match parse_stored_dockerconfigjson(text) {
        Ok(p) if meta.omitted > 0 => p.config.registries(),
        _ => meta.registries.clone(),
    }
}

/// Who logs in to each registry of a stored record; empty when it does not
/// open (a list of versions still shows the rest).
pub fn users_of(
    cfg: &Config,
    name: &SecretName,
    stored: &Stored,
) -> Vec<shared::api::RegistryLogin> {
    open(cfg, name, stored)
        .ok()
        .and_then(|text| parse_stored_dockerconfigjson(&text).ok())
        .map(|p| shared::api::RegistryLogin::of(&p.config))
        .unwrap_or_default()
}

/// The stored secret, or a 404 that names it.
pub async fn load<S: Store>(ctx: &Ctx<'_, S>, name: &SecretName) -> Result<Stored, ApiError> {
    ctx.store
        .get(&key(name))
        .await?
        .ok_or_else(|| not_found(name))
}

pub fn not_found(name: &SecretName) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("there is no docker registry secret named \"{name}\""),
    )
    .with_target("dockerRegistryName")
}

/// The envelope of `config` under the first key, bound to `name` and
/// `version`, and that key's id.
pub fn seal<S>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    version: u64,
    config: &DockerConfig,
) -> Result<(String, String), ApiError> {
    seal_text(ctx, cfg, name, version, config.to_json().as_bytes())
}

/// `seal` of plaintext already in its stored form (a rewrap).
pub fn seal_text<S>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    name: &SecretName,
    version: u64,
    plaintext: &[u8],
) -> Result<(String, String), ApiError> {
    let mut nonce = [0u8; NONCE_LEN];
    if !(ctx.random)(&mut nonce) {
        return Err(ApiError::new(
            ErrorCode::InternalError,
            "no random source is available to encrypt the secret; try again",
        ));
    }
    let envelope = cfg
        .keyring
        .seal(name, version, plaintext, nonce)
        .map_err(|e| ApiError::new(ErrorCode::InternalError, e))?;
    Ok((envelope, cfg.keyring.primary().to_owned()))
}

/// The stored `.dockerconfigjson` text.
pub fn open(cfg: &Config, name: &SecretName, stored: &Stored) -> Result<String, ApiError> {
    let version = SecretMeta::of(stored).version;
    let plain = cfg
        .keyring
        .open(name, version, &stored.value)
        .map_err(|e| match e {
            OpenError::UnknownKey(kid) => ApiError::new(
                ErrorCode::EncryptionKeyMissing,
                format!("the secret \"{name}\" is sealed with the key \"{kid}\", which REGCRED_KEYS does not hold; put that key back (after the first one), then rewrap (POST /v2/admin/encryptionKeys/rewrap) before removing it"),
            )
            .with_target("REGCRED_KEYS"),
            _ => ApiError::new(
                ErrorCode::InternalError,
                format!("the stored secret \"{name}\" cannot be decrypted with the configured keys ({e:?}); check REGCRED_KEYS"),
            ),
        })?;
    String::from_utf8(plain).map_err(|_| {
        ApiError::new(
            ErrorCode::InternalError,
            format!("the stored secret \"{name}\" is not text"),
        )
    })
}
