//! API tokens from the `REGCRED_TOKENS` secret: `label:role:token[,...]`.
//! The label names the caller in answers and audit records; the token never
//! leaves this module, and only its SHA-256 digest is kept.

use sha2::{Digest, Sha256};
use shared::api::SignIn;
use shared::{Role, Scope};
use subtle::ConstantTimeEq;

pub struct TokenTable {
    entries: Vec<Entry>,
}

struct Entry {
    label: String,
    role: Role,
    digest: [u8; 32],
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub label: String,
    pub role: Role,
    /// The secret names the caller may see; `None`: every secret.
    pub scope: Option<Scope>,
    pub via: SignIn,
    /// A workload identity's `sub`.
    pub subject: Option<String>,
}

impl Principal {
    /// Whether the secret `name` is inside the caller's scope.
    pub fn sees(&self, name: &str) -> bool {
        shared::scope::sees(self.scope.as_ref(), name)
    }
}

/// Tokens shorter than this are refused at configuration time.
const MIN_TOKEN_LEN: usize = 16;

fn digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

impl TokenTable {
    pub fn parse(spec: &str) -> Result<TokenTable, String> {
        let mut entries: Vec<Entry> = Vec::new();
        for (i, part) in spec
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            let mut fields = part.splitn(3, ':');
            let (label, role, token) = match (fields.next(), fields.next(), fields.next()) {
                (Some(l), Some(r), Some(t)) => (l, r, t),
                _ => {
                    return Err(format!(
                        "REGCRED_TOKENS entry {} is not label:role:token",
                        i + 1
                    ))
                }
            };
            let role = Role::parse(role).ok_or_else(|| {
                format!(
                    "REGCRED_TOKENS entry {} ({label}): role must be viewer, editor, puller or admin",
                    i + 1
                )
            })?;
            if token.len() < MIN_TOKEN_LEN {
                return Err(format!(
                    "REGCRED_TOKENS entry {} ({label}): the token is shorter than {MIN_TOKEN_LEN} characters",
                    i + 1
                ));
            }
            let digest = digest(token.as_bytes());
            // One token with two labels would make the audit trail lie about
            // who acted; the operator must pick one.
            if let Some(twin) = entries.iter().find(|e| e.digest == digest) {
                return Err(format!(
                    "REGCRED_TOKENS entries \"{}\" and \"{label}\" have the same token; give each its own",
                    twin.label
                ));
            }
            entries.push(Entry {
                label: label.to_owned(),
                role,
                digest,
            });
        }
        if entries.is_empty() {
            return Err("REGCRED_TOKENS holds no token; set it to label:role:token".into());
        }
        Ok(TokenTable { entries })
    }

    /// Looks up a presented token. It is hashed and every entry's digest
    /// compared in constant time, so neither its length nor how close it
    /// came shows in the timing.
    pub fn authenticate(&self, presented: &str) -> Option<Principal> {
        let wanted = digest(presented.as_bytes());
        let mut found = None;
        for e in &self.entries {
            if bool::from(e.digest.ct_eq(&wanted)) {
                found = Some(Principal {
                    label: e.label.clone(),
                    role: e.role,
                    scope: None,
                    via: SignIn::EnvironmentToken,
                    subject: None,
                });
            }
        }
        found
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer(authorization: &str) -> Option<&str> {
    let h = authorization.trim();
    let token = h
        .strip_prefix("Bearer ")
        .or_else(|| h.strip_prefix("bearer "))?
        .trim();
    (!token.is_empty()).then_some(token)
}
