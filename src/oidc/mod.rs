//! OpenID Connect documents and claims: the discovery document (OIDC Discovery 1.0, RFC 8414).

pub mod discovery;
pub mod id_token;
