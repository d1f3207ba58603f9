//! The worker's settings, read from its environment (secrets and vars).

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
        let allow_http_loopback =
            get("REGCRED_ALLOW_HTTP_LOOPBACK").is_some_and(|v| v.trim() == "true");
        Ok(Config {
            tokens: TokenTable::parse(&tokens)?,
            keyring: Keyring::parse(&keys)?,
            max_secrets,
            allow_http_loopback,
            audit_days,
        })
    }
}
