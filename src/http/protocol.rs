//! Userinfo, revocation and introspection endpoints (being built).

use actix_web::web;

/// Registers the endpoints under `/identity/connect`.
pub fn routes(_cfg: &mut web::ServiceConfig) {}
