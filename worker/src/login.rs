//! Registry login checks: run `shared::login::Probe` for each registry of a
//! stored secret (or of credentials not yet saved), fetching through `Ctx`.

use shared::address;
use shared::api::{ApiError, LoginCheckResponse};
use shared::brokered::Current;
use shared::login::{
    deadline_ms, LoginOutcome, LoginResult, Probe, Step, CHECK_BUDGET_MS, MAX_REGISTRIES_PER_CHECK,
};
use shared::requests::{parse_check_body, Content};
use shared::source::Source;
use shared::{DockerConfig, RegistryEntry};

use crate::config::Config;
use crate::ctx::Ctx;
use crate::http::Response;
use crate::mint::{mint, Minting};
use crate::store::Store;

/// More steps than any honest registry needs (https ping, http ping,
/// token, ping).
const MAX_STEPS: usize = 6;

fn not_checked(entry: &RegistryEntry, message: String) -> LoginOutcome {
    LoginOutcome {
        registry: entry.server.clone(),
        result: LoginResult::NotChecked,
        message,
    }
}

/// Logs in to the first [`MAX_REGISTRIES_PER_CHECK`] registries, one after
/// the other, all within [`CHECK_BUDGET_MS`] of the request's arrival: every
/// request carries that deadline, and once it has passed the rest are not
/// tried. Every URL passes the address rules right before `fetch`, whatever
/// the probe decided.
async fn probe_all<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    config: &DockerConfig,
) -> Result<Response, ApiError> {
    Ok(answer(probe(ctx, cfg, config).await))
}

/// The check's answer; its outcome (for the audit trail) is its result:
/// the first registry that did not say ok.
pub fn answer(checked: LoginCheckResponse) -> Response {
    let failed = checked.results.iter().find(|r| r.result != LoginResult::Ok);
    let outcome = failed.and_then(|r| serde_json::to_value(&r.result).ok());
    let mut resp = Response::json(200, &checked);
    resp.outcome = outcome.and_then(|v| v.as_str().map(str::to_owned));
    resp
}

/// Logs in to each registry of `config` (see `probe_all`).
pub async fn probe<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    config: &DockerConfig,
) -> LoginCheckResponse {
    let allow_http = cfg.allow_http_loopback;
    let deadline = Some(deadline_ms(ctx.now.epoch_ms()));
    let entries = config.entries();
    let mut results = Vec::with_capacity(entries.len());
    let mut out_of_time = false;
    for (i, entry) in entries.iter().enumerate() {
        if i >= MAX_REGISTRIES_PER_CHECK {
            results.push(not_checked(
                entry,
                format!(
                    "not checked: one login check covers at most {MAX_REGISTRIES_PER_CHECK} registries and this secret has {}; check the rest with POST /v2/admin/registryLoginChecks",
                    entries.len()
                ),
            ));
            continue;
        }
        if out_of_time {
            results.push(not_checked(
                entry,
                format!(
                    "not checked: the login check's {} s were used up before this registry's turn",
                    CHECK_BUDGET_MS / 1000
                ),
            ));
            continue;
        }
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
                Step::Send(mut req) => {
                    if let Err(why) = address::vet_url(&req.url, allow_http) {
                        break LoginOutcome {
                            registry: entry.server.clone(),
                            result: LoginResult::NotAllowed,
                            message: why.message,
                        };
                    }
                    req.deadline_ms = deadline;
                    steps += 1;
                    let resp = (ctx.fetch)(req).await;
                    step = probe.next(resp);
                }
            }
        };
        out_of_time |= outcome.result == LoginResult::NotChecked;
        results.push(outcome);
    }
    LoginCheckResponse { results }
}

/// `POST /v2/admin/dockerRegistrySecrets/{name}/check`
/// `POST /v2/admin/registryLoginChecks` with `{"data": {".dockerconfigjson"}}`
/// or `{"source"}`: a dry run for credentials not yet saved. A source is
/// minted for the check alone: nothing is kept.
pub async fn check_given<S: Store>(
    ctx: &Ctx<'_, S>,
    cfg: &Config,
    body: &[u8],
) -> Result<Response, ApiError> {
    let source = match parse_check_body(body, cfg.allow_http_loopback)? {
        Content::Static(parsed) => return probe_all(ctx, cfg, &parsed.config).await,
        Content::Brokered(source) => source,
    };
    let minting = Minting {
        fetch: ctx.fetch,
        sign: ctx.sign,
        allow_loopback: cfg.allow_http_loopback,
        now_ms: ctx.now.epoch_ms(),
    };
    let minted = mint(&minting, &source, ctx.now.timestamp())
        .await
        .map_err(|e| e.to_api())?;
    let current = Current::of(minted, ctx.now.timestamp());
    probe_all(ctx, cfg, &document(&current, &source)?).await
}

fn document(current: &Current, source: &Source) -> Result<DockerConfig, ApiError> {
    current.document(source).ok_or_else(|| {
        ApiError::new(
            shared::api::ErrorCode::InvalidRequestBody,
            format!(
                "the source's registry \"{}\" is not a registry address",
                source.registry()
            ),
        )
        .with_target("source.registry")
    })
}
