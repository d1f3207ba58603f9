//! `.dockerconfigjson`: parse and validate (errors carry the JSON path),
//! and build it the way `kubectl create secret docker-registry` does.

use std::fmt;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::auth::{self, Credentials};
use crate::registry::Registry;

/// Largest `.dockerconfigjson` accepted, in bytes of JSON text.
pub const MAX_DOCKERCONFIGJSON_BYTES: usize = 64 * 1024;

/// Most registries one secret may hold. A pull secret names the registries
/// one deployment pulls from; more than this is a mistake to split up, and
/// every registry costs a login check and a metadata slot.
pub const MAX_REGISTRIES: usize = 100;

/// A problem in a JSON document, and where: `$.auths["ghcr.io"].auth`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub problem: String,
}

impl ConfigError {
    pub(crate) fn new(path: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

impl std::error::Error for ConfigError {}

/// Something accepted but worth telling the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigWarning {
    /// `auth` and `username`/`password` disagree; `auth` was used, as kubelet does.
    AuthMismatch { server: String },
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigWarning::AuthMismatch { server } => write!(
                f,
                "$.auths[{server:?}]: \"auth\" and \"username\"/\"password\" disagree; \"auth\" is used (as kubelet does)"
            ),
        }
    }
}

/// One registry's credentials, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryEntry {
    /// The key in `auths`: as written for a private registry, the canonical
    /// server key for Docker Hub (whatever spelling was used).
    pub server: String,
    pub registry: Registry,
    /// The effective credentials: from `auth` when present.
    pub credentials: Credentials,
    pub email: Option<String>,
    pub identitytoken: Option<String>,
    pub registrytoken: Option<String>,
}

impl RegistryEntry {
    pub fn new(registry: Registry, credentials: Credentials, email: Option<String>) -> Self {
        RegistryEntry {
            server: registry.server_key(),
            registry,
            credentials,
            email: email.filter(|e| !e.trim().is_empty()),
            identitytoken: None,
            registrytoken: None,
        }
    }
}

/// A valid `.dockerconfigjson`: at least one registry, each with credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerConfig {
    entries: Vec<RegistryEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedConfig {
    pub config: DockerConfig,
    pub warnings: Vec<ConfigWarning>,
}

impl DockerConfig {
    /// Fails when `entries` is empty (a secret without credentials is never
    /// made) or holds more than [`MAX_REGISTRIES`].
    pub fn new(mut entries: Vec<RegistryEntry>) -> Option<Self> {
        sort(&mut entries);
        (!entries.is_empty() && entries.len() <= MAX_REGISTRIES).then_some(DockerConfig { entries })
    }

    pub fn single(entry: RegistryEntry) -> Self {
        DockerConfig {
            entries: vec![entry],
        }
    }

    pub fn entries(&self) -> &[RegistryEntry] {
        &self.entries
    }

    /// Server keys, in document order.
    pub fn registries(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.server.clone()).collect()
    }

    /// The JSON text to store or hand to a deployer.
    pub fn to_json(&self) -> String {
        // Serializing our own plain structs to a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl Serialize for DockerConfig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Auths<'a>(&'a [RegistryEntry]);
        impl Serialize for Auths<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for e in self.0 {
                    map.serialize_entry(&e.server, e)?;
                }
                map.end()
            }
        }
        let mut st = s.serialize_struct("DockerConfig", 1)?;
        st.serialize_field("auths", &Auths(&self.entries))?;
        st.end()
    }
}

impl Serialize for RegistryEntry {
    // Field order of kubectl's DockerConfigEntry: username, password, email, auth.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Entry", 6)?;
        st.serialize_field("username", &self.credentials.username)?;
        st.serialize_field("password", &self.credentials.password)?;
        if let Some(email) = &self.email {
            st.serialize_field("email", email)?;
        }
        st.serialize_field(
            "auth",
            &auth::encode(&self.credentials.username, &self.credentials.password),
        )?;
        if let Some(t) = &self.identitytoken {
            st.serialize_field("identitytoken", t)?;
        }
        if let Some(t) = &self.registrytoken {
            st.serialize_field("registrytoken", t)?;
        }
        st.end()
    }
}

/// Longest email accepted (RFC 5321's path limit less the angle brackets).
pub const MAX_EMAIL: usize = 254;

/// An entry's optional `email`: `local@domain`, the domain a host name.
/// Registries ignore it (kubectl still writes it), so the rule is the shape
/// only, to catch a value typed into the wrong field. Returns the problem.
pub fn check_email(email: &str) -> Result<(), String> {
    let how = "write it as name@example.com, or leave it out (it is optional)";
    if email.chars().count() > MAX_EMAIL {
        return Err(format!(
            "is {} characters; an email has at most {MAX_EMAIL}",
            email.chars().count()
        ));
    }
    if let Some(pos) = email
        .chars()
        .position(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "has a space or control character at position {}; {how}",
            pos + 1
        ));
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(format!("is not an email address (it has no '@'); {how}"));
    };
    if local.is_empty() {
        return Err(format!("has nothing before the '@'; {how}"));
    }
    let labels_ok = !domain.is_empty()
        && domain.split('.').all(|l| {
            !l.is_empty()
                && l.chars().count() <= crate::registry::MAX_LABEL
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if !labels_ok {
        return Err(format!(
            "has no valid domain after the '@' (letters, digits and '-' between dots); {how}"
        ));
    }
    Ok(())
}

/// The API accepts the value as JSON text or as base64 of it; returns the JSON text.
pub fn decode_value(raw: &str) -> Result<String, ConfigError> {
    if raw.len() > MAX_DOCKERCONFIGJSON_BYTES * 2 {
        return Err(too_large(raw.len()));
    }
    let json_err = match serde_json::from_slice::<Value>(raw.as_bytes()) {
        Ok(_) => return Ok(raw.to_owned()),
        Err(e) => e,
    };
    let trimmed = raw.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') || trimmed.starts_with('"') {
        return Err(ConfigError::new("$", format!("not valid JSON: {json_err}")));
    }
    // The same tolerant base64 as auth tokens (padding optional, whitespace ignored).
    if let Ok(text) = auth::decode_base64_text(raw) {
        if serde_json::from_slice::<Value>(text.as_bytes()).is_ok() {
            return Ok(text);
        }
    }
    Err(ConfigError::new(
        "$",
        "is neither JSON text nor base64 of JSON text; paste the content of a .dockerconfigjson, e.g. {\"auths\": {\"registry.example.com\": {\"auth\": \"...\"}}}",
    ))
}

fn too_large(len: usize) -> ConfigError {
    ConfigError::new(
        "$",
        format!(
            "is {len} bytes; a .dockerconfigjson may be at most {MAX_DOCKERCONFIGJSON_BYTES} bytes"
        ),
    )
}

/// Parses a `.dockerconfigjson` value (JSON text or base64 of it) and checks
/// that every registry in it carries credentials. For what people send: every
/// rule holds, also those added since (an entry's email).
pub fn parse_dockerconfigjson(raw: &str) -> Result<ParsedConfig, ConfigError> {
    parse_with(raw, Rules::Input)
}

/// Reads a `.dockerconfigjson` stored before today's rules: an entry's
/// email is kept as it was, whatever its shape, so a secret saved with
/// `"email": "unused"` still opens and still serves its pullers. Everything
/// else is checked as [`parse_dockerconfigjson`] does.
pub fn parse_stored_dockerconfigjson(raw: &str) -> Result<ParsedConfig, ConfigError> {
    parse_with(raw, Rules::Stored)
}

/// Which rules an entry is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rules {
    /// New input: every rule.
    Input,
    /// A stored document: the email is not checked.
    Stored,
}

fn parse_with(raw: &str, rules: Rules) -> Result<ParsedConfig, ConfigError> {
    let text = decode_value(raw)?;
    if text.len() > MAX_DOCKERCONFIGJSON_BYTES {
        return Err(too_large(text.len()));
    }
    let root = parse_object(&text)?;
    let auths = match root.get("auths") {
        Some(Value::Object(a)) => a,
        Some(_) => return Err(ConfigError::new("$.auths", "must be an object of registry → credentials")),
        None => return Err(ConfigError::new(
            "$",
            "has no \"auths\"; a .dockerconfigjson looks like {\"auths\": {\"<registry>\": {\"username\": ..., \"password\": ...}}}",
        )),
    };
    if auths.is_empty() {
        return Err(ConfigError::new(
            "$.auths",
            "is empty; add at least one registry with credentials",
        ));
    }
    if auths.len() > MAX_REGISTRIES {
        return Err(ConfigError::new(
            "$.auths",
            format!(
                "has {} registries; a secret may hold at most {MAX_REGISTRIES}: split them into several secrets",
                auths.len()
            ),
        ));
    }
    let mut entries = Vec::with_capacity(auths.len());
    let mut warnings = Vec::new();
    for (server, value) in auths {
        match read_entry(server, value, rules)? {
            EntryRead::Credentials(entry, warning) => {
                if let Some(first) = entries.iter().find(|e: &&RegistryEntry| e.server == entry.server) {
                    return Err(ConfigError::new(
                        entry_path(server),
                        format!(
                            "names the same registry as {:?} ({}); keep one of them",
                            first.server, entry.server
                        ),
                    ));
                }
                warnings.extend(warning);
                entries.push(*entry);
            }
            EntryRead::NoCredentials => {
                return Err(ConfigError::new(
                    entry_path(server),
                    "has no credentials; give \"auth\" (base64 of username:password) or \"username\" and \"password\"",
                ))
            }
        }
    }
    sort(&mut entries);
    Ok(ParsedConfig {
        config: DockerConfig { entries },
        warnings,
    })
}

/// Entries in server-key order, as a JSON object reads back: canonicalizing
/// a Docker Hub key can move it, and what we generate must parse back equal.
fn sort(entries: &mut [RegistryEntry]) {
    entries.sort_by(|a, b| a.server.cmp(&b.server));
}

pub(crate) fn parse_object(text: &str) -> Result<Map<String, Value>, ConfigError> {
    match serde_json::from_slice::<Value>(text.as_bytes()) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(ConfigError::new(
            "$",
            format!("must be a JSON object, not {}", kind(&other)),
        )),
        Err(e) => Err(ConfigError::new("$", format!("not valid JSON: {e}"))),
    }
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `$.auths["ghcr.io"]`; a key with `user:password@` in it (which never
/// parses) is shown without them.
pub(crate) fn entry_path(server: &str) -> String {
    let shown = match server.rsplit_once('@') {
        Some((before, host)) => {
            let scheme = before.split_once("://").map_or("", |(s, _)| s);
            if scheme.is_empty() {
                format!("…@{host}")
            } else {
                format!("{scheme}://…@{host}")
            }
        }
        None => server.to_owned(),
    };
    format!("$.auths[{shown:?}]")
}

pub(crate) enum EntryRead {
    Credentials(Box<RegistryEntry>, Option<ConfigWarning>),
    /// `{}` or only an email: the credentials live elsewhere (a helper).
    NoCredentials,
}

/// Reads one `auths` entry. `auth` wins over `username`/`password`.
pub(crate) fn read_entry(
    server: &str,
    value: &Value,
    rules: Rules,
) -> Result<EntryRead, ConfigError> {
    let path = entry_path(server);
    let registry =
        Registry::parse(server).map_err(|e| ConfigError::new(path.clone(), e.to_string()))?;
    let obj = match value {
        Value::Object(o) => o,
        other => {
            return Err(ConfigError::new(
                path,
                format!("must be an object with credentials, not {}", kind(other)),
            ))
        }
    };
    let field = |name: &str| -> Result<Option<String>, ConfigError> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(ConfigError::new(
                format!("{path}.{name}"),
                format!("must be a string, not {}", kind(other)),
            )),
        }
    };
    let auth = field("auth")?.filter(|a| !a.trim().is_empty());
    let username = field("username")?.filter(|u| !u.is_empty());
    let password = field("password")?;
    let email = field("email")?.filter(|e| !e.is_empty());
    if let (Some(e), Rules::Input) = (&email, rules) {
        check_email(e).map_err(|why| ConfigError::new(format!("{path}.email"), why))?;
    }
    let identitytoken = field("identitytoken")?.filter(|t| !t.is_empty());
    let registrytoken = field("registrytoken")?.filter(|t| !t.is_empty());

    if auth.is_none() && username.as_deref().is_some_and(|u| u.contains(':')) {
        return Err(ConfigError::new(
            format!("{path}.username"),
            auth::COLON_IN_USERNAME,
        ));
    }
    let explicit = match (username, password) {
        (Some(u), Some(p)) => Some(Credentials {
            username: u,
            password: p,
        }),
        (Some(_), None) if auth.is_none() => {
            return Err(ConfigError::new(
                format!("{path}.password"),
                "is missing; \"username\" needs a \"password\"",
            ))
        }
        (None, Some(p)) if auth.is_none() && !p.is_empty() => {
            return Err(ConfigError::new(
                format!("{path}.username"),
                "is missing; \"password\" needs a \"username\"",
            ))
        }
        _ => None,
    };
    let (credentials, warning) = match (auth, explicit) {
        (Some(token), explicit) => {
            let decoded = auth::decode(&token)
                .map_err(|e| ConfigError::new(format!("{path}.auth"), e.to_string()))?;
            let warning = explicit
                .filter(|c| *c != decoded)
                .map(|_| ConfigWarning::AuthMismatch {
                    server: server.to_owned(),
                });
            (decoded, warning)
        }
        (None, Some(c)) => (c, None),
        (None, None) => return Ok(EntryRead::NoCredentials),
    };
    Ok(EntryRead::Credentials(
        Box::new(RegistryEntry {
            server: if registry.is_docker_hub() {
                registry.server_key()
            } else {
                server.to_owned()
            },
            registry,
            credentials,
            email,
            identitytoken,
            registrytoken,
        }),
        warning,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::B64;
    use base64::Engine;

    #[test]
    fn builds_what_kubectl_builds() {
        let entry = RegistryEntry::new(
            Registry::DockerHub,
            Credentials {
                username: "bob".into(),
                password: "pw".into(),
            },
            Some("bob@example.com".into()),
        );
        assert_eq!(
            DockerConfig::single(entry).to_json(),
            r#"{"auths":{"https://index.docker.io/v1/":{"username":"bob","password":"pw","email":"bob@example.com","auth":"Ym9iOnB3"}}}"#
        );
    }

    #[test]
    fn accepts_base64_of_the_json() {
        let json = r#"{"auths":{"r.io":{"auth":"Ym9iOnB3"}}}"#;
        let b64 = B64.encode(json);
        assert_eq!(decode_value(&b64).unwrap(), json);
        let parsed = parse_dockerconfigjson(&b64).unwrap();
        assert_eq!(parsed.config.registries(), vec!["r.io"]);
    }

    #[test]
    fn errors_carry_the_json_path() {
        let err = parse_dockerconfigjson(r#"{"auths":{"r.io":{"auth":"bad$"}}}"#).unwrap_err();
        assert_eq!(err.path, r#"$.auths["r.io"].auth"#);
        let err = parse_dockerconfigjson(r#"{"auths":{"r.io":{"username":5}}}"#).unwrap_err();
        assert_eq!(err.path, r#"$.auths["r.io"].username"#);
        let err = parse_dockerconfigjson(r#"{"auths":{"r.io":{}}}"#).unwrap_err();
        assert_eq!(err.path, r#"$.auths["r.io"]"#);
        let err = parse_dockerconfigjson(r#"{"auths":{"bad host":{"auth":"YTpi"}}}"#).unwrap_err();
        assert_eq!(err.path, r#"$.auths["bad host"]"#);
    }

    #[test]
    fn holds_at_most_max_registries() {
        let doc = |n: usize| {
            let auths: Vec<String> = (0..n)
                .map(|i| format!(r#""r{i}.example.com":{{"auth":"YTpi"}}"#))
                .collect();
            format!(r#"{{"auths":{{{}}}}}"#, auths.join(","))
        };
        let parsed = parse_dockerconfigjson(&doc(MAX_REGISTRIES)).unwrap();
        assert_eq!(parsed.config.entries().len(), MAX_REGISTRIES);
        let err = parse_dockerconfigjson(&doc(MAX_REGISTRIES + 1)).unwrap_err();
        assert_eq!(err.path, "$.auths");
        assert!(err.problem.contains("has 101 registries"), "{err}");
        assert!(err.problem.contains("at most 100"), "{err}");
        let entries = parsed.config.entries().to_vec();
        assert!(DockerConfig::new(entries.clone()).is_some());
        let mut more = entries;
        more.push(more[0].clone());
        assert_eq!(DockerConfig::new(more), None);
    }

    #[test]
    fn an_email_must_look_like_one_but_a_stored_one_still_opens() {
        let doc = r#"{"auths":{"r.io":{"auth":"YTpi","email":"unused"}}}"#;
        let err = parse_dockerconfigjson(doc).unwrap_err();
        assert_eq!(err.path, r#"$.auths["r.io"].email"#);
        assert!(err.problem.contains("no '@'"), "{err}");
        let stored = parse_stored_dockerconfigjson(doc).unwrap();
        assert_eq!(stored.config.entries()[0].email.as_deref(), Some("unused"));
        // What it writes back keeps it, and reads back the same way.
        let again = parse_stored_dockerconfigjson(&stored.config.to_json()).unwrap();
        assert_eq!(again.config, stored.config);
        for ok in ["a@b", "ci.bot+x@mail.example.com", "ü@bücher.de"] {
            assert_eq!(check_email(ok), Ok(()), "{ok}");
        }
        for bad in [
            "", "@x.io", "a@", "a@.io", "a@x..io", "a@-x.io", "a b@x.io", "a@x_y.io",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        assert!(check_email(&format!("a@{}.io", "x".repeat(260))).is_err());
    }

    #[test]
    fn a_path_never_shows_a_password_in_a_key() {
        assert_eq!(
            entry_path("https://user:pw@ghcr.io"),
            r#"$.auths["https://…@ghcr.io"]"#
        );
        assert_eq!(entry_path("u:pw@ghcr.io"), r#"$.auths["…@ghcr.io"]"#);
        assert_eq!(entry_path("ghcr.io"), r#"$.auths["ghcr.io"]"#);
    }

    #[test]
    fn rejects_oversized_documents() {
        let big = format!(
            r#"{{"auths":{{"r.io":{{"auth":"YTpi","email":"{}"}}}}}}"#,
            "x".repeat(MAX_DOCKERCONFIGJSON_BYTES)
        );
        let err = parse_dockerconfigjson(&big).unwrap_err();
        assert!(err.problem.contains("at most 65536 bytes"), "{err}");
    }
}
