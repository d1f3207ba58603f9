//! A brokered secret's source: the long-lived cloud credential from which a
//! short-lived registry credential is minted at pull time (CONTRACT §8).
//! Parsed field by field, so each error names its field; the hosts a
//! credential may be sent to are pinned here, because a Google assertion, an
//! Azure client secret or a replayable SigV4 request must only ever reach
//! its own cloud.

use serde_json::{Map, Value};

use crate::address::{self, Kind, Scheme};
use crate::api::{ApiError, ErrorCode};
pub use crate::api::{SourceInfo, SourceType};
use crate::registry::Registry;

/// The only Google token endpoint a service-account key may name.
pub const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// Microsoft's sign-in hosts (public, US government, China).
pub const AZURE_AUTHORITIES: [&str; 3] = [
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.chinacloudapi.cn",
];
pub const AZURE_DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// Amazon ECR: an IAM access key allowed `ecr:GetAuthorizationToken`.
#[derive(Clone, PartialEq, Eq)]
pub struct EcrSource {
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// The registry's server key: `registry`, or the account's default.
    pub registry: String,
    /// Where GetAuthorizationToken is sent (`https://api.ecr.<region>.amazonaws.com`).
    pub endpoint: String,
}

/// Google Artifact Registry / GCR: a service account's JSON key.
#[derive(Clone, PartialEq, Eq)]
pub struct GcpSource {
    pub registry: String,
    pub client_email: String,
    pub private_key_id: String,
    /// PKCS #8 PEM, as Google writes it.
    pub private_key: String,
    pub token_uri: String,
    /// The key file as given, stored so a PATCH can show nothing changed.
    pub key_file: String,
}

/// Azure Container Registry: a service principal's client secret.
#[derive(Clone, PartialEq, Eq)]
pub struct AzureSource {
    pub registry: String,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// `https://login.microsoftonline.com` unless another of Microsoft's.
    pub authority_host: String,
}

/// A checked source.
#[derive(Clone, PartialEq, Eq)]
pub enum Source {
    AwsEcr(EcrSource),
    Gcp(GcpSource),
    Azure(AzureSource),
}

// Shows identifiers only: never a secret key, private key or client secret.
impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Source({:?})", self.info())
    }
}

impl Source {
    pub fn kind(&self) -> SourceType {
        match self {
            Source::AwsEcr(_) => SourceType::AwsEcr,
            Source::Gcp(_) => SourceType::GcpServiceAccount,
            Source::Azure(_) => SourceType::AzureServicePrincipal,
        }
    }

    /// The registry's server key, known before the first mint, so lookups
    /// by registry find the secret.
    pub fn registry(&self) -> &str {
        match self {
            Source::AwsEcr(s) => &s.registry,
            Source::Gcp(s) => &s.registry,
            Source::Azure(s) => &s.registry,
        }
    }

    /// Its identifiers, for list and get (no mint yet).
    pub fn info(&self) -> SourceInfo {
        let mut info = SourceInfo {
            kind: self.kind(),
            registry: self.registry().to_owned(),
            region: None,
            access_key_id: None,
            client_email: None,
            tenant_id: None,
            client_id: None,
            minted_at: None,
            minted_until: None,
        };
        match self {
            Source::AwsEcr(s) => {
                info.region = Some(s.region.clone());
                info.access_key_id = Some(s.access_key_id.clone());
            }
            Source::Gcp(s) => info.client_email = Some(s.client_email.clone()),
            Source::Azure(s) => {
                info.tenant_id = Some(s.tenant_id.clone());
                info.client_id = Some(s.client_id.clone());
            }
        }
        info
    }

    /// The stored form (sealed like any secret): the fields as sent.
    pub fn to_json(&self) -> String {
        let v = match self {
            Source::AwsEcr(s) => serde_json::json!({
                "type": "awsEcr", "region": s.region, "accessKeyId": s.access_key_id,
                "secretAccessKey": s.secret_access_key, "registry": s.registry,
                "endpoint": s.endpoint,
            }),
            Source::Gcp(s) => serde_json::json!({
                "type": "gcpServiceAccount", "registry": s.registry,
                "serviceAccountKey": s.key_file,
            }),
            Source::Azure(s) => serde_json::json!({
                "type": "azureServicePrincipal", "registry": s.registry,
                "tenantId": s.tenant_id, "clientId": s.client_id,
                "clientSecret": s.client_secret, "authorityHost": s.authority_host,
            }),
        };
        v.to_string()
    }
}

fn error(field: &str, message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequestBody, message).with_target(format!("source.{field}"))
}

/// A string field; `what` says what it holds, for the message.
fn text(map: &Map<String, Value>, field: &str, what: &str) -> Result<Option<String>, ApiError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Err(error(
            field,
            format!("\"source\".\"{field}\" is empty; give {what}"),
        )),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(error(
            field,
            format!("\"source\".\"{field}\" must be a string: {what}"),
        )),
    }
}

fn required(map: &Map<String, Value>, field: &str, what: &str) -> Result<String, ApiError> {
    text(map, field, what)?.ok_or_else(|| {
        error(
            field,
            format!("\"source\".\"{field}\" is missing; give {what}"),
        )
    })
}

fn no_unknown(map: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(error(
            k,
            format!(
                "unknown field \"source\".\"{k}\"; this source takes {}",
                allowed.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// An endpoint a cloud credential may be sent to: https on one of `hosts`
/// (or a subdomain, when `subdomains`), or, in tests only, a loopback
/// address over http or https. No path beyond `/`, no query.
fn pinned(
    url: &str,
    field: &str,
    hosts: &[&str],
    subdomains: bool,
    allow_loopback: bool,
    whose: &str,
) -> Result<String, ApiError> {
    let (target, tail) = address::parse_url(url)
        .map_err(|r| error(field, format!("\"source\".\"{field}\": {r}")))?;
    if !(tail.is_empty() || tail == "/") {
        return Err(error(
            field,
            format!(
                "\"source\".\"{field}\" is an origin only (scheme, host and port), without a path or query"
            ),
        ));
    }
    let kind = address::classify(&target.host).kind;
    if kind == Kind::Loopback && allow_loopback {
        return Ok(target.origin());
    }
    let host = target.host.to_string();
    let ours = hosts
        .iter()
        .any(|h| host == *h || (subdomains && host.ends_with(&format!(".{h}"))));
    if !ours || target.scheme != Scheme::Https || kind != Kind::Public {
        return Err(error(
            field,
            format!(
                "\"source\".\"{field}\" must be https on {whose} ({}); a cloud credential is only ever sent to its own cloud",
                hosts.join(", ")
            ),
        ));
    }
    Ok(target.origin())
}

fn registry_field(map: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    text(map, field, "the registry's address")?
        .map(|r| {
            Registry::parse(&r)
                .map(|reg| reg.server_key())
                .map_err(|e| error(field, format!("\"source\".\"{field}\": {e}")))
        })
        .transpose()
}

/// An AWS region: lowercase letters, digits and dashes (`eu-central-1`).
fn region(map: &Map<String, Value>) -> Result<String, ApiError> {
    let r = required(map, "region", "the AWS region, e.g. eu-central-1")?;
    let ok = r.len() <= 32
        && r.contains('-')
        && r.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        return Err(error(
            "region",
            format!("\"source\".\"region\" {r:?} is not an AWS region; write it like eu-central-1"),
        ));
    }
    Ok(r)
}

fn ecr(map: &Map<String, Value>, allow_loopback: bool) -> Result<EcrSource, ApiError> {
    no_unknown(
        map,
        &[
            "type",
            "region",
            "accessKeyId",
            "secretAccessKey",
            "registryId",
            "registry",
            "endpoint",
        ],
    )?;
    let region = region(map)?;
    let access_key_id = required(map, "accessKeyId", "the IAM access key id (AKIA...)")?;
    if !access_key_id.bytes().all(|b| b.is_ascii_alphanumeric()) || access_key_id.len() > 128 {
        return Err(error(
            "accessKeyId",
            "\"source\".\"accessKeyId\" holds only letters and digits (AKIA...)".into(),
        ));
    }
    let secret_access_key = required(map, "secretAccessKey", "the IAM secret access key")?;
    let registry_id = text(map, "registryId", "the 12-digit AWS account id")?;
    if let Some(id) = &registry_id {
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error(
                "registryId",
                "\"source\".\"registryId\" is the 12-digit AWS account id that owns the registry"
                    .into(),
            ));
        }
    }
    let registry = match (registry_field(map, "registry")?, registry_id) {
        (Some(r), _) => r,
        (None, Some(id)) => format!("{id}.dkr.ecr.{region}.amazonaws.com"),
        (None, None) => {
            return Err(error(
                "registry",
                "an ECR source names \"registry\" (the registry's address) or \"registryId\" (the account id), so pullers can find it before the first mint".into(),
            ))
        }
    };
    let endpoint = match text(map, "endpoint", "the ECR API endpoint")? {
        Some(e) => pinned(
            &e,
            "endpoint",
            &["amazonaws.com", "amazonaws.com.cn"],
            true,
            allow_loopback,
            "Amazon's domains",
        )?,
        None => format!("https://api.ecr.{region}.amazonaws.com"),
    };
    Ok(EcrSource {
        region,
        access_key_id,
        secret_access_key,
        registry,
        endpoint,
    })
}

fn gcp(map: &Map<String, Value>, allow_loopback: bool) -> Result<GcpSource, ApiError> {
    no_unknown(map, &["type", "registry", "serviceAccountKey"])?;
    let registry = registry_field(map, "registry")?.ok_or_else(|| {
        error(
            "registry",
            "\"source\".\"registry\" is missing; give the registry, e.g. europe-docker.pkg.dev"
                .into(),
        )
    })?;
    let key_file = required(
        map,
        "serviceAccountKey",
        "the service account's JSON key file, as text",
    )?;
    let key: Map<String, Value> = match serde_json::from_slice(key_file.as_bytes()) {
        Ok(Value::Object(m)) => m,
        _ => {
            return Err(error(
                "serviceAccountKey",
                "\"source\".\"serviceAccountKey\" is not a JSON key file; download one with `gcloud iam service-accounts keys create`".into(),
            ))
        }
    };
    let field = |name: &str| key.get(name).and_then(Value::as_str).map(str::to_owned);
    if field("type").as_deref() != Some("service_account") {
        return Err(error(
            "serviceAccountKey",
            "the key file's \"type\" is not \"service_account\"; give a service account's key"
                .into(),
        ));
    }
    let missing = |name: &str| {
        error(
            "serviceAccountKey",
            format!("the key file has no \"{name}\"; download the key again"),
        )
    };
    let client_email = field("client_email").ok_or_else(|| missing("client_email"))?;
    let private_key_id = field("private_key_id").ok_or_else(|| missing("private_key_id"))?;
    let private_key = field("private_key").ok_or_else(|| missing("private_key"))?;
    if !private_key.contains("-----BEGIN PRIVATE KEY-----") {
        return Err(error(
            "serviceAccountKey",
            "the key file's \"private_key\" is not a PKCS #8 PEM key; download the key again"
                .into(),
        ));
    }
    let token_uri = field("token_uri").unwrap_or_else(|| GOOGLE_TOKEN_URI.to_owned());
    let loopback = address::parse_url(&token_uri)
        .is_ok_and(|(t, _)| address::classify(&t.host).kind == Kind::Loopback);
    if token_uri != GOOGLE_TOKEN_URI && !(allow_loopback && loopback) {
        return Err(error(
            "serviceAccountKey",
            format!("the key file's \"token_uri\" must be {GOOGLE_TOKEN_URI}; a Google credential is only ever sent to Google"),
        ));
    }
    Ok(GcpSource {
        registry,
        client_email,
        private_key_id,
        private_key,
        token_uri,
        key_file,
    })
}

fn azure(map: &Map<String, Value>, allow_loopback: bool) -> Result<AzureSource, ApiError> {
    no_unknown(
        map,
        &[
            "type",
            "registry",
            "tenantId",
            "clientId",
            "clientSecret",
            "authorityHost",
        ],
    )?;
    let registry = registry_field(map, "registry")?.ok_or_else(|| {
        error(
            "registry",
            "\"source\".\"registry\" is missing; give the registry, e.g. myregistry.azurecr.io"
                .into(),
        )
    })?;
    let id_like = |field: &str, what: &str| -> Result<String, ApiError> {
        let v = required(map, field, what)?;
        if v.len() > 64
            || !v
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'))
        {
            return Err(error(
                field,
                format!("\"source\".\"{field}\" is {what}: letters, digits, '-' and '.'"),
            ));
        }
        Ok(v)
    };
    let tenant_id = id_like("tenantId", "the directory (tenant) id")?;
    let client_id = id_like("clientId", "the application (client) id")?;
    let client_secret = required(map, "clientSecret", "the service principal's client secret")?;
    let authority_host = match text(map, "authorityHost", "Microsoft's sign-in host")? {
        Some(a) => pinned(
            &a,
            "authorityHost",
            &AZURE_AUTHORITIES,
            false,
            allow_loopback,
            "Microsoft's sign-in hosts",
        )?,
        None => AZURE_DEFAULT_AUTHORITY.to_owned(),
    };
    Ok(AzureSource {
        registry,
        tenant_id,
        client_id,
        client_secret,
        authority_host,
    })
}

/// Parses `source` of a create or PATCH body. `allow_loopback` is
/// `REGCRED_ALLOW_HTTP_LOOPBACK` (tests only).
pub fn parse_source(value: &Value, allow_loopback: bool) -> Result<Source, ApiError> {
    let Value::Object(map) = value else {
        return Err(error(
            "type",
            "\"source\" must be an object with a \"type\": awsEcr, gcpServiceAccount or azureServicePrincipal".into(),
        ));
    };
    match map.get("type").and_then(Value::as_str) {
        Some("awsEcr") => ecr(map, allow_loopback).map(Source::AwsEcr),
        Some("gcpServiceAccount") => gcp(map, allow_loopback).map(Source::Gcp),
        Some("azureServicePrincipal") => azure(map, allow_loopback).map(Source::Azure),
        _ => Err(error(
            "type",
            "\"source\".\"type\" must be awsEcr, gcpServiceAccount or azureServicePrincipal".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(v: Value) -> (String, String) {
        let e = parse_source(&v, false).unwrap_err();
        (e.target.unwrap_or_default(), e.message)
    }

    #[test]
    fn an_ecr_source_names_its_registry_or_account() {
        let base = json!({"type": "awsEcr", "region": "eu-central-1", "accessKeyId": "AKIAEXAMPLE", "secretAccessKey": "s3cret/key"});
        let mut with_id = base.clone();
        with_id["registryId"] = json!("123456789012");
        let s = parse_source(&with_id, false).unwrap();
        assert_eq!(
            s.registry(),
            "123456789012.dkr.ecr.eu-central-1.amazonaws.com"
        );
        let Source::AwsEcr(e) = &s else { panic!() };
        assert_eq!(e.endpoint, "https://api.ecr.eu-central-1.amazonaws.com");
        assert!(!format!("{s:?}").contains("s3cret"));
        assert!(!serde_json::to_string(&s.info()).unwrap().contains("s3cret"));
        assert_eq!(refused(base.clone()).0, "source.registry");
    }

    #[test]
    fn cloud_credentials_only_go_to_their_cloud() {
        let ecr = |endpoint: &str| {
            json!({"type": "awsEcr", "region": "us-east-1", "accessKeyId": "AKIA1", "secretAccessKey": "k",
                "registryId": "123456789012", "endpoint": endpoint})
        };
        assert!(parse_source(&ecr("https://api.ecr.us-east-1.amazonaws.com"), false).is_ok());
        assert!(parse_source(&ecr("https://api.ecr.cn-north-1.amazonaws.com.cn"), false).is_ok());
        for bad in [
            "https://evil.example.com",
            "https://amazonaws.com.evil.example",
            "http://api.ecr.us-east-1.amazonaws.com",
            "https://api.ecr.us-east-1.amazonaws.com/x?y",
            "http://127.0.0.1:5000",
        ] {
            let (target, message) = refused(ecr(bad));
            assert_eq!(target, "source.endpoint", "{bad}");
            assert!(!message.contains("\"k\""), "{message}");
        }
        assert!(parse_source(&ecr("http://127.0.0.1:5000"), true).is_ok());
        let azure = |host: &str| {
            json!({"type": "azureServicePrincipal", "registry": "r.azurecr.io", "tenantId": "t-1",
                "clientId": "c-1", "clientSecret": "sec", "authorityHost": host})
        };
        assert!(parse_source(&azure("https://login.microsoftonline.us"), false).is_ok());
        assert_eq!(
            refused(azure("https://login.microsoftonline.com.evil.example")).0,
            "source.authorityHost"
        );
    }

    #[test]
    fn a_google_key_must_name_googles_token_endpoint() {
        let key = |uri: &str| {
            json!({"type": "service_account", "client_email": "puller@p.iam.gserviceaccount.com",
                "private_key_id": "abc", "private_key": "-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n",
                "token_uri": uri})
            .to_string()
        };
        let source = |uri: &str| json!({"type": "gcpServiceAccount", "registry": "europe-docker.pkg.dev", "serviceAccountKey": key(uri)});
        let s = parse_source(&source(GOOGLE_TOKEN_URI), false).unwrap();
        assert_eq!(
            s.info().client_email.as_deref(),
            Some("puller@p.iam.gserviceaccount.com")
        );
        assert_eq!(
            refused(source("https://oauth2.example.com/token")).0,
            "source.serviceAccountKey"
        );
        assert!(parse_source(&source("http://127.0.0.1:9000/token"), true).is_ok());
        assert!(parse_source(&source("http://127.0.0.1:9000/token"), false).is_err());
    }

    #[test]
    fn every_refusal_names_its_field() {
        assert_eq!(refused(json!({"type": "nope"})).0, "source.type");
        assert_eq!(refused(json!("x")).0, "source.type");
        assert_eq!(
            refused(json!({"type": "awsEcr", "region": "Europe", "accessKeyId": "A", "secretAccessKey": "k", "registryId": "123456789012"})).0,
            "source.region"
        );
        assert_eq!(
            refused(json!({"type": "azureServicePrincipal", "registry": "r.azurecr.io", "tenantId": "t", "clientId": "c", "clientSecret": "s", "extra": 1})).0,
            "source.extra"
        );
    }
}
