//! The only code that knows workers-rs: the fetch handler (`fetch.rs`), the
//! Durable Object that orders writes (`durable.rs`), the bindings (KV in
//! `kv.rs`, Rate Limiting in `ratelimit.rs`, the object's storage in
//! `storage.rs`), the store type both entry points share (`store.rs`) and
//! what they take from the runtime (`runtime.rs`; `tcp.rs` the login
//! check's bare TCP connection). Everything they call is
//! plain Rust, tested natively. Nothing here may panic.

mod access;
mod durable;
mod fetch;
mod kv;
mod ratelimit;
mod rooms;
mod runtime;
mod scheduled;
mod sign;
mod signer_keys;
mod storage;
mod store;
mod tcp;
mod webcrypto;
mod workload;

/// The KV namespace binding (`wrangler.toml`).
pub const KV_BINDING: &str = "SECRETS";

/// The Durable Object binding that serializes writes (see `durable.rs`).
pub const WRITER_BINDING: &str = "WRITER";
