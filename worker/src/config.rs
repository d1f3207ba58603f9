//! The worker's settings, read from its environment (secrets and vars).

use shared::access::AccessRoles;
use shared::retention::{
    DEFAULT_RETENTION_DAYS, DEFAULT_VERSIONS, MAX_RETENTION_DAYS, MAX_VERSIONS,
};

use crate::crypto::Keyring;
use crate::tokens::TokenTable;

pub const DEFAULT_MAX_SECRETS: u64 = 50;
/// How long audit records are kept (`REGCRED_AUDIT_DAYS`).
pub const DEFAULT_AUDIT_DAYS: u32 = 90;

pub struct Config {
    pub tokens: TokenTable,
    pub keyring: Keyring,
    pub max_secrets: u64,
    /// Local development only: lets the login check use plain http to a
    /// loopback registry. Production leaves it unset.
    pub allow_http_loopback: bool,
    /// Audit records expire after this many days.
    pub audit_days: u32,
    /// Single sign-on with Cloudflare Access, when configured.
    pub access: Option<AccessSettings>,
    /// Versions kept per secret, the current one included.
    pub versions: u32,
    /// Days a deleted secret (and a recreated name's old history) is kept.
    pub retention_days: u32,
    /// `REGCRED_CHECK_EVERY`: every secret is checked at least this often (seconds).
    pub check_every_secs: i64,
    /// `REGCRED_EXPIRY_WARN_DAYS`: the days before an expiry that warn.
    pub warn_days: Vec<u32>,
    /// `REGCRED_WEBHOOK_RETRY_SECONDS`: the delays between delivery attempts.
    pub webhook_retry_secs: Vec<u32>,
}

/// `REGCRED_ACCESS_TEAM_DOMAIN`, `REGCRED_ACCESS_AUD`, `REGCRED_ACCESS_ROLES`.
pub struct AccessSettings {
    /// `https://<team>.cloudflareaccess.com`: the JWT's `iss`, and where its keys are.
    pub team_domain: String,
    /// The application's AUD tag; the JWT's `aud` must hold it.
    pub aud: String,
    pub roles: AccessRoles,
}

impl Config {
    /// `get` returns a variable's value; a message names what is missing,
    /// never a value.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let tokens = get("REGCRED_TOKENS")
            .ok_or("REGCRED_TOKENS is not set (wrangler secret put REGCRED_TOKENS)")?;
        let keys = get("REGCRED_KEYS")
            .ok_or("REGCRED_KEYS is not set (wrangler secret put REGCRED_KEYS)")?;
        let max_secrets = match get("REGCRED_MAX_SECRETS") {
            None => DEFAULT_MAX_SECRETS,
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| "REGCRED_MAX_SECRETS must be a whole number".to_string())?,
        };
        let audit_days = match get("REGCRED_AUDIT_DAYS") {
            None => DEFAULT_AUDIT_DAYS,
            Some(v) => v
                .trim()
                .parse()
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .ok_or("REGCRED_AUDIT_DAYS must be a whole number of days from 1 to 3650")?,
        };
        let versions = bounded(
            &get,
            "REGCRED_VERSIONS",
            DEFAULT_VERSIONS,
            MAX_VERSIONS,
            "versions",
        )?;
        let retention_days = bounded(
            &get,
            "REGCRED_RETENTION_DAYS",
            DEFAULT_RETENTION_DAYS,
            MAX_RETENTION_DAYS,
            "days",
        )?;
        let allow_http_loopback =
            get("REGCRED_ALLOW_HTTP_LOOPBACK").is_some_and(|v| v.trim() == "true");
        let check_every_secs = get("REGCRED_CHECK_EVERY")
            .map_or(Ok(shared::health::DEFAULT_CHECK_EVERY_SECS), |v| {
                shared::health::parse_every(&v)
            })?;
        let warn_days = get("REGCRED_EXPIRY_WARN_DAYS").map_or_else(
            || Ok(shared::health::DEFAULT_WARN_DAYS.to_vec()),
            |v| shared::health::parse_warn_days(&v),
        )?;
        let webhook_retry_secs = get("REGCRED_WEBHOOK_RETRY_SECONDS").map_or_else(
            || Ok(shared::webhook::DEFAULT_RETRY_SECONDS.to_vec()),
            |v| shared::webhook::parse_retry_seconds(&v),
        )?;
        Ok(Config {
            tokens: TokenTable::parse(&tokens)?,
            keyring: Keyring::parse(&keys)?,
            max_secrets,
            allow_http_loopback,
            audit_days,
            access: access_settings(&get, allow_http_loopback)?,
            versions,
            retention_days,
            check_every_secs,
            warn_days,
            webhook_retry_secs,
        })
    }
}

/// A whole number from 1 to `max`, or `default` when unset.
fn bounded(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: u32,
    max: u32,
    unit: &str,
) -> Result<u32, String> {
    match get(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| format!("{name} must be a whole number of {unit} from 1 to {max}")),
    }
}

/// Access is on when both the team domain and the AUD tag are set; then the
/// roles must be set too (without them every identity would be refused).
fn access_settings(
    get: &impl Fn(&str) -> Option<String>,
    allow_http_loopback: bool,
) -> Result<Option<AccessSettings>, String> {
    let set = |name: &str| get(name).filter(|v| !v.trim().is_empty());
    let (team_domain, aud) = match (
        set("REGCRED_ACCESS_TEAM_DOMAIN"),
        set("REGCRED_ACCESS_AUD"),
    ) {
        (None, None) => return Ok(None),
        (Some(_), None) => return Err(
            "REGCRED_ACCESS_TEAM_DOMAIN is set but REGCRED_ACCESS_AUD is not: set it to the Access application's Application Audience (AUD) tag, or unset both".into(),
        ),
        (None, Some(_)) => return Err(
            "REGCRED_ACCESS_AUD is set but REGCRED_ACCESS_TEAM_DOMAIN is not: set it to your team domain (team.cloudflareaccess.com), or unset both".into(),
        ),
        (Some(t), Some(a)) => (t, a),
    };
    let team_domain = shared::access::normalize_team_domain(&team_domain, allow_http_loopback)?;
    let roles = set("REGCRED_ACCESS_ROLES").ok_or(
        "REGCRED_ACCESS_ROLES is not set: with Access on, map identities to roles, e.g. alice@example.com:admin,*@example.com:viewer",
    )?;
    Ok(Some(AccessSettings {
        team_domain,
        aud: aud.trim().to_owned(),
        roles: AccessRoles::parse(&roles)?,
    }))
}
