//! The CSRF token of every form (SPEC §8): a random token in a cookie below the page's root and in
//! a hidden field, compared in constant time when the form comes back.

use super::cookies::{csrf_cookie, CSRF_COOKIE};
use crate::config::Config;
use crate::crypto::secrets::random_token;
use crate::service::ServiceError;
use actix_web::cookie::Cookie;
use actix_web::HttpRequest;
use subtle::ConstantTimeEq;

/// Name of the hidden CSRF field of every form.
pub const CSRF_FIELD: &str = "csrf";

/// Whether a presented CSRF token looks like one of ours (43 base64url characters).
fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The CSRF token for a form being rendered below `path` (the identity root or the portal's),
/// and its cookie. The browser's current token is reused, so two open tabs do not invalidate
/// each other.
pub fn csrf_for_form(
    req: &HttpRequest,
    config: &Config,
    path: String,
) -> Result<(String, Cookie<'static>), ServiceError> {
    let token = match req.cookie(CSRF_COOKIE) {
        Some(c) if well_formed(c.value()) => c.value().to_owned(),
        _ => random_token(32)?,
    };
    let cookie = csrf_cookie(config, token.clone(), path);
    Ok((token, cookie))
}

/// The double-submit check: the form's token equals the cookie's, compared in constant time.
pub fn csrf_matches(req: &HttpRequest, field: Option<&str>) -> bool {
    let (Some(cookie), Some(field)) = (req.cookie(CSRF_COOKIE), field) else {
        return false;
    };
    well_formed(cookie.value()) && bool::from(cookie.value().as_bytes().ct_eq(field.as_bytes()))
}
