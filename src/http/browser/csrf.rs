//! The CSRF token of every form (SPEC §8): an HMAC, under a key every node shares, of what binds
//! the form to this browser — the session cookie when there is one, else the browser's own random
//! id (before sign-in). A token is worthless in another session, and nobody without the key can
//! make one for a session they can plant, so a free-standing cookie/field pair no longer passes.

use super::cookies::{browser_cookie, browser_id, session_value};
use crate::crypto::secrets::random_token;
use crate::service::{Context, ServiceError};
use actix_web::cookie::Cookie;
use actix_web::HttpRequest;

/// Name of the hidden CSRF field of every form.
pub const CSRF_FIELD: &str = "csrf";

/// Whether a browser id looks like one of ours (43 base64url characters).
fn well_formed(id: &str) -> bool {
    id.len() == 43
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What a form of this request is bound to, given the browser id it has (or is given).
/// CAUTION: with a session cookie, only the session binds — accepting a browser-id token there
/// would let a planted browser id (whose token anyone can fetch) stand in for the victim's session.
fn binding(req: &HttpRequest, ctx: &Context, browser: Option<&str>) -> Option<String> {
    match session_value(req, &ctx.config) {
        Some(session) => Some(format!("session:{session}")),
        None => browser.map(|id| format!("browser:{id}")),
    }
}

/// The CSRF token for a form being rendered below `path` (the identity root or the portal's),
/// and the browser-id cookie to (re)set. The browser's id is kept, so two open tabs do not
/// invalidate each other.
pub fn csrf_for_form(
    req: &HttpRequest,
    ctx: &Context,
    path: String,
) -> Result<(String, Cookie<'static>), ServiceError> {
    let id = match browser_id(req, &ctx.config) {
        Some(id) if well_formed(&id) => id,
        _ => random_token(32)?,
    };
    let bound = binding(req, ctx, Some(&id)).unwrap_or_default();
    let cookie = browser_cookie(&ctx.config, id, path);
    Ok((ctx.csrf.token(&bound), cookie))
}

/// Whether the form's token is the one for this request's binding; constant-time.
pub fn csrf_matches(req: &HttpRequest, ctx: &Context, field: Option<&str>) -> bool {
    let browser = browser_id(req, &ctx.config).filter(|id| well_formed(id));
    match (binding(req, ctx, browser.as_deref()), field) {
        (Some(bound), Some(token)) => ctx.csrf.verify(&bound, token),
        _ => false,
    }
}
