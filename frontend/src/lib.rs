//! regcred's browser console. Only this crate knows the DOM; every rule it
//! checks comes from `shared`. Plain logic (`form`, `decode`, `listing`,
//! `nav`, `tokens`, `history`, `roles`, `audit`, `import_plan`, `puller`,
//! `edit`) is tested natively; `pages` hold the views, `session` what they
//! share, `app` the shell around them; `decoder_entry` is the shell of the
//! decoder's own small entry (`src/bin/decoder.rs`).

pub mod api;
pub mod app;
pub mod audit;
pub mod browser;
pub mod cloud;
pub mod decode;
pub mod decoder_entry;
pub mod edit;
pub mod field;
pub mod form;
pub mod history;
pub mod identities;
pub mod import_plan;
pub mod listing;
pub mod nav;
pub mod pages;
pub mod puller;
pub mod roles;
pub mod session;
pub mod tokens;
