//! A brokered secret as stored and as handed out: its sealed value holds
//! `{"source": {...}}` instead of a `.dockerconfigjson`, and what a puller
//! gets is the credential minted from it, as a one-registry document. Every
//! consumer (pull, credential helper, kubelet, login check, export) takes
//! that document, so none of them needs to know a secret is brokered.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::Credentials;
use crate::dockerconfig::{
    parse_stored_dockerconfigjson, ConfigError, DockerConfig, RegistryEntry,
};
use crate::mint::Minted;
use crate::registry::Registry;
use crate::requests::Content;
use crate::source::{parse_source, Source, SourceType};
use crate::time::Timestamp;
use crate::{azure, gcp};

/// The field of the stored value that holds the source.
pub const STORED_FIELD: &str = "source";

/// The username every credential of a source logs in with: known before
/// the first mint, so the list of pullable registries can show it.
pub fn username(kind: SourceType) -> &'static str {
    match kind {
        SourceType::AwsEcr => "AWS",
        SourceType::GcpServiceAccount => gcp::USERNAME,
        SourceType::AzureServicePrincipal => azure::USERNAME,
    }
}

/// The cloud a Docker credential helper mints for (`ecr-login`, `gcloud`,
/// `gcr`, `acr-env`): what it holds now runs out within hours, so a
/// brokered secret fits better than importing it.
pub fn cloud_of_helper(helper: &str) -> Option<SourceType> {
    match helper {
        "ecr-login" => Some(SourceType::AwsEcr),
        "gcloud" | "gcr" => Some(SourceType::GcpServiceAccount),
        "acr-env" => Some(SourceType::AzureServicePrincipal),
        _ => None,
    }
}

/// The `regcred secret create` flags that make a brokered secret of `kind`.
pub fn create_flags(kind: SourceType) -> &'static str {
    match kind {
        SourceType::AwsEcr => {
            "--ecr --region <region> --access-key-id <id> --secret-access-key-stdin --registry-id <account>"
        }
        SourceType::GcpServiceAccount => "--gcp-key-file <key.json> --registry <registry>",
        SourceType::AzureServicePrincipal => {
            "--acr <name>.azurecr.io --tenant <tenant> --client-id <id> --client-secret-stdin"
        }
    }
}

/// The plaintext a brokered secret's value seals.
pub fn stored(source: &Source) -> String {
    format!("{{\"{STORED_FIELD}\":{}}}", source.to_json())
}

/// The source a stored plaintext holds; `None` for a `.dockerconfigjson`.
/// The hosts were checked when it was written; the mint checks addresses
/// again with the settings of the day, so reading allows loopback.
pub fn parse_stored(text: &str) -> Option<Source> {
    let v: Value = serde_json::from_slice(text.as_bytes()).ok()?;
    parse_source(v.get(STORED_FIELD)?, true).ok()
}

/// What a stored plaintext holds: a source, or a `.dockerconfigjson`.
pub fn parse_content(text: &str) -> Result<Content, ConfigError> {
    match parse_stored(text) {
        Some(source) => Ok(Content::Brokered(source)),
        None => parse_stored_dockerconfigjson(text).map(Content::Static),
    }
}

/// The credential a brokered secret holds now, and when it was minted.
/// Sealed in the secret's object; crosses between objects as JSON.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Current {
    #[serde(rename = "u")]
    pub username: String,
    #[serde(rename = "p")]
    pub password: String,
    /// Epoch seconds.
    #[serde(rename = "e")]
    pub expires_at: i64,
    #[serde(rename = "a")]
    pub minted_at: i64,
}

impl std::fmt::Debug for Current {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Current({}, until {})", self.username, self.expires())
    }
}

impl Current {
    pub fn of(m: Minted, minted_at: Timestamp) -> Current {
        Current {
            username: m.username,
            password: m.password,
            expires_at: m.expires_at.unix_seconds(),
            minted_at: minted_at.unix_seconds(),
        }
    }

    pub fn expires(&self) -> Timestamp {
        Timestamp::from_unix_seconds(self.expires_at)
    }

    pub fn minted(&self) -> Timestamp {
        Timestamp::from_unix_seconds(self.minted_at)
    }

    fn as_minted(&self) -> Minted {
        Minted {
            username: self.username.clone(),
            password: self.password.clone(),
            expires_at: self.expires(),
        }
    }

    /// Whether a pull at `now` mints again (half its life left, the
    /// kubelet's ECR provider's rule).
    pub fn due(&self, now: Timestamp) -> bool {
        self.as_minted().needs_renewal(self.minted(), now)
    }

    /// How long a puller may cache it: half of what is left.
    pub fn cache_seconds(&self, now: Timestamp) -> i64 {
        self.as_minted().cache_seconds(now)
    }

    /// The one-registry document a puller gets.
    pub fn document(&self, source: &Source) -> Option<DockerConfig> {
        let registry = Registry::parse(source.registry()).ok()?;
        let credentials = Credentials {
            username: self.username.clone(),
            password: self.password.clone(),
        };
        let mut entry = RegistryEntry::new(registry, credentials, None);
        // The server key as the source names it (the proxy endpoint's host).
        entry.server = source.registry().to_owned();
        Some(DockerConfig::single(entry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ecr() -> Source {
        parse_source(
            &json!({"type": "awsEcr", "region": "eu-west-1", "accessKeyId": "AKIDEXAMPLE",
                "secretAccessKey": "wJalrXUtnFEMI/K7MDENG", "registryId": "123456789012"}),
            false,
        )
        .unwrap()
    }

    #[test]
    fn a_stored_source_reads_back_and_a_document_does_not() {
        let s = ecr();
        assert_eq!(parse_stored(&stored(&s)), Some(s));
        assert_eq!(parse_stored(r#"{"auths":{}}"#), None);
        assert_eq!(parse_stored("not json"), None);
    }

    #[test]
    fn half_the_life_left_mints_again() {
        let c = Current {
            username: "AWS".into(),
            password: "pw".into(),
            expires_at: 1_000 + 3_600,
            minted_at: 1_000,
        };
        assert!(!c.due(Timestamp::from_unix_seconds(1_000 + 1_799)));
        assert!(c.due(Timestamp::from_unix_seconds(1_000 + 1_801)));
        assert_eq!(c.cache_seconds(Timestamp::from_unix_seconds(1_000)), 1_800);
        assert!(!format!("{c:?}").contains("pw"));
    }

    #[test]
    fn the_document_names_the_sources_registry() {
        let c = Current {
            username: "AWS".into(),
            password: "pw".into(),
            expires_at: 10,
            minted_at: 0,
        };
        let doc = c.document(&ecr()).unwrap();
        assert_eq!(
            doc.registries(),
            vec!["123456789012.dkr.ecr.eu-west-1.amazonaws.com".to_owned()]
        );
        assert_eq!(doc.entries()[0].credentials.password, "pw");
        assert_eq!(username(SourceType::GcpServiceAccount), "oauth2accesstoken");
        assert_eq!(cloud_of_helper("ecr-login"), Some(SourceType::AwsEcr));
        assert_eq!(cloud_of_helper("pass"), None);
    }
}
