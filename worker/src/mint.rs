//! Mints a brokered secret's registry credential: drives `shared`'s steps
//! (`ecr`, `gcp`, `azure`) through the outbound fetch, every request under
//! the login check's rails (a vetted URL right before it is sent, no
//! redirects, a capped body, a timeout: the fetch enforces the last three).

use shared::address;
use shared::login::{ProbeRequest, ProbeResponse, REQUEST_TIMEOUT_MS};
use shared::mint::{MintError, MintRequest, Minted};
use shared::source::{Source, SourceType};
use shared::time::Timestamp;
use shared::{azure, ecr, gcp, sigv4};

use crate::ctx::{Fetch, SignRs256};

/// What a mint may use.
pub struct Minting<'a> {
    pub fetch: Fetch<'a>,
    pub sign: SignRs256<'a>,
    /// `REGCRED_ALLOW_HTTP_LOOPBACK`.
    pub allow_loopback: bool,
    /// Epoch milliseconds: the mint's own clock, for the deadline.
    pub now_ms: i64,
}

/// One request of a mint; an answer's status and body, or why none came.
async fn send(
    m: &Minting<'_>,
    provider: SourceType,
    req: MintRequest,
) -> Result<(u16, String), MintError> {
    if let Err(why) = address::vet_url(&req.url, m.allow_loopback) {
        return Err(MintError::new(provider, "notAllowed", why.message));
    }
    let mut probe = ProbeRequest::from(req);
    probe.deadline_ms = Some(m.now_ms + REQUEST_TIMEOUT_MS);
    match (m.fetch)(probe).await {
        ProbeResponse::Answer { status, body, .. } => Ok((status, body)),
        ProbeResponse::Failed(f) => Err(MintError::new(provider, "unreachable", f.detail)),
    }
}

/// A registry's API origin, as the login check reaches it: https unless
/// its address says http (loopback only, which the rails enforce).
fn registry_base(registry: &str) -> String {
    shared::Registry::parse(registry)
        .map_or_else(|_| format!("https://{registry}"), |r| r.api_base())
}

/// Mints the credential `source` describes, at `now`.
pub async fn mint(m: &Minting<'_>, source: &Source, now: Timestamp) -> Result<Minted, MintError> {
    match source {
        Source::AwsEcr(s) => {
            let req = ecr::request(s, &sigv4::amz_date(now));
            let (status, body) = send(m, SourceType::AwsEcr, req).await?;
            ecr::parse_answer(status, &body)
        }
        Source::Gcp(s) => {
            let kind = SourceType::GcpServiceAccount;
            let der = gcp::private_key_der(s).ok_or_else(|| {
                MintError::new(
                    kind,
                    "badKey",
                    "the key file's private_key is not base64 PEM",
                )
            })?;
            let input = gcp::signing_input(s, now);
            let signature = (m.sign)(der, input.clone().into_bytes())
                .await
                .map_err(|why| MintError::new(kind, "badKey", why))?;
            let (status, body) = send(m, kind, gcp::request(s, &input, &signature)).await?;
            gcp::parse_answer(status, &body, now)
        }
        Source::Azure(s) => {
            let kind = SourceType::AzureServicePrincipal;
            let (status, body) = send(m, kind, azure::token_request(s)).await?;
            let aad = azure::parse_token(status, &body, now)?;
            let exchange = azure::exchange_request(s, &registry_base(&s.registry), &aad);
            let (status, body) = send(m, kind, exchange).await?;
            azure::parse_exchange(status, &body)
        }
    }
}
