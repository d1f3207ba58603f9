//! The console's deployment snippets: right names, right paths, valid syntax.

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use serde_json::Value;
use shared::forms::{
    dcos_app, dcos_pod, dcos_uri_app, docker_config_json, example_image, k8s_image_pull_secrets,
    k8s_secret_manifest, sap_ai_core_template,
};
use shared::{parse_dockerconfigjson, DockerConfig, SecretName};

fn config() -> DockerConfig {
    parse_dockerconfigjson(
        r#"{"auths":{"registry.example.com:5000":{"username":"u","password":"p"}}}"#,
    )
    .unwrap()
    .config
}

fn name(s: &str) -> SecretName {
    SecretName::parse(s).unwrap()
}

/// YAML as JSON via PyYAML, or `None` when python3 or PyYAML is missing.
fn yaml(text: &str) -> Option<Value> {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn image_pull_secrets_snippet() {
    let text = k8s_image_pull_secrets(&name("my-reg"));
    assert_eq!(text, "imagePullSecrets:\n  - name: my-reg\n");
    if let Some(v) = yaml(&text) {
        assert_eq!(v["imagePullSecrets"][0]["name"], "my-reg");
    }
}

#[test]
fn names_yaml_would_misread_are_quoted() {
    for n in ["123", "1e5", "no", "y", "null", "0x1f"] {
        let text = k8s_image_pull_secrets(&name(n));
        assert!(text.contains(&format!("- name: \"{n}\"\n")), "{text}");
        if let Some(v) = yaml(&text) {
            assert_eq!(v["imagePullSecrets"][0]["name"], n, "{text}");
        }
    }
}

#[test]
fn sap_ai_core_snippet() {
    let text = sap_ai_core_template(&name("my-reg"));
    assert_eq!(text, "spec:\n  imagePullSecrets:\n    - name: my-reg\n");
    if let Some(v) = yaml(&text) {
        assert_eq!(v["spec"]["imagePullSecrets"][0]["name"], "my-reg");
    }
}

#[test]
fn secret_manifest_carries_the_exact_config() {
    let cfg = config();
    let text = k8s_secret_manifest(&name("my-reg"), &cfg, Some("team-a"));
    let lines: Vec<&str> = text.lines().collect();
    for line in [
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        "  name: my-reg",
        "  namespace: team-a",
        "type: kubernetes.io/dockerconfigjson",
        "data:",
    ] {
        assert!(lines.contains(&line), "{line:?} missing in\n{text}");
    }
    let b64 = lines
        .iter()
        .find_map(|l| l.strip_prefix("  .dockerconfigjson: "))
        .unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), cfg.to_json());
    if let Some(v) = yaml(&text) {
        assert_eq!(v["metadata"]["name"], "my-reg");
        assert_eq!(v["metadata"]["namespace"], "team-a");
        assert_eq!(v["type"], "kubernetes.io/dockerconfigjson");
        assert_eq!(v["data"][".dockerconfigjson"], b64);
    }
}

#[test]
fn secret_manifest_without_namespace() {
    for ns in [None, Some("")] {
        let text = k8s_secret_manifest(&name("my-reg"), &config(), ns);
        assert!(!text.contains("namespace"), "{text}");
        if let Some(v) = yaml(&text) {
            assert_eq!(v["metadata"]["name"], "my-reg");
        }
    }
}

#[test]
fn dcos_app_paths() {
    let v = parse(&dcos_app(
        &name("my-reg"),
        "registry.example.com:5000/t/i:1",
    ));
    assert_eq!(v["id"], "/my-app");
    assert_eq!(v["container"]["type"], "MESOS");
    assert_eq!(
        v["container"]["docker"]["image"],
        "registry.example.com:5000/t/i:1"
    );
    assert_eq!(
        v["container"]["docker"]["pullConfig"]["secret"],
        "pullConfigSecret"
    );
    assert_eq!(v["secrets"]["pullConfigSecret"]["source"], "/my-reg");
}

#[test]
fn dcos_pod_paths() {
    let v = parse(&dcos_pod(&name("my-reg"), "img:1"));
    assert_eq!(v["id"], "/my-pod");
    let c = &v["containers"][0];
    assert_eq!(c["name"], "app");
    assert_eq!(c["resources"]["cpus"], 0.1);
    assert_eq!(c["resources"]["mem"], 128);
    assert_eq!(c["image"]["kind"], "DOCKER");
    assert_eq!(c["image"]["id"], "img:1");
    assert_eq!(c["image"]["pullConfig"]["secret"], "pullConfigSecret");
    assert_eq!(v["secrets"]["pullConfigSecret"]["source"], "/my-reg");
}

#[test]
fn dcos_uri_app_paths() {
    let v = parse(&dcos_uri_app("img:1"));
    assert_eq!(v["id"], "/my-app");
    assert_eq!(v["container"]["type"], "DOCKER");
    assert_eq!(v["container"]["docker"]["image"], "img:1");
    assert_eq!(v["uris"][0], "file:///etc/docker.tar.gz");
    assert_eq!(v["uris"].as_array().unwrap().len(), 1);
}

#[test]
fn images_with_quotes_are_escaped() {
    let image = r#"evil"image\:1"#;
    let n = name("my-reg");
    for text in [
        dcos_app(&n, image),
        dcos_pod(&n, image),
        dcos_uri_app(image),
    ] {
        let v = parse(&text);
        let got = v["container"]["docker"]["image"]
            .as_str()
            .or(v["containers"][0]["image"]["id"].as_str());
        assert_eq!(got, Some(image), "{text}");
    }
}

#[test]
fn docker_config_json_is_the_pretty_config() {
    let cfg = config();
    let text = docker_config_json(&cfg);
    assert_eq!(text, format!("{}\n", cfg.to_json_pretty()));
    assert_eq!(
        parse(&text),
        serde_json::from_str::<Value>(&cfg.to_json()).unwrap()
    );
}

#[test]
fn example_images() {
    assert_eq!(
        example_image(&config()),
        "registry.example.com:5000/<team>/<image>:<tag>"
    );
    let hub = parse_dockerconfigjson(r#"{"auths":{"docker.io":{"auth":"dTpw"}}}"#)
        .unwrap()
        .config;
    assert_eq!(example_image(&hub), "docker.io/<org>/<image>:<tag>");
    let plain = parse_dockerconfigjson(r#"{"auths":{"https://ghcr.io/x":{"auth":"dTpw"}}}"#)
        .unwrap()
        .config;
    assert_eq!(example_image(&plain), "ghcr.io/<team>/<image>:<tag>");
}
