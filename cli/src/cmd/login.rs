//! `regcred login | logout | whoami | pin`: what the config file holds, and
//! who the API takes its token for.

use shared::api::{SessionResponse, SignIn};
use shared::{Registry, SecretName};

use crate::client::Api;
use crate::cmd::print;
use crate::error::{CliError, Result};
use crate::output::{table, Format};
use crate::prompt;
use crate::settings::{self, checked_url, Target};

pub fn login(url: &str, token_stdin: bool) -> Result<()> {
    let url = checked_url(url)?;
    let token = if token_stdin {
        prompt::read_stdin_line("the token")?
    } else {
        prompt::ask_secret("API token", "--token-stdin", false)?
    };
    let api = Api::new(Target {
        url: url.clone(),
        token: token.clone(),
    });
    let session: SessionResponse = api
        .get("/v2/session")
        .map_err(|e| CliError::new(format!("{url} did not accept the token: {e}")))?;
    let mut saved = settings::load()?;
    saved.url = Some(url.clone());
    saved.token = Some(token);
    let path = settings::save(&saved)?;
    let scope = session
        .scope
        .as_ref()
        .map(|s| format!(", scope {}", s.patterns().join(",")))
        .unwrap_or_default();
    println!(
        "logged in to {url} as {} ({}{scope}); saved in {} (mode 0600)",
        session.label,
        session.role,
        path.display()
    );
    Ok(())
}

/// How the caller signed in, in words.
pub fn via(v: SignIn) -> &'static str {
    match v {
        SignIn::EnvironmentToken => "environment token (REGCRED_TOKENS)",
        SignIn::ManagedToken => "managed token",
        SignIn::Access => "Cloudflare Access",
        SignIn::WorkloadIdentity => "workload identity (OIDC)",
    }
}

/// The `whoami` table, as `kubectl auth whoami` prints one.
pub fn whoami_rows(url: &str, s: &SessionResponse) -> Vec<Vec<String>> {
    let scope = s
        .scope
        .as_ref()
        .map_or_else(|| "every secret".to_owned(), |s| s.patterns().join(","));
    [
        ("URL", url.to_owned()),
        ("Label", s.label.clone()),
        ("Role", s.role.to_string()),
        ("Scope", scope),
        ("Signed in with", via(s.via).to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| vec![k.to_owned(), v])
    .collect()
}

pub fn whoami(api: &Api, output: Format) -> Result<()> {
    let session: SessionResponse = api.get("/v2/session")?;
    let value = serde_json::to_value(&session).map_err(|e| CliError::new(e.to_string()))?;
    print(
        output,
        &value,
        || table(&["attribute", "value"], whoami_rows(api.url(), &session)),
        || vec![session.label.clone()],
    )
}

pub fn logout() -> Result<()> {
    let mut saved = settings::load()?;
    if saved.token.take().is_none() {
        println!("no token was saved");
        return Ok(());
    }
    let path = settings::save(&saved)?;
    println!("the token is removed from {}", path.display());
    Ok(())
}

pub fn pin(registry: &str, secret: Option<&str>, remove: bool) -> Result<()> {
    let parsed =
        Registry::parse(registry).map_err(|e| CliError::usage(format!("the registry: {e}")))?;
    let mut saved = settings::load()?;
    saved
        .pins
        .retain(|k, _| Registry::parse(k).map_or(true, |r| !r.same_registry(&parsed)));
    if remove {
        settings::save(&saved)?;
        println!("{registry} is no longer pinned");
        return Ok(());
    }
    let secret = secret.ok_or_else(|| CliError::usage("name the secret to pin (or --remove)"))?;
    let name =
        SecretName::parse(secret).map_err(|e| CliError::usage(format!("the secret name: {e}")))?;
    saved.pins.insert(parsed.server_key(), name.to_string());
    settings::save(&saved)?;
    println!(
        "docker-credential-regcred reads {name} for {}",
        parsed.server_key()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::{Role, Scope};

    #[test]
    fn whoami_shows_role_scope_and_sign_in() {
        let scoped = SessionResponse {
            label: "ci".into(),
            role: Role::Puller,
            scope: Some(Scope::parse(["team-a-*", "ci-pull"]).unwrap()),
            subject: None,
            via: SignIn::ManagedToken,
        };
        let t = table(
            &["attribute", "value"],
            whoami_rows("https://regcred.example.com", &scoped),
        );
        assert_eq!(
            t,
            "ATTRIBUTE       VALUE\n\
             URL             https://regcred.example.com\n\
             Label           ci\n\
             Role            puller\n\
             Scope           team-a-*,ci-pull\n\
             Signed in with  managed token\n"
        );
        let env = SessionResponse {
            scope: None,
            subject: None,
            via: SignIn::EnvironmentToken,
            role: Role::Admin,
            ..scoped
        };
        let rows = whoami_rows("u", &env);
        assert_eq!(rows[3][1], "every secret");
        assert_eq!(rows[4][1], "environment token (REGCRED_TOKENS)");
        assert_eq!(via(SignIn::Access), "Cloudflare Access");
    }
}
