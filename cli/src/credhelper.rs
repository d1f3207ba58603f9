//! `docker-credential-regcred`: the docker-credential-helpers protocol,
//! answered from regcred. `get` reads a server URL on stdin; `list` the
//! registries the token may read; `store` and `erase` refuse, because
//! regcred is managed through its API, not by `docker login`.

use std::io::Read;

use serde_json::json;
use shared::helper::{HelperAnswer, IDENTITY_TOKEN_USER, NOT_FOUND};
use shared::Registry;

use crate::client::Api;
use crate::error::{CliError, Result};
use crate::resolve;
use crate::settings;

/// Runs one verb; errors are printed on stdout, as the protocol wants.
pub fn run(verb: Option<&str>) -> Result<()> {
    match verb {
        Some("get") => get(),
        Some("list") => list(),
        Some("store") | Some("erase") => Err(CliError::new(
            "regcred is managed through its API: create, edit and delete secrets with `regcred secret`, not docker login/logout",
        )),
        Some("version") => {
            println!("docker-credential-regcred {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        _ => Err(CliError::usage("usage: docker-credential-regcred <get|list|store|erase|version>")),
    }
}

fn get() -> Result<()> {
    let mut server = String::new();
    std::io::stdin().read_to_string(&mut server)?;
    let server = server.trim();
    if Registry::parse(server).is_err() {
        return Err(CliError::new(NOT_FOUND));
    }
    let api = Api::new(settings::target()?);
    let Some(found) = resolve::credentials(&api, server)? else {
        return Err(CliError::new(NOT_FOUND));
    };
    let answer = match found.identitytoken {
        Some(token) => HelperAnswer {
            server_url: server.into(),
            username: IDENTITY_TOKEN_USER.into(),
            secret: token,
        },
        None => HelperAnswer {
            server_url: server.into(),
            username: found.username,
            secret: found.password,
        },
    };
    println!(
        "{}",
        serde_json::to_string(&answer).map_err(|e| CliError::new(e.to_string()))?
    );
    Ok(())
}

fn list() -> Result<()> {
    let api = Api::new(settings::target()?);
    let a = api.send("GET", "/v2/admin/pullableRegistries", None, &[])?;
    let listed: Vec<serde_json::Value> = match a.status {
        200 => a.json::<serde_json::Value>()?["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
        _ => return Err(a.into_error()),
    };
    let mut out = serde_json::Map::new();
    for item in listed {
        if let (Some(r), Some(u)) = (item["registry"].as_str(), item["username"].as_str()) {
            out.insert(r.to_owned(), json!(u));
        }
    }
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}
