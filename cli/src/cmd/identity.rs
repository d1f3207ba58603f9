//! `regcred identity add | list | remove` (admin token): the trust rules
//! that let a CI job or a pod sign in with its own OIDC token.

use serde_json::{json, Value};
use shared::workload::{parse_rule, WorkloadIdentity, WorkloadIdentityList};

use crate::client::{encode, Api};
use crate::cmd::print;
use crate::error::{CliError, Result};
use crate::output::{table, Format};

const RULES: &str = "/v2/admin/workloadIdentities";

pub struct NewRule<'a> {
    pub label: &'a str,
    pub issuer: &'a str,
    pub audience: &'a str,
    pub jwks_uri: Option<&'a str>,
    pub claims: &'a [String],
    pub role: &'a str,
    pub scope: &'a [String],
}

pub fn add(api: &Api, r: NewRule<'_>, output: Format) -> Result<()> {
    let mut claims = serde_json::Map::new();
    for c in r.claims {
        let (name, glob) = c.split_once('=').ok_or_else(|| {
            CliError::usage(format!(
                "--claim {c:?} is not NAME=GLOB, e.g. repository=acme/team-a-*"
            ))
        })?;
        claims.insert(name.to_owned(), Value::String(glob.to_owned()));
    }
    let mut body = json!({"label": r.label, "issuer": r.issuer, "audience": r.audience,
        "claims": claims, "role": r.role});
    if let Some(j) = r.jwks_uri {
        body["jwksUri"] = json!(j);
    }
    if !r.scope.is_empty() {
        body["scope"] = json!(r.scope);
    }
    // The server's rules, checked here first (loopback is the server's call).
    parse_rule(body.to_string().as_bytes(), true).map_err(|e| CliError::usage(e.message))?;
    let made: WorkloadIdentity = api.post(RULES, &body)?;
    let value = serde_json::to_value(&made).unwrap_or_default();
    print(
        output,
        &value,
        || format!("workload identity {} added ({})\n", made.id, r.label),
        || vec![made.id.clone()],
    )
}

pub fn list(api: &Api, output: Format) -> Result<()> {
    let all: WorkloadIdentityList = api.get(RULES)?;
    let value = serde_json::to_value(&all).unwrap_or_default();
    print(
        output,
        &value,
        || {
            table(
                &[
                    "id", "label", "issuer", "audience", "claims", "role", "scope",
                ],
                all.resources
                    .iter()
                    .map(|w| {
                        let r = &w.rule;
                        vec![
                            w.id.clone(),
                            r.label.clone(),
                            r.issuer.clone(),
                            r.audience.clone(),
                            r.claims_text(","),
                            r.role.as_str().to_owned(),
                            r.scope
                                .as_ref()
                                .map_or_else(|| "-".into(), |s| s.patterns().join(",")),
                        ]
                    })
                    .collect(),
            )
        },
        || all.resources.iter().map(|w| w.id.clone()).collect(),
    )
}

pub fn remove(api: &Api, id: &str) -> Result<()> {
    api.ok("DELETE", &format!("{RULES}/{}", encode(id)), None)?;
    println!("workload identity {id} removed");
    Ok(())
}
