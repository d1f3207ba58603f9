//! Encryption at rest: AES-256-GCM, a fresh 96-bit nonce per write, the
//! secret's name as associated data (a value copied under another name does
//! not decrypt), in a versioned envelope that names its key.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use shared::SecretName;

pub const NONCE_LEN: usize = 12;
const ENVELOPE_VERSION: u8 = 1;

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

fn aad(name: &SecretName) -> Vec<u8> {
    format!("regcred/v1/secret/{name}").into_bytes()
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

    /// Encrypts under the first key. `nonce` must be fresh random bytes.
    pub fn seal(
        &self,
        name: &SecretName,
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
                    aad: &aad(name),
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

    pub fn open(&self, name: &SecretName, envelope: &str) -> Result<Vec<u8>, OpenError> {
        let env: Envelope = serde_json::from_str(envelope).map_err(|_| OpenError::NotAnEnvelope)?;
        if env.v != ENVELOPE_VERSION {
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
                    aad: &aad(name),
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
