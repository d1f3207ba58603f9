//! API tokens from the `REGCRED_TOKENS` secret: `label:role:token[,...]`.
//! The label names the caller in answers and audit records; the token never
//! leaves this module.

use shared::Role;
use subtle::ConstantTimeEq;

pub struct TokenTable {
    entries: Vec<Entry>,
}

struct Entry {
    label: String,
    role: Role,
    token: Vec<u8>,
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub label: String,
    pub role: Role,
}

/// Tokens shorter than this are refused at configuration time.
const MIN_TOKEN_LEN: usize = 16;

impl TokenTable {
    pub fn parse(spec: &str) -> Result<TokenTable, String> {
        let mut entries = Vec::new();
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
                    "REGCRED_TOKENS entry {} ({label}): role must be viewer, editor or puller",
                    i + 1
                )
            })?;
            if token.len() < MIN_TOKEN_LEN {
                return Err(format!(
                    "REGCRED_TOKENS entry {} ({label}): the token is shorter than {MIN_TOKEN_LEN} characters",
                    i + 1
                ));
            }
            entries.push(Entry {
                label: label.to_owned(),
                role,
                token: token.as_bytes().to_vec(),
            });
        }
        if entries.is_empty() {
            return Err("REGCRED_TOKENS holds no token; set it to label:role:token".into());
        }
        Ok(TokenTable { entries })
    }

    /// Looks up `Authorization: Bearer <token>`. Every entry is compared in
    /// constant time, so timing does not tell which token came close.
    pub fn authenticate(&self, authorization: Option<&str>) -> Option<Principal> {
        let presented = authorization?
            .trim()
            .strip_prefix("Bearer ")
            .or_else(|| authorization?.trim().strip_prefix("bearer "))?
            .trim()
            .as_bytes();
        let mut found = None;
        for e in &self.entries {
            if bool::from(e.token.as_slice().ct_eq(presented)) {
                found = Some(Principal {
                    label: e.label.clone(),
                    role: e.role,
                });
            }
        }
        found
    }
}
