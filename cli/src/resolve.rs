//! Credentials for a registry, for the clients that pull: the pinned
//! secret's entry when the config pins one for that registry, else what the
//! API resolves for the puller token (`GET /v2/admin/registryCredentials`).

use shared::api::RegistryCredentials;
use shared::{parse_stored_dockerconfigjson, Registry, SecretName};

use crate::client::{encode, Api};
use crate::error::{CliError, Result};
use crate::settings;

/// What a puller gets for one registry.
pub struct Resolved {
    pub username: String,
    pub password: String,
    pub identitytoken: Option<String>,
    pub expires_at: Option<String>,
}

/// `Ok(None)`: no secret the token may read holds credentials for it.
pub fn credentials(api: &Api, server: &str) -> Result<Option<Resolved>> {
    let registry =
        Registry::parse(server).map_err(|e| CliError::usage(format!("{server:?}: {e}")))?;
    let saved = settings::load()?;
    let pinned = saved
        .pins
        .iter()
        .find(|(k, _)| Registry::parse(k).is_ok_and(|r| r.same_registry(&registry)))
        .map(|(_, v)| v.clone());
    if let Some(secret) = pinned {
        return by_name(api, &secret, &registry);
    }
    let a = api.send(
        "GET",
        &format!("/v2/admin/registryCredentials?registry={}", encode(server)),
        None,
        &[],
    )?;
    match a.status {
        200 => {
            let c: RegistryCredentials = a.json()?;
            Ok(Some(Resolved {
                username: c.username,
                password: c.password,
                identitytoken: c.identitytoken,
                expires_at: c.expires_at,
            }))
        }
        404 => Ok(None),
        _ => Err(a.into_error()),
    }
}

fn by_name(api: &Api, secret: &str, registry: &Registry) -> Result<Option<Resolved>> {
    let name =
        SecretName::parse(secret).map_err(|e| CliError::new(format!("the pinned secret: {e}")))?;
    let a = api.send(
        "GET",
        &format!("/v2/admin/dockerRegistrySecrets/{name}/dockerconfigjson"),
        None,
        &[],
    )?;
    if a.status == 404 {
        return Ok(None);
    }
    if a.status >= 300 {
        return Err(a.into_error());
    }
    let config = parse_stored_dockerconfigjson(&a.body)
        .map_err(|e| CliError::new(format!("the secret {name}: {e}")))?
        .config;
    Ok(config
        .entries()
        .iter()
        .find(|e| e.registry.same_registry(registry))
        .map(|e| Resolved {
            username: e.credentials.username.clone(),
            password: e.credentials.password.clone(),
            identitytoken: e.identitytoken.clone(),
            expires_at: None,
        }))
}
