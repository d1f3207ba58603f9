//! regcred's worker: a thin HTTP adapter over `shared`.
//!
//! Everything but `glue` and `kv` is plain Rust and runs natively in tests;
//! those two are the only modules that touch workers-rs.

pub mod app;
pub mod audit;
pub mod config;
pub mod crypto;
mod glue;
pub mod http;
mod kv;
pub mod login;
pub mod secrets;
pub mod store;
pub mod tokens;
