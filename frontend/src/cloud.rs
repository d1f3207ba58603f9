//! The cloud-source part of the create form as plain state: which cloud,
//! what was typed, and the `source` to send, checked by `shared` as you
//! type so each error lands next to its field. Keys stay in memory only.

use shared::api::SourceRequest;
use shared::source::parse_source;

use crate::field::FieldError;

/// Which cloud mints the credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Ecr,
    Gcp,
    Acr,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloudForm {
    /// ECR: optional; Google and Azure: the registry's address.
    pub registry: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub registry_id: String,
    /// The service account's JSON key file, pasted or dropped.
    pub key_file: String,
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
}

/// The form's field id for a `source.<field>` error target.
fn field_of(target: Option<&str>) -> &'static str {
    match target.and_then(|t| t.strip_prefix("source.")) {
        Some("region") => "region",
        Some("accessKeyId") => "access-key-id",
        Some("secretAccessKey") => "secret-access-key",
        Some("registryId") => "registry-id",
        Some("registry") => "cloud-registry",
        Some("serviceAccountKey") => "key-file",
        Some("tenantId") => "tenant",
        Some("clientId") => "client-id",
        Some("clientSecret") => "client-secret",
        _ => "form",
    }
}

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl CloudForm {
    /// Whether the key of `cloud` was typed: an edit without it keeps the
    /// stored source (its key is never shown, so it cannot be pre-filled).
    pub fn has_key(&self, cloud: Cloud) -> bool {
        let key = match cloud {
            Cloud::Ecr => &self.secret_access_key,
            Cloud::Gcp => &self.key_file,
            Cloud::Acr => &self.client_secret,
        };
        !key.trim().is_empty()
    }

    /// The `source` for `cloud`, or the first field error (the server's own
    /// rules, from `shared`; loopback is the server's to decide).
    pub fn source(&self, cloud: Cloud) -> Result<SourceRequest, Vec<FieldError>> {
        let request = match cloud {
            Cloud::Ecr => SourceRequest {
                kind: "awsEcr".into(),
                registry: some(&self.registry),
                region: some(&self.region),
                access_key_id: some(&self.access_key_id),
                secret_access_key: some(&self.secret_access_key),
                registry_id: some(&self.registry_id),
                ..SourceRequest::default()
            },
            Cloud::Gcp => SourceRequest {
                kind: "gcpServiceAccount".into(),
                registry: some(&self.registry),
                service_account_key: some(&self.key_file),
                ..SourceRequest::default()
            },
            Cloud::Acr => SourceRequest {
                kind: "azureServicePrincipal".into(),
                registry: some(&self.registry),
                tenant_id: some(&self.tenant),
                client_id: some(&self.client_id),
                client_secret: some(&self.client_secret),
                ..SourceRequest::default()
            },
        };
        let value = serde_json::to_value(&request).unwrap_or_default();
        match parse_source(&value, true) {
            Ok(_) => Ok(request),
            Err(e) => Err(vec![FieldError {
                field: field_of(e.target.as_deref()),
                message: e.message,
            }]),
        }
    }
}

/// What the form will store, for its preview: never the key.
pub fn preview(s: &SourceRequest) -> String {
    let provider = match s.kind.as_str() {
        "awsEcr" => "Amazon ECR",
        "gcpServiceAccount" => "Google",
        _ => "Azure",
    };
    let who = s
        .access_key_id
        .as_deref()
        .or(s.client_id.as_deref())
        .unwrap_or("the service account in the key file");
    format!(
        "A brokered secret: {provider} mints its registry credential at pull time,\nas {who}. The key is stored sealed and never shown."
    )
}

/// Where an API error's `target` belongs on the cloud form.
pub fn api_field(target: Option<&str>) -> Option<&'static str> {
    target
        .filter(|t| t.starts_with("source"))
        .map(|t| field_of(Some(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ecr_source_needs_its_fields_and_names_the_wrong_one() {
        let mut f = CloudForm {
            region: "eu-central-1".into(),
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "k".into(),
            registry_id: "123456789012".into(),
            ..CloudForm::default()
        };
        let s = f.source(Cloud::Ecr).unwrap();
        assert_eq!(s.kind, "awsEcr");
        f.region = "Frankfurt".into();
        let e = f.source(Cloud::Ecr).unwrap_err();
        assert_eq!(e[0].field, "region");
        f.region = "eu-central-1".into();
        f.registry_id.clear();
        assert_eq!(f.source(Cloud::Ecr).unwrap_err()[0].field, "cloud-registry");
    }

    #[test]
    fn a_google_key_must_be_a_key_file_for_googles_token_endpoint() {
        let f = CloudForm {
            registry: "europe-docker.pkg.dev".into(),
            key_file: "{}".into(),
            ..CloudForm::default()
        };
        assert_eq!(f.source(Cloud::Gcp).unwrap_err()[0].field, "key-file");
    }

    #[test]
    fn an_azure_source_names_its_registry_tenant_and_client() {
        let f = CloudForm {
            registry: "myreg.azurecr.io".into(),
            tenant: "t".into(),
            client_id: "c".into(),
            client_secret: "s".into(),
            ..CloudForm::default()
        };
        assert_eq!(f.source(Cloud::Acr).unwrap().kind, "azureServicePrincipal");
        assert_eq!(api_field(Some("source.tenantId")), Some("tenant"));
    }
}
