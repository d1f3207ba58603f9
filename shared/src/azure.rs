//! Azure Container Registry through a service principal (CONTRACT §8): the
//! client-credentials grant at Microsoft's sign-in host, then the
//! registry's `/oauth2/exchange` for an ACR refresh token. The registry
//! username is the zero GUID, the password the refresh token, whose expiry
//! is its JWT `exp`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

use crate::gcp::oauth_answer;
use crate::mint::{form, MintError, MintRequest, Minted};
use crate::source::{AzureSource, SourceType};
use crate::time::Timestamp;

/// The Resource Manager audience `az acr login` and External Secrets use.
pub const SCOPE: &str = "https://management.azure.com/.default";
pub const USERNAME: &str = "00000000-0000-0000-0000-000000000000";

fn refused(code: &str, message: &str) -> MintError {
    MintError::new(SourceType::AzureServicePrincipal, code, message)
}

const FORM: &str = "application/x-www-form-urlencoded";

/// Step one: the client-credentials grant.
pub fn token_request(src: &AzureSource) -> MintRequest {
    MintRequest {
        method: "POST",
        url: format!(
            "{}/{}/oauth2/v2.0/token",
            src.authority_host.trim_end_matches('/'),
            src.tenant_id
        ),
        headers: vec![("content-type".into(), FORM.into())],
        body: form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &src.client_id),
            ("client_secret", &src.client_secret),
            ("scope", SCOPE),
        ]),
    }
}

/// Step one's answer: the Entra ID access token.
pub fn parse_token(status: u16, body: &str, now: Timestamp) -> Result<String, MintError> {
    oauth_answer(SourceType::AzureServicePrincipal, status, body, now).map(|(t, _)| t)
}

/// Step two: the registry's exchange. `base` is the registry's origin as
/// the login check reaches it (`https://<name>.azurecr.io`).
pub fn exchange_request(src: &AzureSource, base: &str, aad_token: &str) -> MintRequest {
    MintRequest {
        method: "POST",
        url: format!("{}/oauth2/exchange", base.trim_end_matches('/')),
        headers: vec![("content-type".into(), FORM.into())],
        body: form(&[
            ("grant_type", "access_token"),
            ("service", registry_host(&src.registry)),
            ("tenant", &src.tenant_id),
            ("access_token", aad_token),
        ]),
    }
}

/// `name.azurecr.io` of a server key that may carry a scheme or path.
fn registry_host(registry: &str) -> &str {
    let rest = registry.split_once("://").map_or(registry, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// A JWT's `exp`, read without checking its signature: the registry that
/// issued it checks it; we only need to know when it runs out.
fn jwt_exp(token: &str) -> Option<Timestamp> {
    let payload = token.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    claims["exp"].as_i64().map(Timestamp::from_unix_seconds)
}

/// Step two's answer: `{"refresh_token"}`, its expiry its JWT `exp`.
pub fn parse_exchange(status: u16, body: &str) -> Result<Minted, MintError> {
    let v: Value = serde_json::from_slice(body.as_bytes()).unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        let code = v["errors"][0]["code"]
            .as_str()
            .or_else(|| v["error"].as_str())
            .unwrap_or("unexpectedAnswer");
        let why = v["errors"][0]["message"]
            .as_str()
            .or_else(|| v["error_description"].as_str())
            .map_or_else(
                || format!("HTTP {status} from the registry's exchange"),
                str::to_owned,
            );
        return Err(refused(code, &why));
    }
    let token = v["refresh_token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| refused("unreadableAnswer", "no refresh_token"))?;
    let expires_at = jwt_exp(token)
        .ok_or_else(|| refused("unreadableAnswer", "the refresh token has no readable exp"))?;
    Ok(Minted {
        username: USERNAME.into(),
        password: token.to_owned(),
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src() -> AzureSource {
        AzureSource {
            registry: "myreg.azurecr.io".into(),
            tenant_id: "tenant-1".into(),
            client_id: "client-1".into(),
            client_secret: "s3cret~x".into(),
            authority_host: "https://login.microsoftonline.com".into(),
        }
    }

    #[test]
    fn both_steps_send_what_microsoft_documents() {
        let t = token_request(&src());
        assert_eq!(
            t.url,
            "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"
        );
        assert_eq!(t.body, "grant_type=client_credentials&client_id=client-1&client_secret=s3cret~x&scope=https%3A%2F%2Fmanagement.azure.com%2F.default");
        assert!(!format!("{t:?}").contains("s3cret"));
        let x = exchange_request(&src(), "https://myreg.azurecr.io", "aad.token");
        assert_eq!(x.url, "https://myreg.azurecr.io/oauth2/exchange");
        assert_eq!(
            x.body,
            "grant_type=access_token&service=myreg.azurecr.io&tenant=tenant-1&access_token=aad.token"
        );
    }

    #[test]
    fn the_refresh_tokens_exp_is_its_expiry() {
        let claims = URL_SAFE_NO_PAD.encode(r#"{"exp":1796000000,"grant_type":"refresh_token"}"#);
        let token = format!("eyJhbGciOiJSUzI1NiJ9.{claims}.sig");
        let m = parse_exchange(200, &format!(r#"{{"refresh_token":"{token}"}}"#)).unwrap();
        assert_eq!(m.username, USERNAME);
        assert_eq!(m.expires_at, Timestamp::from_unix_seconds(1_796_000_000));
        let e = parse_exchange(
            401,
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, "UNAUTHORIZED");
        assert_eq!(
            parse_exchange(200, r#"{"refresh_token":"opaque"}"#)
                .unwrap_err()
                .code,
            "unreadableAnswer"
        );
        let now = Timestamp::parse("2026-12-06T00:00:00Z").unwrap();
        let e = parse_token(401, r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#, now).unwrap_err();
        assert!(e
            .to_string()
            .starts_with("Azure refused the mint: invalid_client"));
    }
}
