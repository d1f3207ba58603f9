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
        let (kid, cipher) = &self.keys[0];
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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "k1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const KEY_B: &str = "k2:1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

    /// Recorded once under KEY_A for the name "golden" with nonce 0..12.
    /// Every future version must still open it.
    const GOLDEN: &str = include_str!("../tests/golden-envelope.json");
    const GOLDEN_PLAINTEXT: &str = r#"{"auths":{"registry.example.com":{"username":"golden","password":"p@ss:w0rd","auth":"Z29sZGVuOnBAc3M6dzByZA=="}}}"#;

    fn name(s: &str) -> SecretName {
        SecretName::parse(s).unwrap()
    }

    #[test]
    fn golden_vector_still_decrypts() {
        let ring = Keyring::parse(KEY_A).unwrap();
        let plain = ring.open(&name("golden"), GOLDEN.trim()).unwrap();
        assert_eq!(String::from_utf8(plain).unwrap(), GOLDEN_PLAINTEXT);
    }

    #[test]
    fn round_trip_and_rotation() {
        let old = Keyring::parse(KEY_A).unwrap();
        let sealed = old.seal(&name("s"), b"hello", [7; 12]).unwrap();
        assert!(!sealed.contains("hello"));
        // New key first, old key still listed: old data opens, new data uses k2.
        let rotated = Keyring::parse(&format!("{KEY_B},{KEY_A}")).unwrap();
        assert_eq!(rotated.open(&name("s"), &sealed).unwrap(), b"hello");
        assert!(rotated
            .seal(&name("s"), b"x", [1; 12])
            .unwrap()
            .contains("\"kid\":\"k2\""));
    }

    #[test]
    fn wrong_key_or_name_fails() {
        let ring = Keyring::parse(KEY_A).unwrap();
        let sealed = ring.seal(&name("one"), b"secret", [3; 12]).unwrap();
        assert_eq!(ring.open(&name("two"), &sealed), Err(OpenError::Rejected));
        let other = Keyring::parse(&KEY_B.replace("k2", "k1")).unwrap();
        assert_eq!(other.open(&name("one"), &sealed), Err(OpenError::Rejected));
        let only_b = Keyring::parse(KEY_B).unwrap();
        assert_eq!(
            only_b.open(&name("one"), &sealed),
            Err(OpenError::UnknownKey("k1".into()))
        );
        assert_eq!(
            ring.open(&name("one"), "garbage"),
            Err(OpenError::NotAnEnvelope)
        );
    }

    #[test]
    fn bad_keyrings_are_refused() {
        for bad in ["", "k1", "k1:abcd", "k 1:00", &format!("{KEY_A}x")] {
            assert!(Keyring::parse(bad).is_err(), "{bad}");
        }
    }
}
