//! regcred's worker: a thin HTTP adapter over `shared`.
//!
//! Everything but `edge/` is plain Rust and runs natively in tests; `edge/`
//! is the only code that touches workers-rs.

pub mod app;
pub mod audit;
pub mod backup;
pub mod brokered;
pub mod config;
pub mod crypto;
pub mod ctx;
pub mod directory;
pub mod directory_room;
mod edge;
pub mod every_record;
pub mod history;
pub mod http;
pub mod identities;
pub mod keys;
pub mod keysets;
pub mod legacy_room;
pub mod list_item;
pub mod login;
pub mod managed;
pub mod mint;
pub mod name_state;
pub mod ops;
pub mod outbox;
pub mod paging;
pub mod preconditions;
pub mod record;
pub mod resolve;
pub mod rooms;
pub mod schedule;
pub mod secret_room;
pub mod secrets;
pub mod store;
pub mod throttle;
pub mod tokens;
pub mod turnstile;
pub mod versions;
pub mod watch;
pub mod webhooks;
pub mod writethrough;
