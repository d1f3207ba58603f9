//! Cloudflare Access, the pure half: the JWT's claims (`jwt.rs`), the team's
//! signing keys (`key_set.rs`) and the roles grammar of `REGCRED_ACCESS_ROLES`
//! (`access_roles.rs`). The signature itself is checked by the worker with
//! WebCrypto (`worker/src/edge/access.rs`).

mod access_roles;
mod jwt;
mod key_set;

pub use access_roles::AccessRoles;
pub use jwt::{
    check, read, Checked, Identity, JwtError, Token, ALG, LEEWAY_SECONDS, MAX_JWT_BYTES,
};
pub use key_set::{certs_url, normalize_team_domain, parse_keys, Jwk, MIN_MODULUS_BITS};
