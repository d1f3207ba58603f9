//! One module per command group; `run` dispatches the parsed command line.

pub mod backup;
pub mod decode;
pub mod edit;
pub mod export;
pub mod history;
pub mod identity;
pub mod import;
pub mod kubelet;
pub mod login;
pub mod secret;
pub mod source;
pub mod token;
pub mod webhook;

use serde_json::Value;
use shared::api::AuditList;
use shared::SecretName;

use crate::args::{
    Cli, Command, IdentityCommand, ImportSource, SecretCommand, TokenCommand, WebhookCommand,
};
use crate::client::{encode, Api};
use crate::error::{CliError, Result};
use crate::output::{table, yaml, Format};
use crate::settings;

pub fn secret_path(name: &SecretName) -> String {
    format!("/v2/admin/dockerRegistrySecrets/{name}")
}

/// Prints `value` in the chosen format; the table and the names are made
/// only when asked for.
pub fn print(
    format: Format,
    value: &Value,
    table: impl FnOnce() -> String,
    names: impl FnOnce() -> Vec<String>,
) -> Result<()> {
    match format {
        Format::Table => print!("{}", table()),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        ),
        Format::Yaml => print!("{}", yaml(value)),
        Format::Name => names().iter().for_each(|n| println!("{n}")),
    }
    Ok(())
}

fn api() -> Result<Api> {
    Ok(Api::new(settings::target()?))
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Login { url, token_stdin } => login::login(&url, token_stdin),
        Command::Logout => login::logout(),
        Command::Whoami { output } => login::whoami(&api()?, output),
        Command::Status { output } => webhook::status(&api()?, output),
        Command::Identity(c) => match c {
            IdentityCommand::Add {
                label,
                issuer,
                audience,
                jwks_uri,
                claims,
                role,
                scope,
                output,
            } => identity::add(
                &api()?,
                identity::NewRule {
                    label: &label,
                    issuer: &issuer,
                    audience: &audience,
                    jwks_uri: jwks_uri.as_deref(),
                    claims: &claims,
                    role: &role,
                    scope: &scope,
                },
                output,
            ),
            IdentityCommand::List { output } => identity::list(&api()?, output),
            IdentityCommand::Remove { id } => identity::remove(&api()?, &id),
        },
        Command::Webhook(c) => match c {
            WebhookCommand::Add {
                url,
                events,
                slack,
                output,
            } => webhook::add(&api()?, &url, events, slack, output),
            WebhookCommand::List { output } => webhook::list(&api()?, output),
            WebhookCommand::Remove { id } => webhook::remove(&api()?, &id),
            WebhookCommand::Test { id } => webhook::test(&api()?, &id),
            WebhookCommand::Deliveries { id, output } => webhook::deliveries(&api()?, &id, output),
        },
        Command::Token(c) => match c {
            TokenCommand::Create {
                label,
                role,
                scope,
                expires,
                output,
            } => token::create(&api()?, &label, role, &scope, expires.as_deref(), output),
            TokenCommand::List { output } => token::list(&api()?, output),
            TokenCommand::Revoke { ids, yes } => token::revoke(&api()?, &ids, yes),
        },
        Command::Secret(c) => match c {
            SecretCommand::Create {
                name,
                creds,
                expires,
                check,
                output,
            } => secret::create(&api()?, &name, &creds, expires.as_deref(), check, output),
            SecretCommand::List {
                deleted,
                failing,
                output,
            } => secret::list(&api()?, deleted, failing, output),
            SecretCommand::Get { name, output } => secret::get(&api()?, &name, output),
            SecretCommand::Edit {
                name,
                creds,
                expires,
                no_expiry,
            } => edit::edit(&api()?, &name, &creds, expires.as_deref(), no_expiry),
            SecretCommand::Delete { name, yes } => secret::delete(&api()?, &name, yes),
            SecretCommand::Versions { name, output } => history::versions(&api()?, &name, output),
            SecretCommand::Restore { name, version, yes } => {
                history::restore(&api()?, &name, version, yes)
            }
            SecretCommand::Undelete { name } => history::undelete(&api()?, &name),
            SecretCommand::Check { name, output } => secret::check(&api()?, &name, output),
            SecretCommand::Import(ImportSource::Docker {
                config,
                registry,
                all,
                name_prefix,
                dry_run,
                yes,
                output,
            }) => import::docker(
                config,
                &registry,
                all,
                name_prefix.as_deref(),
                dry_run,
                yes,
                output,
            ),
        },
        Command::Audit {
            secret,
            top,
            output,
        } => audit(&api()?, secret.as_deref(), top, output),
        Command::Decode { token, reveal } => decode::run(token.as_deref(), reveal),
        Command::Export {
            name,
            format,
            namespace,
            image,
            file,
        } => export::run(
            &api()?,
            &name,
            format,
            namespace.as_deref(),
            image.as_deref(),
            file.as_deref(),
        ),
        Command::Pin {
            registry,
            secret,
            remove,
        } => login::pin(&registry, secret.as_deref(), remove),
        Command::Backup { file } => backup::backup(&api()?, &file),
        Command::Restore { file } => backup::restore(&api()?, &file),
        Command::KubeletCredentialProvider => kubelet::run(),
        Command::Completion { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "regcred", &mut std::io::stdout());
            Ok(())
        }
    }
}

fn audit(api: &Api, secret: Option<&str>, top: u64, output: Format) -> Result<()> {
    let mut path = format!("/v2/admin/auditEvents?$top={top}");
    if let Some(s) = secret {
        path.push_str(&format!("&secret={}", encode(s)));
    }
    let list: AuditList = api.get(&path)?;
    let value = serde_json::to_value(&list).map_err(|e| CliError::new(e.to_string()))?;
    print(
        output,
        &value,
        || {
            table(
                &["time", "actor", "action", "secret", "outcome"],
                list.resources
                    .iter()
                    .map(|e| {
                        let actor = match (&e.address, e.count) {
                            (Some(a), Some(n)) => format!("{} from {a} (x{n})", e.actor),
                            _ => e.actor.clone(),
                        };
                        vec![
                            e.time.clone(),
                            actor,
                            e.action.clone(),
                            e.secret.clone().unwrap_or_else(|| "-".into()),
                            e.outcome.clone(),
                        ]
                    })
                    .collect(),
            )
        },
        || {
            list.resources
                .iter()
                .map(|e| e.request_id.clone())
                .collect()
        },
    )
}
