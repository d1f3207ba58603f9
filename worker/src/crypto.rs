//! Encryption at rest: AES-256-GCM, a fresh 96-bit nonce per write, the
//! secret's name and version as associated data (a value copied under
//! another name, or an older value copied over the current one, does not
//! decrypt), in a versioned envelope that names its key. Envelopes of
//! version 1 (name only) still open; rewrapping makes them version 2.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use shared::SecretName;

pub const NONCE_LEN: usize = 12;
/// What `seal` writes: the name and the secret's version are bound.
const ENVELOPE_VERSION: u8 = 2;
/// Only the name is bound.
const ENVELOPE_V1: u8 = 1;

/// The keys from the `REGCRED_KEYS` secret: `id:hex64[,id:hex64...]`.
/// The first key encrypts; every key decrypts, so keys rotate without downtime.
pub struct Keyring {
    keys: Vec<(String, Aes256Gcm)>,
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    v: u8,
    kid: String,
    nonce: String,
    ct: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    NotAnEnvelope,
    UnknownKey(String),
    /// Wrong key, wrong name, or tampered bytes: AEAD cannot tell which.
    Rejected,
}

fn aad(envelope: u8, name: &SecretName, version: u64) -> Vec<u8> {
    match envelope {
        ENVELOPE_V1 => format!("regcred/v1/secret/{name}").into_bytes(),
        _ => format!("regcred/v2/secret/{name}/{version}").into_bytes(),
    }
}

/// The id of the key an envelope was sealed with, without opening it.
pub fn envelope_key(envelope: &str) -> Option<String> {
    serde_json::from_slice::<Envelope>(envelope.as_bytes())
        .ok()
        .map(|e| e.kid)
}

/// Whether an envelope is sealed the way `seal` seals now under `primary`
/// (that key, name and version bound); if not, a rewrap rewrites it.
pub fn is_current(envelope: &str, primary: &str) -> bool {
    serde_json::from_slice::<Envelope>(envelope.as_bytes())
        .is_ok_and(|e| e.v == ENVELOPE_VERSION && e.kid == primary)
}

impl Keyring {
    pub fn parse(spec: &str) -> Result<Keyring, String> {
        let mut keys = Vec::new();
        for (i, part) in spec
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            let (id, hex) = part
                .split_once(':')
                .ok_or_else(|| format!("REGCRED_KEYS entry {} is not id:hex", i + 1))?;
            let valid_id = !id.is_empty()
                && id.len() <= 32
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid_id {
                return Err(format!(
                    "REGCRED_KEYS entry {}: the key id must be 1-32 of A-Z a-z 0-9 - _",
                    i + 1
                ));
            }
            let bytes = decode_hex(hex).filter(|b| b.len() == 32).ok_or_else(|| {
                format!("REGCRED_KEYS key {id:?} must be 64 hex characters (32 bytes)")
            })?;
            keys.push((
                id.to_owned(),
                Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes)),
            ));
        }
        if keys.is_empty() {
            return Err("REGCRED_KEYS holds no key; set it to id:<64 hex chars>".into());
        }
        Ok(Keyring { keys })
    }

    /// The key ids, the one that encrypts first.
    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(|(id, _)| id.as_str()).collect()
    }

    /// The id of the key that encrypts.
    pub fn primary(&self) -> &str {
        self.keys.first().map_or("", |(id, _)| id.as_str())
    }

    /// Encrypts under the first key, bound to the secret's name and
    /// `version`. `nonce` must be fresh random bytes.
    pub fn seal(
        &self,
        name: &SecretName,
        version: u64,
        plaintext: &[u8],
        nonce: [u8; NONCE_LEN],
    ) -> Result<String, String> {
        // `parse` refuses an empty keyring, so there is always a first key.
        let (kid, cipher) = self.keys.first().ok_or("no encryption key")?;
        let ct = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad(ENVELOPE_VERSION, name, version),
                },
            )
            .map_err(|_| "encryption failed".to_string())?;
        let env = Envelope {
            v: ENVELOPE_VERSION,
            kid: kid.clone(),
            nonce: B64.encode(nonce),
            ct: B64.encode(ct),
        };
        serde_json::to_string(&env).map_err(|_| "envelope serialization failed".to_string())
    }

    /// Opens the envelope of version `version` of the secret `name`.
    pub fn open(
        &self,
        name: &SecretName,
        version: u64,
        envelope: &str,
    ) -> Result<Vec<u8>, OpenError> {
        let env: Envelope =
            serde_json::from_slice(envelope.as_bytes()).map_err(|_| OpenError::NotAnEnvelope)?;
        if env.v != ENVELOPE_VERSION && env.v != ENVELOPE_V1 {
            return Err(OpenError::NotAnEnvelope);
        }
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(id, _)| *id == env.kid)
            .ok_or_else(|| OpenError::UnknownKey(env.kid.clone()))?;
        let nonce = B64
            .decode(&env.nonce)
            .map_err(|_| OpenError::NotAnEnvelope)?;
        if nonce.len() != NONCE_LEN {
            return Err(OpenError::NotAnEnvelope);
        }
        let ct = B64.decode(&env.ct).map_err(|_| OpenError::NotAnEnvelope)?;
        cipher
            .decrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &ct,
                    aad: &aad(env.v, name, version),
                },
            )
            .map_err(|_| OpenError::Rejected)
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
