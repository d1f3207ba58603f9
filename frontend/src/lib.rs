//! regcred's browser console. Only this crate knows the DOM; every rule it
//! checks comes from `shared`.

pub mod api;
pub mod app;
