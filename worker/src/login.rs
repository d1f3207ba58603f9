//! Registry login checks: run `shared::login::Probe` for each registry of a
//! stored secret (or of credentials not yet saved), fetching through `Ctx`.

use shared::api::{ApiError, LoginCheckResponse};
use shared::login::{LoginOutcome, LoginResult, Probe, Step};
use shared::requests::parse_modify_data;
use shared::{parse_dockerconfigjson, DockerConfig, SecretName};

use crate::ctx::Ctx;
use crate::http::Response;
use crate::record::{load, open};
use crate::store::Store;

/// More steps than any honest registry needs (ping, token, ping).
const MAX_STEPS: usize = 6;

async fn probe_all<S: Store>(
    ctx: &Ctx<'_, S>,
    config: &DockerConfig,
) -> Result<Response, ApiError> {
    let allow_http = ctx.config()?.allow_http_loopback;
    let mut results = Vec::new();
    for entry in config.entries() {
        let (mut probe, mut step) =
            Probe::start(&entry.registry, entry.credentials.clone(), allow_http);
        let mut steps = 0;
        let outcome = loop {
            match step {
                Step::Done(o) => break o,
                Step::Send(_) if steps >= MAX_STEPS => {
                    break LoginOutcome {
                        registry: entry.server.clone(),
                        result: LoginResult::Unexpected,
                        message: "the registry kept asking for more steps; giving up".into(),
                    }
                }
                Step::Send(req) => {
                    steps += 1;
                    let resp = (ctx.fetch)(req).await;
                    step = probe.next(resp);
                }
            }
        };
        results.push(outcome);
    }
    Ok(Response::json(200, &LoginCheckResponse { results }))
}

/// `POST /v2/admin/dockerRegistrySecrets/{name}/check`
pub async fn check_stored<S: Store>(
    ctx: &Ctx<'_, S>,
    name: &SecretName,
) -> Result<Response, ApiError> {
    let stored = load(ctx, name).await?;
    let text = open(ctx, name, &stored)?;
    let parsed = parse_dockerconfigjson(&text).map_err(shared::requests::config_error)?;
    probe_all(ctx, &parsed.config).await
}

/// `POST /v2/admin/registryLoginChecks` with `{"data": {".dockerconfigjson"}}`:
/// a dry run for credentials not yet saved.
pub async fn check_given<S: Store>(ctx: &Ctx<'_, S>, body: &[u8]) -> Result<Response, ApiError> {
    let parsed = parse_modify_data(body)?;
    probe_all(ctx, &parsed.config).await
}
