//! The create/edit form as plain state: what the user typed, which field is
//! wrong and why (rules from `shared`), and the `.dockerconfigjson` to send.

use serde_json::Value;
use shared::api::SecretStatus;

use crate::cloud::{Cloud, CloudForm};
pub use crate::field::{error_for, FieldError};
use shared::{
    parse_dockerconfigjson, Credentials, DockerConfig, ParsedConfig, Registry, RegistryEntry,
    SecretName,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    DockerHub,
    Private,
    /// A pasted raw `.dockerconfigjson`.
    Raw,
    /// Amazon ECR: minted from an IAM access key at pull time.
    Ecr,
    /// Google Artifact Registry / GCR: minted from a service account key.
    Gcp,
    /// Azure Container Registry: minted from a service principal.
    Acr,
}

impl Kind {
    /// The cloud a brokered kind mints from.
    pub fn cloud(self) -> Option<Cloud> {
        match self {
            Kind::Ecr => Some(Cloud::Ecr),
            Kind::Gcp => Some(Cloud::Gcp),
            Kind::Acr => Some(Cloud::Acr),
            _ => None,
        }
    }

    /// A username and password are typed (not pasted, not minted).
    pub fn typed(self) -> bool {
        matches!(self, Kind::DockerHub | Kind::Private)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialForm {
    pub kind: Kind,
    pub server: String,
    pub username: String,
    pub password: String,
    pub email: String,
    pub raw: String,
    /// Optional expiry, as typed (a date input gives YYYY-MM-DD).
    pub expires: String,
    /// The cloud source, for the brokered kinds.
    pub cloud: CloudForm,
}

pub fn name_error(name: &str) -> Option<String> {
    SecretName::parse(name).err().map(|e| e.to_string())
}

impl CredentialForm {
    /// The `.dockerconfigjson` this form describes, or every field error.
    pub fn check(&self) -> Result<ParsedConfig, Vec<FieldError>> {
        if self.kind == Kind::Raw {
            return parse_dockerconfigjson(&self.raw).map_err(|e| {
                vec![FieldError {
                    field: "raw",
                    message: e.to_string(),
                }]
            });
        }
        let registry = self.entry_fields(true)?;
        let entry = RegistryEntry::new(
            registry,
            Credentials {
                username: self.username.clone(),
                password: self.password.clone(),
            },
            Some(self.email.trim().to_owned()),
        );
        Ok(ParsedConfig {
            config: DockerConfig::single(entry),
            warnings: Vec::new(),
        })
    }

    /// The registry of the typed entry, once its fields pass; a password is
    /// needed unless an edit keeps the stored one.
    pub fn entry_fields(&self, need_password: bool) -> Result<Registry, Vec<FieldError>> {
        let mut errors = Vec::new();
        let registry = match self.kind {
            Kind::DockerHub => Some(Registry::DockerHub),
            _ => match Registry::parse(&self.server) {
                Ok(r) => Some(r),
                Err(e) => {
                    errors.push(FieldError {
                        field: "server",
                        message: e.to_string(),
                    });
                    None
                }
            },
        };
        if let Err(why) = shared::auth::check_username(&self.username) {
            errors.push(FieldError {
                field: "username",
                message: format!("the username {why}"),
            });
        }
        if need_password && self.password.is_empty() {
            errors.push(FieldError {
                field: "password",
                message: "the password (or access token) is required".into(),
            });
        }
        match registry {
            Some(r) if errors.is_empty() => Ok(r),
            _ => Err(errors),
        }
    }
}

impl CredentialForm {
    /// The expiry to send: None when left empty, or the field error.
    pub fn expiry(&self) -> Result<Option<String>, FieldError> {
        let t = self.expires.trim();
        if t.is_empty() {
            return Ok(None);
        }
        shared::time::Timestamp::parse(t)
            .map(|ts| Some(ts.to_string()))
            .map_err(|e| FieldError {
                field: "expires",
                message: e.to_string(),
            })
    }
}

/// What a save does to the stored expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpiryChange {
    Keep,
    Set(String),
    Clear,
}

impl CredentialForm {
    /// The expiry field as an edit: `stored` is the secret's expiry before
    /// it (RFC 3339), `None` when creating. The field shows only the date,
    /// so an untouched date keeps the stored time of day.
    pub fn expiry_change(&self, stored: Option<&str>) -> Result<ExpiryChange, FieldError> {
        let typed = self.expires.trim();
        match (stored, self.expiry()?) {
            (Some(s), Some(_)) if date_field(s) == typed => Ok(ExpiryChange::Keep),
            (_, Some(t)) => Ok(ExpiryChange::Set(t)),
            (Some(_), None) => Ok(ExpiryChange::Clear),
            (None, None) => Ok(ExpiryChange::Keep),
        }
    }
}

impl CredentialForm {
    /// The edit form of a stored secret's entry `at` (in `users`, what GET
    /// shows of each registry: its server key, username and email, never a
    /// password): those pre-filled, and the expiry; the password starts
    /// empty, and left empty it is kept.
    pub fn for_stored(status: &SecretStatus, at: usize) -> CredentialForm {
        let mut form = CredentialForm {
            expires: status
                .expires_at
                .as_deref()
                .map(date_field)
                .unwrap_or_default(),
            ..Default::default()
        };
        let login = status.users.get(at);
        let registry = login
            .map(|l| l.registry.as_str())
            .or(match status.registries.as_slice() {
                [only] => Some(only.as_str()),
                _ => None,
            });
        match registry.map(|r| (r, Registry::parse(r))) {
            Some((_, Ok(r))) if r.is_docker_hub() => form.kind = Kind::DockerHub,
            Some((text, Ok(_))) => {
                form.kind = Kind::Private;
                form.server = text.to_owned();
            }
            _ => {}
        }
        if let Some(l) = login {
            form.username = l.username.clone();
            form.email = l.email.clone().unwrap_or_default();
        }
        // A brokered secret: its cloud and identifiers; the key is typed
        // again to rotate it (it is never shown).
        if let Some(src) = &status.source {
            use shared::source::SourceType;
            form.kind = match src.kind {
                SourceType::AwsEcr => Kind::Ecr,
                SourceType::GcpServiceAccount => Kind::Gcp,
                SourceType::AzureServicePrincipal => Kind::Acr,
            };
            form.cloud = CloudForm {
                registry: src.registry.clone(),
                region: src.region.clone().unwrap_or_default(),
                access_key_id: src.access_key_id.clone().unwrap_or_default(),
                tenant: src.tenant_id.clone().unwrap_or_default(),
                client_id: src.client_id.clone().unwrap_or_default(),
                ..CloudForm::default()
            };
        }
        form
    }
}

/// A stored expiry as a date input's value (YYYY-MM-DD).
pub fn date_field(rfc3339: &str) -> String {
    rfc3339.get(..10).unwrap_or(rfc3339).to_owned()
}

/// The JSON that will be stored, with every credential masked.
pub fn masked_preview(config: &DockerConfig) -> String {
    let mut v: Value = serde_json::from_slice(config.to_json().as_bytes()).unwrap_or(Value::Null);
    if let Some(auths) = v.get_mut("auths").and_then(Value::as_object_mut) {
        for entry in auths.values_mut().filter_map(Value::as_object_mut) {
            for key in ["password", "auth", "identitytoken", "registrytoken"] {
                if let Some(field) = entry.get_mut(key) {
                    *field = Value::String("••••••••".into());
                }
            }
        }
    }
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(user: &str, pw: &str) -> CredentialForm {
        CredentialForm {
            username: user.into(),
            password: pw.into(),
            ..Default::default()
        }
    }

    #[test]
    fn docker_hub_fills_the_canonical_server() {
        let c = hub("bob", "pw").check().unwrap();
        assert_eq!(c.config.registries(), vec!["https://index.docker.io/v1/"]);
    }

    #[test]
    fn private_needs_a_valid_url_and_reports_every_field() {
        let f = CredentialForm {
            kind: Kind::Private,
            server: "bad host".into(),
            ..Default::default()
        };
        let errs = f.check().unwrap_err();
        assert!(error_for(&errs, "server").unwrap().contains("space"));
        assert!(error_for(&errs, "username").is_some());
        assert!(error_for(&errs, "password").is_some());
    }

    #[test]
    fn raw_json_errors_carry_the_path() {
        let f = CredentialForm {
            kind: Kind::Raw,
            raw: r#"{"auths":{"r.io":{}}}"#.into(),
            ..Default::default()
        };
        let errs = f.check().unwrap_err();
        assert!(error_for(&errs, "raw")
            .unwrap()
            .contains(r#"$.auths["r.io"]"#));
    }

    #[test]
    fn preview_masks_credentials() {
        let c = hub("bob", "hunter2").check().unwrap();
        let p = masked_preview(&c.config);
        assert!(p.contains("bob") && !p.contains("hunter2") && !p.contains("Ym9i"));
    }

    #[test]
    fn expiry_is_optional_and_checked() {
        let mut f = hub("bob", "pw");
        assert_eq!(f.expiry(), Ok(None));
        f.expires = "2026-12-31".into();
        assert_eq!(f.expiry(), Ok(Some("2026-12-31T00:00:00Z".into())));
        f.expires = "soon".into();
        assert_eq!(f.expiry().unwrap_err().field, "expires");
    }

    #[test]
    fn an_edit_keeps_sets_or_clears_the_expiry() {
        let at = "2027-03-04T15:30:00Z";
        let stored = Some(at);
        let mut f = hub("bob", "pw");
        f.expires = date_field(at);
        assert_eq!(f.expires, "2027-03-04");
        assert_eq!(f.expiry_change(stored), Ok(ExpiryChange::Keep));
        f.expires = "2027-05-06".into();
        assert_eq!(
            f.expiry_change(stored),
            Ok(ExpiryChange::Set("2027-05-06T00:00:00Z".into()))
        );
        f.expires.clear();
        assert_eq!(f.expiry_change(stored), Ok(ExpiryChange::Clear));
        assert_eq!(f.expiry_change(None), Ok(ExpiryChange::Keep));
        f.expires = "later".into();
        assert_eq!(f.expiry_change(stored).unwrap_err().field, "expires");
    }

    #[test]
    fn an_edit_starts_from_what_is_stored() {
        let mut status: SecretStatus = serde_json::from_value(serde_json::json!({"name": "ci",
            "registries": ["registry.example.com:5000"], "createdAt": "", "modifiedAt": "",
            "expiresAt": "2027-03-04T15:30:00Z",
            "users": [{"registry": "registry.example.com:5000", "username": "ci", "email": "ci@example.com"}]}))
        .unwrap();
        let f = CredentialForm::for_stored(&status, 0);
        assert_eq!(
            (f.kind, f.server.as_str(), f.expires.as_str()),
            (Kind::Private, "registry.example.com:5000", "2027-03-04")
        );
        assert_eq!(
            (f.username.as_str(), f.email.as_str()),
            ("ci", "ci@example.com")
        );
        assert!(f.password.is_empty());
        status.registries = vec!["https://index.docker.io/v1/".into()];
        status.users.clear();
        status.expires_at = None;
        let f = CredentialForm::for_stored(&status, 0);
        assert_eq!((f.kind, f.expires.as_str()), (Kind::DockerHub, ""));
        assert!(f.username.is_empty());
    }

    #[test]
    fn several_registries_edit_the_chosen_one() {
        let status: SecretStatus = serde_json::from_value(serde_json::json!({"name": "ci",
            "registries": ["ghcr.io", "https://index.docker.io/v1/"], "createdAt": "", "modifiedAt": "",
            "users": [{"registry": "ghcr.io", "username": "octo"},
                      {"registry": "https://index.docker.io/v1/", "username": "hubby"}]}))
        .unwrap();
        let f = CredentialForm::for_stored(&status, 1);
        assert_eq!((f.kind, f.username.as_str()), (Kind::DockerHub, "hubby"));
        let f = CredentialForm::for_stored(&status, 0);
        assert_eq!(
            (f.kind, f.server.as_str(), f.username.as_str()),
            (Kind::Private, "ghcr.io", "octo")
        );
    }

    #[test]
    fn name_rule_is_shared() {
        assert!(name_error("ok-name").is_none());
        assert!(name_error("Bad").unwrap().contains("position 1"));
    }
}
