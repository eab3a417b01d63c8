//! Browser-facing identity pages and the authorization / end-session endpoints (being built).

use actix_web::web;

/// Registers the pages under `/identity`.
pub fn routes(_cfg: &mut web::ServiceConfig) {}
