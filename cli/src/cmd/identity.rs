//! `regcred identity add | list | remove` (admin token): the trust rules
//! that let a CI job or a pod sign in with its own OIDC token.

use serde_json::{json, Value};
use shared::workload::parse_rule;

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
    let made: Value = api.post(RULES, &body)?;
    print(
        output,
        &made,
        || {
            format!(
                "workload identity {} added ({})\n",
                made["id"].as_str().unwrap_or_default(),
                r.label
            )
        },
        || vec![made["id"].as_str().unwrap_or_default().to_owned()],
    )
}

pub fn list(api: &Api, output: Format) -> Result<()> {
    let all: Value = api.get(RULES)?;
    let rows = all["resources"].as_array().cloned().unwrap_or_default();
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or("-").to_owned();
    print(
        output,
        &all,
        || {
            table(
                &[
                    "id", "label", "issuer", "audience", "claims", "role", "scope",
                ],
                rows.iter()
                    .map(|r| {
                        let claims = r["claims"]
                            .as_object()
                            .map(|m| {
                                m.iter()
                                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                                    .collect::<Vec<_>>()
                                    .join(",")
                            })
                            .unwrap_or_default();
                        let scope = r["scope"]
                            .as_array()
                            .map(|s| {
                                s.iter()
                                    .filter_map(Value::as_str)
                                    .collect::<Vec<_>>()
                                    .join(",")
                            })
                            .unwrap_or_else(|| "-".into());
                        vec![
                            text(r, "id"),
                            text(r, "label"),
                            text(r, "issuer"),
                            text(r, "audience"),
                            claims,
                            text(r, "role"),
                            scope,
                        ]
                    })
                    .collect(),
            )
        },
        || rows.iter().map(|r| text(r, "id")).collect(),
    )
}

pub fn remove(api: &Api, id: &str) -> Result<()> {
    api.ok("DELETE", &format!("{RULES}/{}", encode(id)), None)?;
    println!("workload identity {id} removed");
    Ok(())
}
