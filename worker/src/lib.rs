//! regcred's worker: a thin HTTP adapter over `shared`.
//!
//! Everything but `glue`, `durable`, `kv` and `ratelimit` is plain Rust and
//! runs natively in tests; those four are the only modules that touch workers-rs.

pub mod app;
pub mod audit;
pub mod config;
pub mod crypto;
mod durable;
mod glue;
pub mod http;
mod kv;
pub mod login;
mod ratelimit;
pub mod secrets;
pub mod serial;
pub mod store;
pub mod throttle;
pub mod tokens;
