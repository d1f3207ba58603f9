//! `GET /v2/admin/registryCredentials?registry=`: a puller (a Docker
//! credential helper, a kubelet credential provider) asks for a registry,
//! not a secret name. The secrets are walked once (their metadata lists the
//! registries), and only the one that answers, plus any whose registry list
//! did not fit the metadata, is decrypted.

use shared::api::{
    ApiError, ErrorCode, ErrorDetail, RegistryCredentials, RegistryUser, RegistryUsers,
};
use shared::brokered::parse_content;
use shared::requests::Content;
use shared::scope::sees;
use shared::{
    parse_stored_dockerconfigjson, DockerConfig, Registry, RegistryEntry, Scope, SecretName,
};

use crate::brokered::{self, Caller};
use crate::config::Config;
use crate::ctx::Ctx;
use crate::http::{param, Response};
use crate::paging::{walk, Window};
use crate::record::{key, load, open, SecretMeta, PREFIX};
use crate::store::{Store, Stored};

/// How many candidates the 409's message names; its `details` name them all.
const NAMED_IN_MESSAGE: usize = 10;

/// What a secret's list metadata says about the asked registry.
enum Listed {
    /// One of the registries the metadata shows is the asked one.
    Holds(SecretName),
    /// The metadata does not show every registry (or cannot be read): the value says.
    Unsure(SecretName),
}

/// A secret that holds the asked registry; opened already if finding out needed it.
struct Holder {
    name: SecretName,
    opened: Option<(Stored, DockerConfig)>,
}

/// Answers the credentials of the one secret that holds the asked registry;
/// 404 when none does, 409 when several do. `resolved` is set to the
/// secret's name once it is known (the audit record names it).
pub async fn by_registry<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    query: &[(String, String)],
    scope: Option<&Scope>,
    resolved: &mut Option<String>,
    caller: Caller<'_>,
) -> Result<Response, ApiError> {
    let asked = asked_registry(query)?;
    if let Some(indexed) = ctx.store.indexed(&asked.host_key()).await? {
        return by_index(ctx, cfg, &asked, indexed, scope, resolved, caller).await;
    }
    let everything = Window::all();
    let (listed, _) = walk(ctx.store, PREFIX, everything, true, |k| {
        let name = SecretName::parse(k.name.strip_prefix(PREFIX)?).ok()?;
        // Outside the scope, a secret does not exist: it is no candidate.
        if !sees(scope, name.as_str()) {
            return None;
        }
        let Some(meta) = k.read_metadata::<SecretMeta>() else {
            return Some(Listed::Unsure(name));
        };
        if meta.registries.iter().any(|r| names(r, &asked)) {
            Some(Listed::Holds(name))
        } else if meta.omitted > 0 {
            Some(Listed::Unsure(name))
        } else {
            None
        }
    })
    .await?;

    let mut holders = Vec::new();
    for l in listed {
        match l {
            Listed::Holds(name) => holders.push(Holder { name, opened: None }),
            Listed::Unsure(name) => {
                // Gone since the list, or not a document: it holds nothing.
                let Some(stored) = ctx.store.get(&key(&name)).await? else {
                    continue;
                };
                let Ok(parsed) = parse_stored_dockerconfigjson(&open(cfg, &name, &stored)?) else {
                    continue;
                };
                if entry_for(&parsed.config, &asked).is_some() {
                    holders.push(Holder {
                        name,
                        opened: Some((stored, parsed.config)),
                    });
                }
            }
        }
    }

    if holders.len() > 1 {
        return Err(ambiguous(&asked, &holders));
    }
    let Some(holder) = holders.pop() else {
        return Err(not_held(&asked));
    };
    *resolved = Some(holder.name.to_string());
    let (stored, config) = match holder.opened {
        Some(opened) => opened,
        None => {
            let stored = load(ctx, &holder.name).await?;
            // The metadata said so, but the value decides.
            return answer(ctx, cfg, &asked, &holder.name, &stored, caller)
                .await?
                .ok_or_else(|| not_held(&asked));
        }
    };
    let entry = entry_for(&config, &asked).ok_or_else(|| not_held(&asked))?;
    Ok(credentials(&holder.name, expiry_of(&stored), entry))
}

/// The credentials `stored` (the record of `name`) holds for `asked`:
/// its entry, or for a brokered secret the credential minted from its
/// source, by its own object. `None` if it does not hold the registry.
async fn answer<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    asked: &Registry,
    name: &SecretName,
    stored: &Stored,
    caller: Caller<'_>,
) -> Result<Option<Response>, ApiError> {
    let text = open(cfg, name, stored)?;
    let source = match parse_content(&text) {
        Err(e) if SecretMeta::of(stored).omitted > 0 => return Err(unreadable(name, &e.path)),
        Err(_) => return Ok(None),
        Ok(Content::Static(parsed)) => {
            return Ok(
                entry_for(&parsed.config, asked).map(|e| credentials(name, expiry_of(stored), e))
            )
        }
        Ok(Content::Brokered(source)) => source,
    };
    if !names(source.registry(), asked) {
        return Ok(None);
    }
    let current = match ctx
        .store
        .current(name, caller.actor, caller.request_id)
        .await?
    {
        Some(answer) => answer?,
        None => {
            brokered::current(ctx, cfg, name, stored, &source, caller)
                .await?
                .current
        }
    };
    let Some(config) = current.document(&source) else {
        return Ok(None);
    };
    // The minted credential's expiry, not the secret's.
    let until = Some(current.expires().to_string());
    Ok(entry_for(&config, asked).map(|e| credentials(name, until, e)))
}

/// The names among `names` the caller may read.
fn seen(names: Vec<String>, scope: Option<&Scope>) -> Vec<SecretName> {
    names
        .into_iter()
        .filter_map(|n| SecretName::parse(&n).ok())
        .filter(|n| sees(scope, n.as_str()))
        .collect()
}

/// `by_registry` through the registry index (at the edge, in KV). One
/// candidate is asked for its credentials as its object holds them now;
/// none, several, or one that no longer holds the registry are settled by
/// the directory, which knows every name's registries now. So a secret
/// just created is found at once; only a second holder of a registry may
/// answer late, until KV shows its index key (about 60 s).
async fn by_index<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    asked: &Registry,
    indexed: Vec<String>,
    scope: Option<&Scope>,
    resolved: &mut Option<String>,
    caller: Caller<'_>,
) -> Result<Response, ApiError> {
    let candidates = seen(indexed, scope);
    if let [only] = candidates.as_slice() {
        if let Some(answer) = confirmed(ctx, cfg, asked, only, caller).await? {
            *resolved = Some(only.to_string());
            return Ok(answer);
        }
    }
    let holders = seen(ctx.store.holders(&asked.host_key()).await?, scope);
    match holders.as_slice() {
        [] => Err(not_held(asked)),
        [only] => {
            *resolved = Some(only.to_string());
            confirmed(ctx, cfg, asked, only, caller)
                .await?
                .ok_or_else(|| not_held(asked))
        }
        _ => {
            let holders: Vec<Holder> = holders
                .into_iter()
                .map(|name| Holder { name, opened: None })
                .collect();
            Err(ambiguous(asked, &holders))
        }
    }
}

/// The credentials `name` holds for `asked`, read from its authority;
/// `None` if it no longer holds them.
async fn confirmed<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    asked: &Registry,
    name: &SecretName,
    caller: Caller<'_>,
) -> Result<Option<Response>, ApiError> {
    let Some(stored) = ctx.store.fresh(&key(name)).await? else {
        return Ok(None);
    };
    answer(ctx, cfg, asked, name, &stored, caller).await
}

/// The secret's own expiry, if any.
fn expiry_of(stored: &Stored) -> Option<String> {
    SecretMeta::of(stored).expires_at.filter(|e| !e.is_empty())
}

fn credentials(name: &SecretName, expires_at: Option<String>, entry: &RegistryEntry) -> Response {
    Response::json(
        200,
        &RegistryCredentials {
            registry: entry.server.clone(),
            secret: name.to_string(),
            username: entry.credentials.username.clone(),
            password: entry.credentials.password.clone(),
            identitytoken: entry.identitytoken.clone(),
            expires_at,
        },
    )
}

/// `GET /v2/admin/pullableRegistries`: every registry the token may read,
/// with its secret and username, never a password (`docker-credential-regcred
/// list`). Every secret is opened: usernames are only in the values.
pub async fn every_registry<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    scope: Option<&Scope>,
) -> Result<Response, ApiError> {
    let everything = Window::all();
    let (names, _) = walk(ctx.store, PREFIX, everything, false, |k| {
        SecretName::parse(k.name.strip_prefix(PREFIX)?)
            .ok()
            .filter(|n| sees(scope, n.as_str()))
    })
    .await?;
    let mut resources = Vec::new();
    for name in names {
        let Some(stored) = ctx.store.get(&key(&name)).await? else {
            continue;
        };
        let parsed = match parse_content(&open(cfg, &name, &stored)?) {
            Ok(Content::Static(parsed)) => parsed,
            Ok(Content::Brokered(source)) => {
                resources.push(RegistryUser {
                    registry: source.registry().to_owned(),
                    secret: name.to_string(),
                    username: shared::brokered::username(source.kind()).to_owned(),
                });
                continue;
            }
            Err(_) => continue,
        };
        for e in parsed.config.entries() {
            resources.push(RegistryUser {
                registry: e.server.clone(),
                secret: name.to_string(),
                username: e.credentials.username.clone(),
            });
        }
    }
    Ok(Response::json(
        200,
        &RegistryUsers {
            count: resources.len() as u64,
            resources,
        },
    ))
}

/// The `registry` query parameter, parsed.
fn asked_registry(query: &[(String, String)]) -> Result<Registry, ApiError> {
    let Some(raw) = param(query, "registry") else {
        return Err(ApiError::new(
            ErrorCode::InvalidQueryParameter,
            "the query parameter registry is missing; give the registry's server URL or host, e.g. ?registry=ghcr.io or ?registry=https://index.docker.io/v1/",
        )
        .with_target("registry"));
    };
    Registry::parse(raw).map_err(|e| {
        ApiError::new(ErrorCode::InvalidQueryParameter, format!("registry: {e}"))
            .with_target("registry")
    })
}

/// Whether a stored server key names the asked registry.
fn names(server: &str, asked: &Registry) -> bool {
    Registry::parse(server).is_ok_and(|r| r.same_registry(asked))
}

/// The secret's entry for the asked registry. A secret may hold one host
/// under two keys (`http://` and `https://`, two paths): the spelling that
/// was asked wins, else the first in server-key order.
fn entry_for<'a>(config: &'a DockerConfig, asked: &Registry) -> Option<&'a RegistryEntry> {
    let entries = config.entries();
    entries
        .iter()
        .find(|e| e.registry == *asked)
        .or_else(|| entries.iter().find(|e| e.registry.same_registry(asked)))
}

fn not_held(asked: &Registry) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!(
            "no secret this token may read holds credentials for {}; create one for it, or check the host and port asked for",
            asked.host_key()
        ),
    )
    .with_target("registry")
}

/// Names the candidates, never their credentials.
fn ambiguous(asked: &Registry, holders: &[Holder]) -> ApiError {
    let host = asked.host_key();
    let mut shown: Vec<String> = holders
        .iter()
        .take(NAMED_IN_MESSAGE)
        .map(|h| format!("\"{}\"", h.name))
        .collect();
    if holders.len() > NAMED_IN_MESSAGE {
        shown.push(format!("and {} more", holders.len() - NAMED_IN_MESSAGE));
    }
    let mut e = ApiError::new(
        ErrorCode::AmbiguousRegistry,
        format!(
            "{} secrets hold credentials for {host}: {}; pin one per registry in the CLI's config (regcred pin {host} <secret>) or read one by name (GET /v2/admin/dockerRegistrySecrets/<secret>/dockerconfigjson)",
            holders.len(),
            shown.join(", ")
        ),
    )
    .with_target("registry");
    e.details = holders
        .iter()
        .map(|h| ErrorDetail {
            code: "CandidateSecret".into(),
            message: h.name.to_string(),
        })
        .collect();
    e
}

/// Names where the stored document is wrong, not what it holds there.
fn unreadable(name: &SecretName, path: &str) -> ApiError {
    ApiError::new(
        ErrorCode::InternalError,
        format!("the stored secret \"{name}\" is not a valid .dockerconfigjson (at {path}); an editor should PATCH it"),
    )
}
