//! regcred's command line: `regcred` and `docker-credential-regcred`. Every
//! rule (names, registries, tokens, `.dockerconfigjson`, import, snippets,
//! `docker.tar.gz`, the helper and kubelet protocols) comes from `shared`;
//! this crate only reads files, runs helpers, asks questions and talks HTTP.

pub mod args;
pub mod client;
pub mod clock;
pub mod cmd;
pub mod credhelper;
pub mod error;
pub mod helpers;
pub mod oidc;
pub mod output;
pub mod prompt;
pub mod resolve;
pub mod settings;
pub mod url;
