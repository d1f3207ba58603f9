//! What a puller token's page shows, as plain data: a puller cannot list
//! or read metadata, it reads credentials for the clients that pull. The
//! page says which registries it may read and how to give the token to the
//! Docker credential helper and the kubelet credential provider.

use shared::{Registry, DOCKER_HUB_SERVER};

/// The registries a puller may read (`GET /v2/admin/pullableRegistries`),
/// by the keys each client looks them up by: Docker's `credHelpers` keys
/// (Docker Hub by its server key, others by host and port) and kubelet's
/// `matchImages` (`docker.io` for Docker Hub). Sorted, without repeats.
pub fn lookup_keys(registries: &[String]) -> (Vec<String>, Vec<String>) {
    let mut docker = Vec::new();
    let mut kubelet = Vec::new();
    for r in registries.iter().filter_map(|r| Registry::parse(r).ok()) {
        let host = r.host_key();
        docker.push(if r.is_docker_hub() {
            DOCKER_HUB_SERVER.to_owned()
        } else {
            host.clone()
        });
        kubelet.push(host);
    }
    for keys in [&mut docker, &mut kubelet] {
        keys.sort();
        keys.dedup();
    }
    (docker, kubelet)
}

const EXAMPLE: &str = "ghcr.io";

/// `~/.docker/config.json`'s `credHelpers`, naming `docker-credential-regcred`.
pub fn docker_config(docker_keys: &[String]) -> String {
    let keys = if docker_keys.is_empty() {
        vec![EXAMPLE.to_owned()]
    } else {
        docker_keys.to_vec()
    };
    let entries: Vec<String> = keys
        .iter()
        .map(|k| format!("    {}: \"regcred\"", serde_json::Value::from(k.as_str())))
        .collect();
    format!(
        "{{\n  \"credHelpers\": {{\n{}\n  }}\n}}",
        entries.join(",\n")
    )
}

/// The kubelet's `--image-credential-provider-config` file for
/// `regcred kubelet-credential-provider`, with the console's own address.
pub fn kubelet_config(url: &str, kubelet_keys: &[String]) -> String {
    let keys = if kubelet_keys.is_empty() {
        vec![EXAMPLE.to_owned()]
    } else {
        kubelet_keys.to_vec()
    };
    let images: String = keys
        .iter()
        .map(|k| format!("      - {}\n", serde_json::Value::from(k.as_str())))
        .collect();
    format!(
        "apiVersion: kubelet.config.k8s.io/v1
kind: CredentialProviderConfig
providers:
  - name: regcred               # regcred's file name in --image-credential-provider-bin-dir
    matchImages:
{images}    defaultCacheDuration: \"5m\"
    apiVersion: credentialprovider.kubelet.k8s.io/v1
    args:
      - kubelet-credential-provider
    env:
      - name: REGCRED_URL
        value: {url}
      - name: REGCRED_TOKEN
        value: <this puller token>
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_gets_its_own_keys() {
        let (docker, kubelet) = lookup_keys(&[
            "https://index.docker.io/v1/".into(),
            "ghcr.io".into(),
            "https://ghcr.io".into(),
            "registry.example.com:5000".into(),
        ]);
        assert_eq!(
            docker,
            [
                "ghcr.io",
                "https://index.docker.io/v1/",
                "registry.example.com:5000"
            ]
        );
        assert_eq!(
            kubelet,
            ["docker.io", "ghcr.io", "registry.example.com:5000"]
        );
    }

    #[test]
    fn snippets_name_the_registries_or_an_example() {
        let docker = docker_config(&["ghcr.io".into(), "quay.io".into()]);
        let parsed: serde_json::Value = serde_json::from_slice(docker.as_bytes()).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"credHelpers": {"ghcr.io": "regcred", "quay.io": "regcred"}})
        );
        assert!(docker_config(&[]).contains("\"ghcr.io\": \"regcred\""));
        let k = kubelet_config("https://regcred.example.com", &["docker.io".into()]);
        assert!(
            k.contains("    matchImages:\n      - \"docker.io\"\n    defaultCacheDuration"),
            "{k}"
        );
        assert!(k.contains("value: https://regcred.example.com\n"));
        assert!(k.contains("- kubelet-credential-provider\n"));
    }
}
