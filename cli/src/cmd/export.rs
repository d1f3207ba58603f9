//! `regcred export`: the files a deployment needs, made by `shared` from a
//! secret's credentials (read with a puller token). Files that hold
//! credentials are written 0600 and never to a terminal unless `-o -`.

use std::io::{IsTerminal, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

use shared::{archive, forms, parse_stored_dockerconfigjson, SecretName};

use crate::args::ExportFormat;
use crate::client::Api;
use crate::cmd::secret_path;
use crate::error::{CliError, Result};

/// What an export whose credentials run out tells its user.
pub fn expiry_note(until: &str) -> String {
    format!("these credentials run out at {until}: the file holds them as they are now. For pulls that never run out, use docker-credential-regcred or regcred kubelet-credential-provider, which fetch fresh ones (a cloud registry's are minted at pull time)")
}

pub fn run(
    api: &Api,
    raw: &str,
    format: ExportFormat,
    namespace: Option<&str>,
    image: Option<&str>,
    file: Option<&str>,
) -> Result<()> {
    let name =
        SecretName::parse(raw).map_err(|e| CliError::usage(format!("the secret name: {e}")))?;
    let answer = api.ok(
        "GET",
        &format!("{}/dockerconfigjson", secret_path(&name)),
        None,
    )?;
    // A file holds the credentials of the moment; a brokered secret's run
    // out within hours. Said on stderr, beside the file.
    if let Some(until) = &answer.expires_at {
        eprintln!("{}", expiry_note(until));
    }
    let text = answer.body;
    let config = parse_stored_dockerconfigjson(&text)
        .map_err(|e| CliError::new(format!("the stored secret: {e}")))?
        .config;
    let image_of = || {
        image
            .map(str::to_owned)
            .unwrap_or_else(|| forms::example_image(&config))
    };
    let (bytes, credentials): (Vec<u8>, bool) = match format {
        ExportFormat::K8sSecret => (
            forms::k8s_secret_manifest(&name, &config, namespace).into_bytes(),
            true,
        ),
        ExportFormat::ConfigJson => (forms::docker_config_json(&config).into_bytes(), true),
        ExportFormat::DcosApp => (forms::dcos_app(&name, &image_of()).into_bytes(), false),
        ExportFormat::DcosPod => (forms::dcos_pod(&name, &image_of()).into_bytes(), false),
        ExportFormat::DockerTar => {
            // SOURCE_DATE_EPOCH makes the archive reproducible.
            let now = std::env::var("SOURCE_DATE_EPOCH")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| crate::clock::now().unix_seconds().max(0) as u64);
            (archive::docker_tar_gz(&config, now), true)
        }
    };
    match file {
        Some("-") => std::io::stdout().write_all(&bytes)?,
        None if credentials && std::io::stdout().is_terminal() => {
            return Err(CliError::usage(
                "this file holds credentials: write it with -o FILE (mode 0600), or -o - to print it anyway",
            ))
        }
        None => std::io::stdout().write_all(&bytes)?,
        Some(path) => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| CliError::new(format!("{path}: {e}")))?;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            f.write_all(&bytes)?;
            eprintln!("wrote {path} (mode 0600)");
        }
    }
    Ok(())
}
