//! The copyable deployment snippets a console shows for a secret. They live
//! here, not in the console, so every form names the secret exactly as it
//! was stored and the tests can check them without a browser.

use base64::Engine;
use serde_json::{json, Value};

use crate::auth::B64;
use crate::dockerconfig::DockerConfig;
use crate::name::SecretName;
use crate::registry::Registry;

/// Where the DC/OS URI form expects the archive built by `archive::docker_tar_gz`.
const DCOS_URI: &str = "file:///etc/docker.tar.gz";

/// The pod-spec lines that make kubelet use the secret when pulling.
pub fn k8s_image_pull_secrets(name: &SecretName) -> String {
    format!("imagePullSecrets:\n  - name: {}\n", yaml_str(name.as_str()))
}

/// A Secret manifest for `kubectl apply`, for clusters the worker cannot reach.
/// The value is base64 because `data` is how Kubernetes stores it; `stringData`
/// would leave the credentials readable in the applied file's history.
pub fn k8s_secret_manifest(
    name: &SecretName,
    config: &DockerConfig,
    namespace: Option<&str>,
) -> String {
    let mut out = String::from("apiVersion: v1\nkind: Secret\nmetadata:\n");
    out.push_str(&format!("  name: {}\n", yaml_str(name.as_str())));
    // An empty namespace means "the current context's", as if none were given.
    if let Some(ns) = namespace.filter(|ns| !ns.is_empty()) {
        out.push_str(&format!("  namespace: {}\n", yaml_str(ns)));
    }
    out.push_str("type: kubernetes.io/dockerconfigjson\ndata:\n");
    out.push_str(&format!(
        "  .dockerconfigjson: {}\n",
        B64.encode(config.to_json())
    ));
    out
}

/// SAP AI Core templates take the secret under `spec`, unlike a pod spec.
pub fn sap_ai_core_template(name: &SecretName) -> String {
    format!(
        "spec:\n  imagePullSecrets:\n    - name: {}\n",
        yaml_str(name.as_str())
    )
}

/// Marathon app with the Mesos containerizer, the only one that reads a pull
/// secret from the DC/OS secret store.
pub fn dcos_app(name: &SecretName, image: &str) -> String {
    pretty(&json!({
        "id": "/my-app",
        "container": {
            "type": "MESOS",
            "docker": {"image": image, "pullConfig": {"secret": "pullConfigSecret"}},
        },
        "secrets": secrets(name),
    }))
}

/// Marathon pod: pods always use the Mesos containerizer, so only the image
/// spelling differs from [`dcos_app`].
pub fn dcos_pod(name: &SecretName, image: &str) -> String {
    pretty(&json!({
        "id": "/my-pod",
        "containers": [{
            "name": "app",
            "resources": {"cpus": 0.1, "mem": 128},
            "image": {"kind": "DOCKER", "id": image, "pullConfig": {"secret": "pullConfigSecret"}},
        }],
        "secrets": secrets(name),
    }))
}

/// For the Docker containerizer, which cannot read the secret store: Mesos
/// fetches the archive and Docker finds `.docker/config.json` in the sandbox.
pub fn dcos_uri_app(image: &str) -> String {
    pretty(&json!({
        "id": "/my-app",
        "container": {"type": "DOCKER", "docker": {"image": image}},
        "uris": [DCOS_URI],
    }))
}

/// For `docker login`-less machines: the file to merge into `~/.docker/`.
/// Ends with a newline so that `cat >> file` and editors leave it intact.
pub fn docker_config_json(config: &DockerConfig) -> String {
    let mut text = config.to_json_pretty();
    text.push('\n');
    text
}

/// A placeholder image on the secret's (first) registry, so the snippets show
/// where the image must live for the secret to apply to it.
pub fn example_image(config: &DockerConfig) -> String {
    match config.entries().first() {
        Some(e) => example_image_for(&e.registry),
        None => example_image_for(&Registry::DockerHub),
    }
}

/// The same placeholder from a registry alone (pages that show metadata only).
pub fn example_image_for(registry: &Registry) -> String {
    match registry {
        Registry::Private(p) => {
            // A wildcard key matches many hosts; none of them is `*`.
            let host = match p.host().strip_prefix("*.") {
                Some(rest) => format!("<subdomain>.{rest}"),
                None => p.host().to_owned(),
            };
            match p.port() {
                Some(port) => format!("{host}:{port}/<team>/<image>:<tag>"),
                None => format!("{host}/<team>/<image>:<tag>"),
            }
        }
        _ => "docker.io/<org>/<image>:<tag>".to_owned(),
    }
}

fn secrets(name: &SecretName) -> Value {
    json!({"pullConfigSecret": {"source": format!("/{}", name.as_str())}})
}

fn pretty(value: &Value) -> String {
    // A `Value` has only string keys, so serializing it cannot fail.
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// A YAML scalar that reads back as this string. Names like `123`, `1e5` or
/// `no` are valid secret names but YAML would read them as numbers or
/// booleans, so those (and anything unusual) are written as JSON strings,
/// which YAML accepts as double-quoted scalars.
fn yaml_str(s: &str) -> String {
    const RESERVED: [&str; 11] = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf",
    ];
    let plain = s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        && !RESERVED.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}
