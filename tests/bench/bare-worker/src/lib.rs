//! A bare workers-rs 0.8 worker that answers one KV get. `cargo xtask bench`
//! builds it like ours (worker-build --release, the same wasm-opt and name
//! stripping), so the worker's size is judged against what workers-rs
//! itself costs, in the same run.
#![cfg(target_arch = "wasm32")]

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(_req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match env.kv("SECRETS")?.get("secret:bare").text().await? {
        Some(value) => Response::ok(value),
        None => Response::error("not found", 404),
    }
}
