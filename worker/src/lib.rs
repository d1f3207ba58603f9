//! regcred's worker: a thin HTTP adapter over `shared`.
//!
//! Everything but `glue`, `durable` and `kv` is plain Rust and runs natively
//! in tests; those three are the only modules that touch workers-rs.

pub mod app;
pub mod audit;
pub mod config;
pub mod crypto;
mod durable;
mod glue;
pub mod http;
mod kv;
pub mod login;
pub mod secrets;
pub mod serial;
pub mod store;
pub mod tokens;
