//! A brokered secret's source from the command line (`--ecr`,
//! `--gcp-key-file`, `--acr`): keys come from stdin or a file, never argv,
//! and `shared` checks the source before anything is sent.

use shared::api::SourceRequest;
use shared::source::parse_source;

use crate::args::{CloudSource, Credentials};
use crate::error::{CliError, Result};
use crate::prompt;

/// The source the flags describe; `None` when they name no cloud.
pub fn source_of(c: &Credentials) -> Result<Option<SourceRequest>> {
    let cloud: &CloudSource = &c.cloud;
    let request = if cloud.ecr {
        SourceRequest {
            kind: "awsEcr".into(),
            registry: c.registry.clone(),
            region: cloud.region.clone(),
            access_key_id: cloud.access_key_id.clone(),
            secret_access_key: Some(prompt::read_stdin_line("the secret access key")?),
            registry_id: cloud.registry_id.clone(),
            endpoint: cloud.endpoint.clone(),
            ..SourceRequest::default()
        }
    } else if let Some(file) = &cloud.gcp_key_file {
        let key = std::fs::read_to_string(file)
            .map_err(|e| CliError::new(format!("{}: {e}", file.display())))?;
        SourceRequest {
            kind: "gcpServiceAccount".into(),
            registry: c.registry.clone(),
            service_account_key: Some(key),
            ..SourceRequest::default()
        }
    } else if let Some(acr) = &cloud.acr {
        SourceRequest {
            kind: "azureServicePrincipal".into(),
            registry: Some(acr.clone()),
            tenant_id: cloud.tenant.clone(),
            client_id: cloud.client_id.clone(),
            client_secret: Some(prompt::read_stdin_line("the client secret")?),
            authority_host: cloud.authority_host.clone(),
            ..SourceRequest::default()
        }
    } else {
        return Ok(None);
    };
    // The server applies the same rules (and decides loopback by its
    // settings); checking here names the flag before anything is sent.
    let value = serde_json::to_value(&request).unwrap_or_default();
    parse_source(&value, true).map_err(|e| CliError::usage(flag_words(&e.message)))?;
    Ok(Some(request))
}

/// The API's field names in a message, as the flags that set them.
fn flag_words(message: &str) -> String {
    [
        ("\"source\".\"region\"", "--region"),
        ("\"source\".\"accessKeyId\"", "--access-key-id"),
        ("\"source\".\"registryId\"", "--registry-id"),
        ("\"source\".\"endpoint\"", "--endpoint"),
        ("\"source\".\"registry\"", "--registry"),
        ("\"source\".\"serviceAccountKey\"", "--gcp-key-file"),
        ("\"source\".\"tenantId\"", "--tenant"),
        ("\"source\".\"clientId\"", "--client-id"),
        ("\"source\".\"authorityHost\"", "--authority-host"),
    ]
    .iter()
    .fold(message.to_owned(), |m, (field, flag)| {
        m.replace(field, flag)
    })
}
