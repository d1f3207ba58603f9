//! Prints what `shared` makes from a `.dockerconfigjson` on stdin, so tests
//! of other programs (the CLI's export) can compare against it byte for
//! byte: `forms k8s-secret NAME [NAMESPACE]` or `forms docker-tar MTIME`.

use std::io::{Read, Write};

use shared::{archive, forms, parse_dockerconfigjson, SecretName};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    let config = parse_dockerconfigjson(&text)
        .map_err(|e| e.to_string())?
        .config;
    let out = match args.first().map(String::as_str) {
        Some("k8s-secret") => {
            let name = SecretName::parse(args.get(1).ok_or("NAME")?).map_err(|e| e.to_string())?;
            forms::k8s_secret_manifest(&name, &config, args.get(2).map(String::as_str)).into_bytes()
        }
        Some("docker-tar") => {
            let mtime = args.get(1).and_then(|m| m.parse().ok()).ok_or("MTIME")?;
            archive::docker_tar_gz(&config, mtime)
        }
        _ => {
            return Err("usage: forms k8s-secret NAME [NAMESPACE] | forms docker-tar MTIME".into())
        }
    };
    std::io::stdout().write_all(&out).map_err(|e| e.to_string())
}
