//! The command line, as clap derives it (also what `completion` prints).

use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::Format;
use shared::Role;

/// `--role`: one of shared's roles, offered to completion by name.
fn role_parser() -> impl TypedValueParser<Value = Role> {
    clap::builder::PossibleValuesParser::new(Role::ALL.map(Role::as_str))
        .map(|s| Role::parse(&s).expect("a possible value is a role"))
}

#[derive(Parser)]
#[command(
    name = "regcred",
    version,
    about = "Docker registry pull secrets: create, import, check, export, and serve them to the clients that pull.",
    after_help = "Exit codes: 0 ok, 1 failure, 2 usage.\nSettings: REGCRED_URL and REGCRED_TOKEN win over what `regcred login` saved."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Check a token against URL (GET /v2/session) and save both (mode 0600).
    Login {
        url: String,
        /// Read the token from stdin instead of asking for it.
        #[arg(long)]
        token_stdin: bool,
    },
    /// Remove the saved token.
    Logout,
    /// Who the API takes you for (GET /v2/session): label, role, scope and how you signed in.
    Whoami {
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// Docker registry secrets.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// How many secrets are in each health state (what the scheduled checks found).
    Status {
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// Webhook receivers of the health events, signed per Standard Webhooks (admin token).
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Workload identity: trust rules for CI jobs' and pods' own OIDC tokens (admin token).
    #[command(subcommand)]
    Identity(IdentityCommand),
    /// Managed API tokens: create, list, revoke (admin token).
    #[command(subcommand)]
    Token(TokenCommand),
    /// The audit trail, newest first.
    Audit {
        #[arg(long)]
        secret: Option<String>,
        #[arg(long, default_value_t = 50)]
        top: u64,
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// Decode an auth token, a config.json, a .dockerconfigjson value or a whole Secret
    /// (YAML or JSON) into every registry's username and password (`-`: stdin). Offline.
    Decode {
        token: Option<String>,
        /// Show the password too.
        #[arg(long)]
        reveal: bool,
    },
    /// What a deployment needs, made from a secret's credentials (puller token).
    Export {
        name: String,
        #[arg(long, value_enum)]
        format: ExportFormat,
        #[arg(long)]
        namespace: Option<String>,
        /// The image for the DC/OS forms.
        #[arg(long)]
        image: Option<String>,
        /// The file to write (mode 0600); `-` for stdout.
        #[arg(short = 'o', long = "output")]
        file: Option<String>,
    },
    /// Pin the secret docker-credential-regcred reads for a registry.
    Pin {
        registry: String,
        secret: Option<String>,
        #[arg(long)]
        remove: bool,
    },
    /// Write the whole store (sealed records, never plaintext) to a file (admin token).
    Backup {
        /// The file to write (mode 0600); `-` for stdout.
        #[arg(short = 'o', long = "output")]
        file: String,
    },
    /// Write a backup into an empty deployment with the same REGCRED_KEYS (admin token).
    Restore {
        /// The file `regcred backup` wrote; `-` for stdin.
        file: String,
    },
    /// A kubelet image credential provider (credentialprovider.kubelet.k8s.io/v1) on stdin/stdout.
    KubeletCredentialProvider,
    /// Shell completion.
    Completion { shell: clap_complete::Shell },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    K8sSecret,
    ConfigJson,
    DcosApp,
    DcosPod,
    DockerTar,
}

#[derive(Args, Clone)]
pub struct Credentials {
    /// The registry; Docker Hub when left out.
    #[arg(long)]
    pub registry: Option<String>,
    #[arg(long)]
    pub username: Option<String>,
    /// Read the password from stdin (never give it as an argument).
    #[arg(long)]
    pub password_stdin: bool,
    #[arg(long)]
    pub email: Option<String>,
    /// A .dockerconfigjson file instead of the flags above.
    #[arg(long, conflicts_with_all = ["registry", "username", "password_stdin", "email"])]
    pub from_file: Option<PathBuf>,
    // Boxed: its many options would make every command the size of this one.
    #[command(flatten)]
    pub cloud: Box<CloudSource>,
}

/// A cloud credential that regcred mints short-lived registry credentials
/// from at pull time (a brokered secret), instead of a username and password.
#[derive(Args, Clone, Default)]
pub struct CloudSource {
    /// Amazon ECR: an IAM access key allowed ecr:GetAuthorizationToken
    /// (with --region, --access-key-id, --secret-access-key-stdin, and
    /// --registry or --registry-id).
    #[arg(long, conflicts_with_all = ["username", "password_stdin", "email", "from_file", "gcp_key_file", "acr"], requires_all = ["region", "access_key_id", "secret_access_key_stdin"])]
    pub ecr: bool,
    /// Amazon ECR: the AWS region, e.g. eu-central-1.
    #[arg(long, requires = "ecr")]
    pub region: Option<String>,
    /// Amazon ECR: the access key id.
    #[arg(long, requires = "ecr")]
    pub access_key_id: Option<String>,
    /// Amazon ECR: read the secret access key from stdin (never an argument).
    #[arg(long, requires = "ecr")]
    pub secret_access_key_stdin: bool,
    /// Amazon ECR: the 12-digit account id (the registry is <id>.dkr.ecr.<region>.amazonaws.com).
    #[arg(long, requires = "ecr")]
    pub registry_id: Option<String>,
    /// Amazon ECR: another API endpoint on amazonaws.com.
    #[arg(long, requires = "ecr")]
    pub endpoint: Option<String>,
    /// Google Artifact Registry / GCR: a service account's JSON key file (with --registry).
    #[arg(long, conflicts_with_all = ["username", "password_stdin", "email", "from_file", "acr"], requires = "registry")]
    pub gcp_key_file: Option<PathBuf>,
    /// Azure Container Registry: its address, e.g. myreg.azurecr.io (with
    /// --tenant, --client-id and --client-secret-stdin).
    #[arg(long, conflicts_with_all = ["registry", "username", "password_stdin", "email", "from_file"], requires_all = ["tenant", "client_id", "client_secret_stdin"])]
    pub acr: Option<String>,
    /// Azure: the tenant (directory) id.
    #[arg(long, requires = "acr")]
    pub tenant: Option<String>,
    /// Azure: the service principal's client (application) id.
    #[arg(long, requires = "acr")]
    pub client_id: Option<String>,
    /// Azure: read the client secret from stdin (never an argument).
    #[arg(long, requires = "acr")]
    pub client_secret_stdin: bool,
    /// Azure: another of Microsoft's sign-in hosts (login.microsoftonline.us, login.chinacloudapi.cn).
    #[arg(long, requires = "acr")]
    pub authority_host: Option<String>,
}

/// What `secret edit` changes: only what is given.
#[derive(Args, Clone)]
pub struct EditCredentials {
    /// Which registry of the secret to edit; with one registry, another address moves it there.
    #[arg(long)]
    pub registry: Option<String>,
    /// A new username (kept when left out).
    #[arg(long)]
    pub username: Option<String>,
    /// Read a new password from stdin (kept when left out; never give it as an argument).
    #[arg(long)]
    pub password_stdin: bool,
    /// A new email; an empty one clears it (kept when left out).
    #[arg(long)]
    pub email: Option<String>,
    /// A .dockerconfigjson file that replaces every registry, instead of the flags above.
    #[arg(long, conflicts_with_all = ["registry", "username", "password_stdin", "email"])]
    pub from_file: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum SecretCommand {
    /// Create a secret; on a terminal, missing username, password and email are asked.
    Create {
        name: String,
        #[command(flatten)]
        creds: Credentials,
        /// When the credentials stop working (YYYY-MM-DD or RFC 3339).
        #[arg(long)]
        expires: Option<String>,
        /// Log in to the registry first; refuse credentials it rejects.
        #[arg(long)]
        check: bool,
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// List the secrets (registries, expiry, health, last change; never credentials).
    List {
        /// The deleted secrets that can still be undeleted, and when each is purged.
        #[arg(long)]
        deleted: bool,
        /// Only the secrets whose last check failed.
        #[arg(long, conflicts_with = "deleted")]
        failing: bool,
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// Show one secret: its registries and each one's username (never a password).
    Get {
        name: String,
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// Change only what is given; on a terminal with nothing given, ask (current values as defaults).
    ///
    /// One registry's username, password or email, the registry itself, or the expiry:
    /// what is not given is kept. With several registries, --registry says which one.
    #[command(
        after_help = "Examples:\n  regcred secret edit ci --password-stdin < pw          # the one registry's password\n  regcred secret edit ci --registry ghcr.io --username bot --password-stdin < pw\n  regcred secret edit ci --registry registry.example.com   # one registry: moves it there\n  regcred secret edit ci --expires 2027-06-30              # the expiry only\n  regcred secret edit ci --from-file config.json           # replace every registry"
    )]
    Edit {
        name: String,
        #[command(flatten)]
        creds: EditCredentials,
        /// When the credentials stop working (YYYY-MM-DD or RFC 3339).
        #[arg(long, conflicts_with = "no_expiry")]
        expires: Option<String>,
        /// Clear the expiry.
        #[arg(long)]
        no_expiry: bool,
    },
    /// Delete a secret; it can be undeleted until its retention ends.
    Delete {
        name: String,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
    },
    /// The kept versions of a secret, newest first (never credentials).
    Versions {
        name: String,
        /// `name`: only the version numbers.
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// Make a kept version current again (as a new version); asks first on a terminal.
    #[command(
        after_help = "Example:\n  regcred secret versions ci\n  regcred secret restore ci --version 3 --yes"
    )]
    Restore {
        name: String,
        /// The version to bring back (from `regcred secret versions NAME`).
        #[arg(long, value_name = "N")]
        version: u64,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
    },
    /// Bring back a deleted secret as it was (`regcred secret list --deleted` lists them).
    Undelete { name: String },
    /// Log in to each registry of the secret; exit 0 only when all say ok.
    Check {
        name: String,
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// Make secrets from a Docker config.json and the credential helpers behind it.
    #[command(subcommand)]
    Import(ImportSource),
}

#[derive(Subcommand)]
pub enum ImportSource {
    /// $DOCKER_CONFIG/config.json or ~/.docker/config.json, and its helpers.
    Docker {
        #[arg(long)]
        config: Option<PathBuf>,
        /// Only these registries (repeatable).
        #[arg(long)]
        registry: Vec<String>,
        /// Every registry, without asking.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        name_prefix: Option<String>,
        /// Show what would be created, skipped or over the quota (asks the API); create nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask before creating.
        #[arg(long, short)]
        yes: bool,
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Make a token and print it, this once: it cannot be shown again.
    #[command(
        after_help = "Examples:\n  regcred token create ci-team-a --role puller --scope 'team-a-*' --expires 90d\n  T=$(regcred token create ci --role puller --scope ci-pull -o name)"
    )]
    Create {
        /// Names the caller in answers and the audit trail (letters, digits, spaces, - _ . @).
        label: String,
        #[arg(long, value_parser = role_parser())]
        role: Role,
        /// A secret name or pattern (`team-a-*`) the token is limited to (repeatable, or comma-separated); none: every secret.
        #[arg(long, value_name = "PATTERN", value_delimiter = ',')]
        scope: Vec<String>,
        /// When it stops working: a date (YYYY-MM-DD or RFC 3339) or a duration from now (90d, 12h, 2w, 1d12h; m is minutes).
        #[arg(long, value_name = "DATE|DURATION")]
        expires: Option<String>,
        /// `name`: only the token.
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// The managed tokens, never the tokens themselves.
    List {
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// Revoke tokens by id (from `token list`); they stop working at once.
    Revoke {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Subcommand)]
pub enum IdentityCommand {
    /// Trust tokens from ISSUER whose aud holds AUDIENCE and whose claims match.
    #[command(
        after_help = "Example:\n  regcred identity add ci-team-a --issuer https://token.actions.githubusercontent.com --audience regcred \\\n    --claim repository='acme/team-a-*' --claim ref=refs/heads/main --role puller --scope 'team-a-*'"
    )]
    Add {
        label: String,
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        audience: String,
        /// The key set, when the issuer's discovery document does not name it.
        #[arg(long)]
        jwks_uri: Option<String>,
        /// NAME=GLOB (repeatable); `*` matches any run of characters.
        #[arg(long = "claim", value_name = "NAME=GLOB", required = true)]
        claims: Vec<String>,
        /// viewer, puller or editor.
        #[arg(long)]
        role: String,
        /// Secret-name patterns (repeatable, or comma-separated).
        #[arg(long, value_delimiter = ',')]
        scope: Vec<String>,
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// The trust rules, in the order they are tried.
    List {
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// Remove a rule; its tokens are refused within a second.
    Remove { id: String },
}

#[derive(Subcommand)]
pub enum WebhookCommand {
    /// Add a receiver; prints its signing secret, this once.
    #[command(
        after_help = "Examples:\n  regcred webhook add https://hooks.example.com/regcred\n  regcred webhook add https://hooks.slack.com/services/… --slack --event secret.failing --event secret.expiring"
    )]
    Add {
        url: String,
        /// secret.failing, secret.recovered, secret.expiring, secret.expired, webhook.test (repeatable, or comma-separated); none: all.
        #[arg(long = "event", value_name = "EVENT", value_delimiter = ',')]
        events: Vec<String>,
        /// Post Slack's `{"text"}` instead of a Standard Webhooks body.
        #[arg(long)]
        slack: bool,
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// The receivers, never their secrets.
    List {
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// Remove a receiver; nothing is sent to it again.
    Remove { id: String },
    /// Send a receiver a webhook.test event.
    Test { id: String },
    /// What each event sent to a receiver did: attempts, delivered, retrying or failed.
    Deliveries {
        id: String,
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn token_create_takes_roles_by_name_and_scopes_repeated_or_listed() {
        let cli = Cli::try_parse_from([
            "regcred",
            "token",
            "create",
            "ci",
            "--role",
            "puller",
            "--scope",
            "team-a-*",
            "--scope",
            "ci-pull,x",
            "--expires",
            "90d",
            "-o",
            "name",
        ])
        .unwrap();
        let Command::Token(TokenCommand::Create {
            label,
            role,
            scope,
            expires,
            output,
        }) = cli.command
        else {
            panic!("not token create");
        };
        assert_eq!(label, "ci");
        assert_eq!(role, Role::Puller);
        assert_eq!(scope, ["team-a-*", "ci-pull", "x"]);
        assert_eq!(expires.as_deref(), Some("90d"));
        assert_eq!(output, Format::Name);
        for bad in [
            &["regcred", "token", "create", "ci", "--role", "root"][..],
            &["regcred", "token", "create", "ci"],
            &["regcred", "token", "revoke"],
        ] {
            let e = Cli::try_parse_from(bad).err().expect("refused");
            assert_eq!(e.exit_code(), 2, "{bad:?}");
        }
        let cli = Cli::try_parse_from(["regcred", "token", "revoke", "a", "b", "--yes"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Token(TokenCommand::Revoke { ids, yes: true }) if ids == ["a", "b"]
        ));
    }

    #[test]
    fn secret_history_commands_parse_and_every_subcommand_is_described() {
        let cli = Cli::try_parse_from([
            "regcred",
            "secret",
            "restore",
            "ci",
            "--version",
            "3",
            "--yes",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Secret(SecretCommand::Restore { name, version: 3, yes: true }) if name == "ci"
        ));
        let cli =
            Cli::try_parse_from(["regcred", "secret", "list", "--deleted", "-o", "name"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Secret(SecretCommand::List {
                deleted: true,
                output: Format::Name,
                ..
            })
        ));
        for ok in [
            &["regcred", "secret", "versions", "ci", "-o", "json"][..],
            &["regcred", "secret", "undelete", "ci"],
            &["regcred", "secret", "edit", "ci", "--password-stdin"],
            &["regcred", "secret", "edit", "ci", "--email", ""],
        ] {
            assert!(Cli::try_parse_from(ok).is_ok(), "{ok:?}");
        }
        for bad in [
            &["regcred", "secret", "restore", "ci"][..],
            &["regcred", "secret", "restore", "ci", "--version", "x"],
            &[
                "regcred",
                "secret",
                "edit",
                "ci",
                "--from-file",
                "f",
                "--password-stdin",
            ],
            &[
                "regcred",
                "secret",
                "edit",
                "ci",
                "--expires",
                "2027-01-01",
                "--no-expiry",
            ],
        ] {
            let e = Cli::try_parse_from(bad).err().expect("refused");
            assert_eq!(e.exit_code(), 2, "{bad:?}");
        }
        let cmd = Cli::command();
        let secret = cmd.find_subcommand("secret").unwrap();
        for sub in secret.get_subcommands() {
            assert!(
                sub.get_about().is_some(),
                "regcred secret {} has no description",
                sub.get_name()
            );
        }
    }
}
