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
    /// Decode an auth token (or `-`: stdin; a whole config.json decodes every entry). Offline.
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
    List {
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    Get {
        name: String,
        #[arg(short, long, value_enum, default_value_t)]
        output: Format,
    },
    /// Replace the credentials, or only change the expiry.
    Edit {
        name: String,
        #[command(flatten)]
        creds: Credentials,
        #[arg(long, conflicts_with = "no_expiry")]
        expires: Option<String>,
        #[arg(long)]
        no_expiry: bool,
    },
    Delete {
        name: String,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
    },
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
        /// Show what would be created; create nothing.
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
}
