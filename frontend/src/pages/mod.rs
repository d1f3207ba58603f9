//! One module per page; shared widgets in `widgets`, the sign-in and role
//! gates in `gate`, a puller token's page in `puller`.

pub mod activity;
pub mod cloud_fields;
pub mod decoder;
pub mod deleted;
pub mod detail;
pub mod editor;
pub mod gate;
pub mod identities;
pub mod import;
pub mod puller;
pub mod secrets;
pub mod signin;
pub mod tokens;
pub mod versions;
pub mod webhooks;
pub mod widgets;
