//! Validates create and modify bodies field by field, so each error names
//! the field it concerns (`target`) and says how to fix it.

use serde_json::{Map, Value};

use crate::api::EntryEditRequest;
use crate::api::{ApiError, ErrorCode};
use crate::dockerconfig::{parse_dockerconfigjson, ParsedConfig};
use crate::entry_edit::EntryEdit;
use crate::name::SecretName;
use crate::registry::Registry;
use crate::source::{parse_source, Source};
use crate::time::Timestamp;

pub const DCJ_FIELD: &str = ".dockerconfigjson";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCreate {
    pub name: SecretName,
    pub content: Content,
    pub expires_at: Option<Timestamp>,
}

/// What a secret holds: credentials as given, or a cloud credential to
/// mint them from at pull time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Static(ParsedConfig),
    Brokered(Source),
}

impl Content {
    /// Its registries' server keys, known before any mint.
    pub fn registries(&self) -> Vec<String> {
        match self {
            Content::Static(p) => p.config.registries(),
            Content::Brokered(s) => vec![s.registry().to_owned()],
        }
    }
}

/// What a PATCH does to the stored credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialChange {
    /// `data`: a whole new `.dockerconfigjson`.
    Replace(ParsedConfig),
    /// `entry`: one registry entry edited, the rest kept.
    Edit(EntryEdit),
    /// `source`: a whole new source (a rotated cloud key).
    Source(Source),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidModify {
    /// `None`: keep the stored credentials (only the expiry changes).
    pub change: Option<CredentialChange>,
    /// `None`: keep; `Some(None)`: clear; `Some(Some(t))`: set.
    pub expires_at: Option<Option<Timestamp>>,
}

/// `"expiresAt"`: absent → None, null → Some(None), a date → Some(Some(t)).
fn expiry(map: &Map<String, Value>) -> Result<Option<Option<Timestamp>>, ApiError> {
    match map.get("expiresAt") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Timestamp::parse(s)
            .map(|t| Some(Some(t)))
            .map_err(|e| body_error("expiresAt", format!("\"expiresAt\": {e}"))),
        Some(_) => Err(body_error(
            "expiresAt",
            "\"expiresAt\" must be an RFC 3339 date-time string or null".into(),
        )),
    }
}

const CREATE_SHAPE: &str = r#"{"name": "<secret name>", "data": {".dockerconfigjson": "<JSON text or base64 of it>"}} or {"name": "<secret name>", "source": {"type": "awsEcr" | "gcpServiceAccount" | "azureServicePrincipal", ...}}"#;
const MODIFY_SHAPE: &str = r#"{"data": {".dockerconfigjson": "<JSON text or base64 of it>"}}, {"entry": {"registry"?, "newRegistry"?, "username"?, "password"?, "email"?}} or {"source": {...}}"#;
const DATA_OR_SOURCE: &str = "send either \"data\" (a .dockerconfigjson) or \"source\" (a cloud credential that regcred mints registry credentials from), not both";
const DATA_SHAPE: &str = r#"{"data": {".dockerconfigjson": "<JSON text or base64 of it>"}} or {"source": {"type": ...}}"#;

fn body_error(target: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequestBody, message).with_target(target)
}

fn object(body: &[u8], shape: &str) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(body_error(
            "body",
            format!("the body must be a JSON object: {shape}"),
        )),
        Err(e) => Err(body_error(
            "body",
            format!("the body is not valid JSON ({e}); send {shape}"),
        )),
    }
}

fn no_unknown(
    map: &Map<String, Value>,
    allowed: &[&str],
    prefix: &str,
    shape: &str,
) -> Result<(), ApiError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(body_error(
            &format!("{prefix}{k}"),
            format!("unknown field \"{prefix}{k}\"; the body looks like {shape}"),
        )),
        None => Ok(()),
    }
}

/// Parses `{"name", "data": {".dockerconfigjson"}}` or `{"name", "source"}`.
/// `allow_loopback` is `REGCRED_ALLOW_HTTP_LOOPBACK` (a source's hosts).
pub fn parse_create(body: &[u8], allow_loopback: bool) -> Result<ValidCreate, ApiError> {
    parse_create_named(body, allow_loopback).1
}

/// Parses a create body once, and also answers the name it asked for, as
/// sent, even when the body is refused: the audit trail names the secret a
/// refused create was for.
pub fn parse_create_named(
    body: &[u8],
    allow_loopback: bool,
) -> (Option<String>, Result<ValidCreate, ApiError>) {
    match object(body, CREATE_SHAPE) {
        Err(e) => (None, Err(e)),
        Ok(map) => {
            let asked = map.get("name").and_then(Value::as_str).map(str::to_owned);
            (asked, create_from(&map, allow_loopback))
        }
    }
}

fn create_from(map: &Map<String, Value>, allow_loopback: bool) -> Result<ValidCreate, ApiError> {
    no_unknown(
        map,
        &["name", "data", "source", "expiresAt"],
        "",
        CREATE_SHAPE,
    )?;
    let name = match map.get("name") {
        Some(Value::String(s)) => SecretName::parse(s).map_err(|e| {
            ApiError::new(ErrorCode::InvalidSecretName, e.to_string()).with_target("name")
        })?,
        Some(_) => return Err(body_error("name", "\"name\" must be a string".into())),
        None => {
            return Err(body_error(
                "name",
                format!("\"name\" is missing; send {CREATE_SHAPE}"),
            ))
        }
    };
    let content = match (map.get("data"), map.get("source")) {
        (Some(_), Some(_)) => return Err(body_error("source", DATA_OR_SOURCE.into())),
        (None, Some(source)) => Content::Brokered(parse_source(source, allow_loopback)?),
        (data, None) => Content::Static(parse_data(data, CREATE_SHAPE)?),
    };
    let expires_at = expiry(map)?.flatten();
    Ok(ValidCreate {
        name,
        content,
        expires_at,
    })
}

/// Parses `{"data": {".dockerconfigjson"}}`, `{"entry"}` or `{"source"}`; a
/// `name` other than the secret's own is refused, because names never change.
pub fn parse_modify(
    body: &[u8],
    name: &SecretName,
    allow_loopback: bool,
) -> Result<ValidModify, ApiError> {
    let map = object(body, MODIFY_SHAPE)?;
    match map.get("name") {
        Some(Value::String(s)) if s == name.as_str() => {}
        Some(_) => {
            let msg = format!(
                "a secret's name cannot change; create a new secret instead of renaming \"{name}\""
            );
            return Err(ApiError::new(ErrorCode::NameIsImmutable, msg).with_target("name"));
        }
        None => {}
    }
    no_unknown(
        &map,
        &["name", "data", "entry", "source", "expiresAt"],
        "",
        MODIFY_SHAPE,
    )?;
    let expires_at = expiry(&map)?;
    if let Some(source) = map.get("source") {
        if map.contains_key("data") || map.contains_key("entry") {
            return Err(body_error(
                "source",
                "send \"source\" alone: it replaces the whole source; \"data\" and \"entry\" change a .dockerconfigjson".into(),
            ));
        }
        let change = Some(CredentialChange::Source(parse_source(
            source,
            allow_loopback,
        )?));
        return Ok(ValidModify { change, expires_at });
    }
    let change = match (map.get("data"), map.get("entry"), expires_at) {
        (Some(_), Some(_), _) => {
            return Err(body_error(
                "entry",
                "send either \"data\" (a whole new .dockerconfigjson) or \"entry\" (a change to one registry), not both".into(),
            ))
        }
        (None, Some(entry), _) => Some(CredentialChange::Edit(parse_entry(entry)?)),
        (None, None, Some(_)) => None,
        (data, None, _) => Some(CredentialChange::Replace(parse_data(data, MODIFY_SHAPE)?)),
    };
    Ok(ValidModify { change, expires_at })
}

fn registry_field(raw: Option<String>, field: &str) -> Result<Option<Registry>, ApiError> {
    raw.map(|r| {
        Registry::parse(&r).map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidRequestBody,
                format!("\"entry\".\"{field}\": {e}"),
            )
            .with_target(format!("entry.{field}"))
        })
    })
    .transpose()
}

/// `entry`: which registry entry changes, and what of it.
fn parse_entry(value: &Value) -> Result<EntryEdit, ApiError> {
    const SHAPE: &str =
        r#"{"entry": {"registry"?, "newRegistry"?, "username"?, "password"?, "email"?}}"#;
    let raw: EntryEditRequest = serde_json::from_value(value.clone()).map_err(|e| {
        // serde quotes a value of the wrong type, and it may be a password.
        let why = match e.classify() {
            serde_json::error::Category::Data if e.to_string().starts_with("invalid type") => {
                "every field is a string (\"email\" may be null)".to_owned()
            }
            _ => e.to_string(),
        };
        body_error("entry", format!("\"entry\": {why}; send {SHAPE}"))
    })?;
    let edit = EntryEdit {
        registry: registry_field(raw.registry, "registry")?,
        new_registry: registry_field(raw.new_registry, "newRegistry")?,
        username: raw.username,
        password: raw.password,
        email: raw.email,
    };
    if edit.is_empty() {
        return Err(body_error(
            "entry",
            format!("\"entry\" changes nothing; name what changes: {SHAPE}"),
        ));
    }
    Ok(edit)
}

/// Parses `{"data": {".dockerconfigjson"}}` or `{"source": {...}}` alone
/// (the login check's dry run).
pub fn parse_check_body(body: &[u8], allow_loopback: bool) -> Result<Content, ApiError> {
    let map = object(body, DATA_SHAPE)?;
    no_unknown(&map, &["data", "source"], "", DATA_SHAPE)?;
    match (map.get("data"), map.get("source")) {
        (Some(_), Some(_)) => Err(body_error("source", DATA_OR_SOURCE.into())),
        (None, Some(source)) => Ok(Content::Brokered(parse_source(source, allow_loopback)?)),
        (data, None) => Ok(Content::Static(parse_data(data, DATA_SHAPE)?)),
    }
}

fn parse_data(data: Option<&Value>, shape: &str) -> Result<ParsedConfig, ApiError> {
    let data = match data {
        Some(Value::Object(d)) => d,
        Some(_) => {
            return Err(body_error(
                "data",
                format!("\"data\" must be an object: {shape}"),
            ))
        }
        None => {
            return Err(body_error(
                "data",
                format!("\"data\" is missing; send {shape}"),
            ))
        }
    };
    no_unknown(data, &[DCJ_FIELD], "data.", shape)?;
    let raw =
        match data.get(DCJ_FIELD) {
            Some(Value::String(s)) => s,
            Some(_) => return Err(body_error(
                "data..dockerconfigjson",
                "\"data\".\".dockerconfigjson\" must be a string (the JSON text, or base64 of it)"
                    .into(),
            )),
            None => {
                return Err(body_error(
                    "data..dockerconfigjson",
                    format!("\"data\".\".dockerconfigjson\" is missing; send {shape}"),
                ))
            }
        };
    parse_dockerconfigjson(raw).map_err(config_error)
}

pub use crate::api::config_error;

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"auths":{"r.io":{"auth":"YTpi"}}}"#;

    fn create(body: &str) -> Result<ValidCreate, ApiError> {
        parse_create(body.as_bytes(), false)
    }

    fn target(r: Result<ValidCreate, ApiError>) -> (ErrorCode, String) {
        let e = r.unwrap_err();
        (e.code, e.target.unwrap_or_default())
    }

    #[test]
    fn accepts_a_good_body() {
        let body = serde_json::json!({"name": "my-secret", "data": {".dockerconfigjson": GOOD}});
        let v = create(&body.to_string()).unwrap();
        assert_eq!(v.name.as_str(), "my-secret");
        assert_eq!(v.content.registries(), vec!["r.io"]);
    }

    #[test]
    fn each_error_names_its_field() {
        use ErrorCode::*;
        let dcj = serde_json::to_string(GOOD).unwrap();
        let cases = [
            ("not json", InvalidRequestBody, "body"),
            ("[1]", InvalidRequestBody, "body"),
            (r#"{"data":{}}"#, InvalidRequestBody, "name"),
            (r#"{"name":5}"#, InvalidRequestBody, "name"),
            (r#"{"name":"Bad"}"#, InvalidSecretName, "name"),
            (r#"{"name":"ok","extra":1}"#, InvalidRequestBody, "extra"),
            (r#"{"name":"ok"}"#, InvalidRequestBody, "data"),
            (
                r#"{"name":"ok","data":{}}"#,
                InvalidRequestBody,
                "data..dockerconfigjson",
            ),
            (
                r#"{"name":"ok","data":{".dockerconfigjson":1}}"#,
                InvalidRequestBody,
                "data..dockerconfigjson",
            ),
            (
                r#"{"name":"ok","data":{"x":"y"}}"#,
                InvalidRequestBody,
                "data.x",
            ),
            (
                r#"{"name":"ok","data":{".dockerconfigjson":"{\"auths\":{\"r.io\":{}}}"}}"#,
                InvalidDockerConfigJson,
                r#"data..dockerconfigjson.auths["r.io"]"#,
            ),
        ];
        for (body, code, tgt) in cases {
            assert_eq!(target(create(body)), (code, tgt.to_string()), "{body}");
        }
        let ok = format!(r#"{{"name":"ok","data":{{".dockerconfigjson":{dcj}}}}}"#);
        assert!(create(&ok).is_ok());
    }

    #[test]
    fn modify_refuses_a_new_name() {
        let name = SecretName::parse("mine").unwrap();
        let body = |n: &str| {
            format!(
                r#"{{"name":"{n}","data":{{".dockerconfigjson":{}}}}}"#,
                serde_json::to_string(GOOD).unwrap()
            )
        };
        assert!(parse_modify(body("mine").as_bytes(), &name, false).is_ok());
        let e = parse_modify(body("other").as_bytes(), &name, false).unwrap_err();
        assert_eq!(
            (e.code, e.target.as_deref()),
            (ErrorCode::NameIsImmutable, Some("name"))
        );
    }

    #[test]
    fn a_source_instead_of_data_and_never_both() {
        let src = serde_json::json!({"type": "awsEcr", "region": "eu-west-1",
            "accessKeyId": "AKIDEXAMPLE", "secretAccessKey": "k", "registryId": "123456789012"});
        let ok = serde_json::json!({"name": "ecr", "source": src}).to_string();
        let v = parse_create(ok.as_bytes(), false).unwrap();
        assert!(matches!(v.content, Content::Brokered(_)));
        assert_eq!(
            v.content.registries(),
            vec!["123456789012.dkr.ecr.eu-west-1.amazonaws.com"]
        );
        let both = serde_json::json!({"name": "ecr", "source": src,
            "data": {".dockerconfigjson": GOOD}})
        .to_string();
        let e = parse_create(both.as_bytes(), false).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("source"));
        let neither = r#"{"name":"ecr"}"#;
        let e = parse_create(neither.as_bytes(), false).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("data"));
        let name = SecretName::parse("ecr").unwrap();
        let patch = serde_json::json!({"source": src}).to_string();
        let m = parse_modify(patch.as_bytes(), &name, false).unwrap();
        assert!(matches!(m.change, Some(CredentialChange::Source(_))));
        let mixed = serde_json::json!({"source": src, "entry": {"password": "x"}}).to_string();
        assert!(parse_modify(mixed.as_bytes(), &name, false).is_err());
    }
}
