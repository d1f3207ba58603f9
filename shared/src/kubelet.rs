//! The kubelet image credential provider protocol
//! (`credentialprovider.kubelet.k8s.io/v1`): which registry an image is
//! pulled from, and the response that hands kubelet its credentials.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::registry::{Registry, RegistryError};

pub const API_VERSION: &str = "credentialprovider.kubelet.k8s.io/v1";

/// How long kubelet may cache credentials when nothing says otherwise.
pub const DEFAULT_CACHE_SECS: u64 = 300;

#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct CredentialProviderRequest {
    #[serde(rename = "apiVersion", default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    pub image: String,
    /// The pod's service-account token (Kubernetes 1.34+, `tokenAttributes`
    /// in the provider's config): the workload pulls as itself with it.
    #[serde(rename = "serviceAccountToken", default)]
    pub service_account_token: Option<String>,
}

// The service-account token is a credential: never shown.
impl std::fmt::Debug for CredentialProviderRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialProviderRequest")
            .field("api_version", &self.api_version)
            .field("kind", &self.kind)
            .field("image", &self.image)
            .field(
                "service_account_token",
                &self.service_account_token.as_ref().map(|_| "<hidden>"),
            )
            .finish()
    }
}

/// The answer for an image whose registry the caller may not pull: no
/// credentials (kubelet then tries its others), cached `cache_secs`.
pub fn empty_response(cache_secs: u64) -> String {
    json!({
        "apiVersion": API_VERSION,
        "kind": "CredentialProviderResponse",
        "cacheKeyType": "Registry",
        "cacheDuration": go_duration(cache_secs),
        "auth": {},
    })
    .to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthConfig {
    pub username: String,
    pub password: String,
}

/// Reads the request kubelet writes on stdin.
pub fn read_request(text: &str) -> Result<CredentialProviderRequest, String> {
    let req: CredentialProviderRequest = serde_json::from_slice(text.as_bytes())
        .map_err(|e| format!("stdin is not a CredentialProviderRequest ({e})"))?;
    if req.kind != "CredentialProviderRequest" {
        return Err(format!(
            "stdin has kind {:?}; kubelet sends kind CredentialProviderRequest",
            req.kind
        ));
    }
    if req.api_version != API_VERSION {
        return Err(format!(
            "apiVersion {:?} is not supported; set apiVersion: {API_VERSION} in the CredentialProviderConfig",
            req.api_version
        ));
    }
    Ok(req)
}

/// The registry an image reference is pulled from. Like Docker: the first
/// path component is a registry when it has a `.` or a `:`, or is
/// `localhost`; otherwise the image is on Docker Hub.
pub fn image_registry(image: &str) -> Result<Registry, RegistryError> {
    let image = image.trim();
    match image.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => {
            Registry::parse(first)
        }
        _ => Ok(Registry::DockerHub),
    }
}

/// A Go duration (`1h2m3s`) of whole seconds, as `cacheDuration` wants it.
pub fn go_duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

/// How long kubelet may cache: the default, cut to half the time left
/// before the credentials expire (the kubelet's own ECR provider's rule: a
/// minted credential is fetched again well before it runs out).
pub fn cache_secs(seconds_to_expiry: Option<i64>) -> u64 {
    match seconds_to_expiry {
        Some(left) => (left.max(0) as u64 / 2).min(DEFAULT_CACHE_SECS),
        None => DEFAULT_CACHE_SECS,
    }
}

/// The `CredentialProviderResponse` for `registry` (keyed by its host, so
/// kubelet caches per registry).
pub fn response(registry: &Registry, auth: AuthConfig, cache_secs: u64) -> String {
    let key = match registry {
        Registry::DockerHub => "docker.io".to_owned(),
        Registry::Private(p) => match p.port() {
            Some(port) => format!("{}:{port}", p.host()),
            None => p.host().to_owned(),
        },
    };
    json!({
        "apiVersion": API_VERSION,
        "kind": "CredentialProviderResponse",
        "cacheKeyType": "Registry",
        "cacheDuration": go_duration(cache_secs),
        "auth": { key: auth },
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_name_their_registry_like_docker() {
        let hub = [
            "nginx",
            "library/nginx:1",
            "docker.io/library/nginx",
            "index.docker.io/x/y",
        ];
        for image in hub {
            assert_eq!(image_registry(image), Ok(Registry::DockerHub), "{image}");
        }
        let host = |i: &str| image_registry(i).unwrap().server_key();
        assert_eq!(host("127.0.0.1:5000/team/app:1"), "127.0.0.1:5000");
        assert_eq!(host("ghcr.io/o/app@sha256:00"), "ghcr.io");
        assert_eq!(host("localhost/app"), "localhost");
    }

    #[test]
    fn durations_are_go_durations_cut_by_expiry() {
        assert_eq!(go_duration(300), "5m0s");
        assert_eq!(go_duration(3725), "1h2m5s");
        assert_eq!(go_duration(42), "42s");
        assert_eq!(cache_secs(None), 300);
        assert_eq!(cache_secs(Some(90)), 45);
        assert_eq!(cache_secs(Some(-5)), 0);
        assert_eq!(cache_secs(Some(86_400)), 300);
    }

    #[test]
    fn a_request_must_be_v1() {
        let ok = r#"{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"ghcr.io/o/a"}"#;
        assert_eq!(read_request(ok).unwrap().image, "ghcr.io/o/a");
        let beta = ok.replace("/v1", "/v1beta1");
        assert!(read_request(&beta).unwrap_err().contains("apiVersion"));
    }
}
