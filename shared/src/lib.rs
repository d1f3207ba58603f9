//! regcred's domain. Every rule lives here once; the worker and the console
//! call it. No I/O, no clock, no randomness, no platform crates.

pub mod access;
pub mod address;
pub mod api;
pub mod apitoken;
pub mod archive;
pub mod auth;
pub mod azure;
pub mod backup;
pub mod brokered;
pub mod dockerconfig;
pub mod ecr;
pub mod entry_edit;
pub mod fetch_failure;
pub mod forms;
pub mod gcp;
pub mod health;
pub mod helper;
pub mod import;
pub mod kubelet;
pub mod login;
pub mod manifest;
pub mod mint;
pub mod name;
pub mod paste;
pub mod registry;
pub mod requests;
pub mod retention;
pub mod roles;
pub mod scope;
pub mod sigv4;
pub mod source;
pub mod time;
pub mod webhook;
pub mod workload;

pub use auth::{AuthError, Credentials};
pub use dockerconfig::{
    decode_value, parse_dockerconfigjson, parse_stored_dockerconfigjson, ConfigError,
    ConfigWarning, DockerConfig, ParsedConfig, RegistryEntry, MAX_DOCKERCONFIGJSON_BYTES,
    MAX_REGISTRIES,
};
pub use import::{classify, helper_command, ImportRow, ImportStatus};
pub use name::{NameError, SecretName};
pub use registry::{Registry, RegistryError, DOCKER_HUB_SERVER};
pub use roles::{Action, Role};
pub use scope::Scope;
