//! regcred's worker: a thin HTTP adapter over `shared`.
//!
//! `http` and `app` are plain Rust and tested natively; `glue` is the only
//! module that touches workers-rs.

pub mod app;
mod glue;
pub mod http;
