//! `regcred secret edit`: changes only what it is told. One registry entry
//! of the stored secret is edited through PATCH `entry` (the API keeps every
//! field not sent), `--from-file` replaces them all (`data`), and `--expires`
//! / `--no-expiry` alone send no credentials at all. Which entry: the only
//! one, the one `--registry` names, or the one chosen on a terminal.

use serde_json::{json, Map, Value};
use shared::api::{EntryEditRequest as EntryEdit, RegistryLogin, SecretStatus};
use shared::auth::check_username;
use shared::{Registry, SecretName};

use crate::args::EditCredentials;
use crate::client::Api;
use crate::cmd::secret::{from_file, name};
use crate::cmd::secret_path;
use crate::error::{CliError, Result};
use crate::prompt;

/// The registry entry an edit is about (its server key as stored), and the
/// registry it moves to, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub registry: String,
    pub moved_to: Option<String>,
}

/// Which entry `--registry` (or its absence) names among those held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    Chosen(Target),
    /// Several are held and none was named: ask, or fail naming them.
    Ask,
}

/// `held`: the secret's registries as stored. A given registry picks the
/// one it is the same registry as (any spelling); with one registry held,
/// a different one moves the entry there.
pub fn pick(name: &SecretName, held: &[String], given: Option<&Registry>) -> Result<Pick> {
    if held.is_empty() {
        return Err(CliError::new(format!(
            "the secret {name} holds no registry entry to edit; give --from-file to replace its credentials"
        )));
    }
    let Some(given) = given else {
        return Ok(match held {
            [only] => Pick::Chosen(Target {
                registry: only.clone(),
                moved_to: None,
            }),
            _ => Pick::Ask,
        });
    };
    // As the API picks: the exact server key first, then the same registry
    // spelled another way.
    let key = given.server_key();
    let same = held.iter().find(|h| **h == key).or_else(|| {
        held.iter()
            .find(|h| Registry::parse(h).is_ok_and(|r| r.same_registry(given)))
    });
    match (same, held) {
        (Some(h), _) => Ok(Pick::Chosen(Target {
            registry: h.clone(),
            moved_to: None,
        })),
        (None, [only]) => Ok(Pick::Chosen(Target {
            registry: only.clone(),
            moved_to: Some(given.server_key()),
        })),
        _ => Err(CliError::usage(format!(
            "the secret {name} holds {}, not {}: --registry picks one of them (to change the registries themselves, give --from-file)",
            held.join(", "),
            given.server_key()
        ))),
    }
}

/// The usage error for several registries and no terminal to choose on.
pub fn several(name: &SecretName, held: &[String]) -> CliError {
    CliError::usage(format!(
        "the secret {name} holds several registries ({}): say which to edit with --registry",
        held.join(", ")
    ))
}

/// What the flags change. `email`: an empty one clears it. `None` when
/// nothing changes (a `--registry` that only picked the entry).
pub fn from_flags(
    target: &Target,
    username: Option<&str>,
    password: Option<String>,
    email: Option<&str>,
) -> Option<EntryEdit> {
    let edit = EntryEdit {
        registry: Some(target.registry.clone()),
        new_registry: target.moved_to.clone(),
        username: username.map(str::to_owned),
        password,
        email: email.map(|e| Some(e.to_owned()).filter(|e| !e.is_empty())),
    };
    changes(&edit).then_some(edit)
}

fn changes(e: &EntryEdit) -> bool {
    e.new_registry.is_some() || e.username.is_some() || e.password.is_some() || e.email.is_some()
}

/// The answers of an interactive edit; an empty one keeps the current value.
#[derive(Debug, Default, Clone)]
pub struct Answers {
    pub registry: String,
    pub username: String,
    pub password: String,
    /// `-` clears the email.
    pub email: String,
}

/// What the answers change against `current`; `None` when nothing does.
pub fn from_answers(
    target: &str,
    current: Option<&RegistryLogin>,
    a: &Answers,
) -> Result<Option<EntryEdit>> {
    let moved_to = if a.registry.is_empty() || a.registry == target {
        None
    } else {
        let new = Registry::parse(&a.registry)
            .map_err(|e| CliError::usage(format!("the registry: {e}; nothing was changed")))?;
        let same = Registry::parse(target).is_ok_and(|t| t.same_registry(&new));
        (!same).then(|| new.server_key())
    };
    if !a.username.is_empty() {
        check_username(&a.username)
            .map_err(|why| CliError::usage(format!("the username {why}; nothing was changed")))?;
    }
    let kept_username = current.map_or("", |c| c.username.as_str());
    let kept_email = current.and_then(|c| c.email.as_deref());
    let email = match a.email.as_str() {
        "" => None,
        "-" => kept_email.map(|_| None),
        e if Some(e) == kept_email => None,
        e => Some(Some(e.to_owned())),
    };
    let edit = EntryEdit {
        registry: Some(target.to_owned()),
        new_registry: moved_to,
        username: Some(a.username.clone()).filter(|u| !u.is_empty() && u != kept_username),
        password: Some(a.password.clone()).filter(|p| !p.is_empty()),
        email,
    };
    Ok(changes(&edit).then_some(edit))
}

/// Asks for each value of `target`'s entry, the current one as default.
fn ask(target: &str, current: Option<&RegistryLogin>) -> Result<Option<EntryEdit>> {
    let username = current.map_or("", |c| c.username.as_str());
    let email = current.and_then(|c| c.email.as_deref()).unwrap_or_default();
    let answers = Answers {
        registry: prompt::ask_default("Registry", target)?,
        username: prompt::ask_default("Username", username)?,
        password: prompt::ask_new_secret("Password")?,
        email: if email.is_empty() {
            prompt::ask_default("Email (optional)", "")?
        } else {
            prompt::ask_default("Email ('-' clears)", email)?
        },
    };
    from_answers(target, current, &answers)
}

/// The expiry part of the body: set, cleared, or left alone.
fn expiry(expires: Option<&str>, no_expiry: bool) -> Option<Value> {
    match (expires, no_expiry) {
        (Some(e), _) => Some(Value::from(e)),
        (None, true) => Some(Value::Null),
        (None, false) => None,
    }
}

pub fn edit(
    api: &Api,
    raw: &str,
    creds: &EditCredentials,
    expires: Option<&str>,
    no_expiry: bool,
) -> Result<()> {
    let name = name(raw)?;
    let expiry = expiry(expires, no_expiry);
    let mut body = Map::new();
    let mut if_match = None;
    let named = creds.registry.is_some()
        || creds.username.is_some()
        || creds.password_stdin
        || creds.email.is_some();
    if let Some(file) = &creds.from_file {
        body.insert(
            "data".into(),
            json!({".dockerconfigjson": from_file(file)?}),
        );
    } else if named || expiry.is_none() {
        let interactive = !named;
        if interactive && !prompt::interactive() {
            return Err(CliError::usage(format!(
                "nothing to change in {name}: give --username, --password-stdin, --email, --registry, --from-file, --expires or --no-expiry (on a terminal, the current values are asked)"
            )));
        }
        // Everything given is checked before anything is read or sent.
        if let Some(u) = &creds.username {
            check_username(u).map_err(|why| CliError::usage(format!("--username {why}")))?;
        }
        let given = creds
            .registry
            .as_deref()
            .map(|r| Registry::parse(r).map_err(|e| CliError::usage(format!("--registry: {e}"))))
            .transpose()?;
        let password = if creds.password_stdin {
            Some(prompt::read_stdin_line("the password")?)
        } else {
            None
        };
        let answer = api.ok("GET", &secret_path(&name), None)?;
        let status: SecretStatus = answer.json()?;
        let target = match pick(&name, &status.registries, given.as_ref())? {
            Pick::Chosen(t) => t,
            Pick::Ask if prompt::interactive() => {
                eprintln!("The secret {name} holds several registries:");
                let i = prompt::choose("Which one to edit", &status.registries)?;
                Target {
                    registry: status.registries[i].clone(),
                    moved_to: None,
                }
            }
            Pick::Ask => return Err(several(&name, &status.registries)),
        };
        let current = status.users.iter().find(|u| u.registry == target.registry);
        let entry = if interactive {
            ask(&target.registry, current)?
        } else {
            from_flags(
                &target,
                creds.username.as_deref(),
                password,
                creds.email.as_deref(),
            )
        };
        match entry {
            Some(e) => {
                let value = serde_json::to_value(&e).map_err(|e| CliError::new(e.to_string()))?;
                body.insert("entry".into(), value);
                if_match = answer.etag;
            }
            None if expiry.is_none() => {
                println!("secret {name} unchanged");
                return Ok(());
            }
            None => {}
        }
    }
    if let Some(e) = expiry {
        body.insert("expiresAt".into(), e);
    }
    let text = Value::Object(body).to_string();
    let headers: Vec<(&str, &str)> = if_match.iter().map(|t| ("If-Match", t.as_str())).collect();
    let a = api.send("PATCH", &secret_path(&name), Some(&text), &headers)?;
    if a.status == 412 {
        return Err(CliError::new(format!(
            "the secret {name} changed while it was being edited; nothing was changed: run the edit again"
        )));
    }
    if a.status >= 300 {
        return Err(a.into_error());
    }
    println!("secret {name} modified");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n() -> SecretName {
        SecretName::parse("local-ci").unwrap()
    }

    fn reg(s: &str) -> Registry {
        Registry::parse(s).unwrap()
    }

    fn held(r: &[&str]) -> Vec<String> {
        r.iter().map(|s| s.to_string()).collect()
    }

    fn chosen(registry: &str, moved_to: Option<&str>) -> Pick {
        Pick::Chosen(Target {
            registry: registry.into(),
            moved_to: moved_to.map(str::to_owned),
        })
    }

    #[test]
    fn no_registry_given_edits_the_only_one_and_never_docker_hub() {
        let one = held(&["http://127.0.0.1:5055"]);
        assert_eq!(
            pick(&n(), &one, None).unwrap(),
            chosen("http://127.0.0.1:5055", None)
        );
        assert_eq!(
            pick(&n(), &held(&["ghcr.io", "quay.io"]), None).unwrap(),
            Pick::Ask
        );
        let e = pick(&n(), &[], None).unwrap_err();
        assert!(e.message.contains("--from-file"), "{}", e.message);
    }

    #[test]
    fn a_given_registry_picks_by_any_spelling_or_moves_the_only_one() {
        let one = held(&["http://127.0.0.1:5055"]);
        assert_eq!(
            pick(&n(), &one, Some(&reg("127.0.0.1:5055"))).unwrap(),
            chosen("http://127.0.0.1:5055", None),
            "the same registry in another spelling picks it"
        );
        assert_eq!(
            pick(&n(), &one, Some(&reg("ghcr.io"))).unwrap(),
            chosen("http://127.0.0.1:5055", Some("ghcr.io"))
        );
        let two = held(&["ghcr.io", "https://index.docker.io/v1/"]);
        assert_eq!(
            pick(&n(), &two, Some(&reg("docker.io"))).unwrap(),
            chosen("https://index.docker.io/v1/", None)
        );
        let e = pick(&n(), &two, Some(&reg("quay.io"))).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(
            e.message.contains("ghcr.io, https://index.docker.io/v1/")
                && e.message.contains("quay.io"),
            "{}",
            e.message
        );
        let e = several(&n(), &two);
        assert_eq!(e.code, 2);
        assert!(e.message.contains("--registry") && e.message.contains("ghcr.io"));
    }

    #[test]
    fn flags_send_only_what_they_name() {
        let t = Target {
            registry: "http://127.0.0.1:5055".into(),
            moved_to: None,
        };
        let only_password = from_flags(&t, None, Some("pw".into()), None).unwrap();
        assert_eq!(
            serde_json::to_value(&only_password).unwrap(),
            json!({"registry": "http://127.0.0.1:5055", "password": "pw"})
        );
        let user = from_flags(&t, Some("ci"), Some("pw".into()), None).unwrap();
        assert_eq!(user.username.as_deref(), Some("ci"));
        assert_eq!(user.new_registry, None, "never moved to Docker Hub");
        let cleared = from_flags(&t, None, None, Some("")).unwrap();
        assert_eq!(
            serde_json::to_value(&cleared).unwrap()["email"],
            Value::Null
        );
        assert_eq!(cleared.email, Some(None));
        assert_eq!(from_flags(&t, None, None, None), None, "only picked");
        let moved = Target {
            moved_to: Some("ghcr.io".into()),
            ..t
        };
        let m = from_flags(&moved, None, None, None).unwrap();
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"registry": "http://127.0.0.1:5055", "newRegistry": "ghcr.io"})
        );
    }

    fn login(email: Option<&str>) -> RegistryLogin {
        RegistryLogin {
            registry: "ghcr.io".into(),
            username: "ci".into(),
            email: email.map(str::to_owned),
        }
    }

    #[test]
    fn answers_keep_what_is_left_empty_or_unchanged() {
        let cur = login(Some("ci@example.com"));
        let same = Answers {
            registry: "ghcr.io".into(),
            username: "ci".into(),
            password: String::new(),
            email: "ci@example.com".into(),
        };
        assert_eq!(from_answers("ghcr.io", Some(&cur), &same).unwrap(), None);
        assert_eq!(
            from_answers("ghcr.io", Some(&cur), &Answers::default()).unwrap(),
            None
        );
        let pw = Answers {
            password: "new".into(),
            ..Answers::default()
        };
        assert_eq!(
            serde_json::to_value(from_answers("ghcr.io", Some(&cur), &pw).unwrap()).unwrap(),
            json!({"registry": "ghcr.io", "password": "new"})
        );
        let all = Answers {
            registry: "https://ghcr.io".into(),
            username: "bot".into(),
            password: String::new(),
            email: "-".into(),
        };
        let e = from_answers("ghcr.io", Some(&cur), &all).unwrap().unwrap();
        assert_eq!(e.new_registry, None, "the same registry spelled otherwise");
        assert_eq!(e.username.as_deref(), Some("bot"));
        assert_eq!(e.email, Some(None), "'-' clears");
        let no_email = login(None);
        let dash = Answers {
            email: "-".into(),
            ..Answers::default()
        };
        assert_eq!(
            from_answers("ghcr.io", Some(&no_email), &dash).unwrap(),
            None
        );
        let moved = Answers {
            registry: "quay.io".into(),
            ..Answers::default()
        };
        let m = from_answers("ghcr.io", Some(&cur), &moved)
            .unwrap()
            .unwrap();
        assert_eq!(m.new_registry.as_deref(), Some("quay.io"));
        let colon = Answers {
            username: "a:b".into(),
            ..Answers::default()
        };
        let e = from_answers("ghcr.io", Some(&cur), &colon).unwrap_err();
        assert!(e.code == 2 && e.message.contains("':'"), "{}", e.message);
        let bad = Answers {
            registry: "https://user:pw@".into(),
            ..Answers::default()
        };
        assert_eq!(
            from_answers("ghcr.io", Some(&cur), &bad).unwrap_err().code,
            2
        );
    }

    #[test]
    fn expiry_is_set_cleared_or_left_out() {
        assert_eq!(expiry(Some("2027-06-30"), false), Some(json!("2027-06-30")));
        assert_eq!(expiry(None, true), Some(Value::Null));
        assert_eq!(expiry(None, false), None);
    }
}
